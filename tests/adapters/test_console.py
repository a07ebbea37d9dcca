"""The console adapter driven by scripted lines through the real engine on a SQLite file."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.console.adapter import COMMUNITY, ConsolePlatform, ConsoleSession, Outcome
from adapters.console.parse import Answer, Command, Declare, React, parse_line
from adapters.console.render import safe, table_lines
from adapters.console.repl import ConsoleAdapter, list_lines
from bot.app import App, build_app
from bot.clock import FakeClock, SystemClock
from bot.errors import UserError
from bot.replies import Table
from storage.sqlite.store import SqliteStorage
from tests.harness import open_test_storage


class Console:
    def __init__(self, app: App, storage: SqliteStorage, session: ConsoleSession) -> None:
        self.app = app
        self.storage = storage
        self.session = session

    async def __call__(self, line: str) -> Outcome:
        return await self.session.handle_line(line)

    async def text(self, line: str) -> str:
        return "\n".join((await self(line)).lines)

    async def tally(self, idea_id: int) -> int:
        return (await self.storage.votes.tally(idea_id)).up

    async def balance(self, member: str) -> int:
        return await self.storage.ledger.balance(COMMUNITY, member)

    async def count(self, table: str) -> int:
        return int(await self.storage.db.scalar(f"SELECT count(*) FROM {table}"))


async def _console(path: Path, clock: FakeClock | SystemClock, session_id: str | None) -> Console:
    storage = await open_test_storage(path)
    platform = ConsolePlatform()
    app = build_app(storage, platform, clock, card_interval=0.01)
    session = ConsoleSession.for_app(app, platform, session_id=session_id)
    await session.start(app.engine.handle)
    return Console(app, storage, session)


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    c = await _console(tmp_path / "console.sqlite3", FakeClock(), "t1")
    try:
        yield c
    finally:
        await c.app.close()
        await c.storage.close()


async def test_submit_posts_a_card_and_react_counts_a_vote(console: Console) -> None:
    out = await console.text('as alice /idea submit title:"Oat latte" description:"Creamy"')
    assert "(only alice sees) Idea #1 “Oat latte” is posted" in out
    assert "[#general] new idea card:" in out
    assert "💡 #1 Oat latte  [new]" in out

    out = await console.text("as bob react 👍 1")
    assert "(bob's 👍 on #1 counts)" in out
    assert "(card #1 updated: Oat latte [new] · 1 vote)" in out
    assert await console.tally(1) == 1

    # keyboard aliases reach the same emoji; the latest vote counts, so nothing doubles
    await console("as bob react up #1")
    assert await console.tally(1) == 1
    out = await console.text("as bob unreact 👍 1")
    assert "(bob's vote on #1 is removed)" in out
    assert await console.tally(1) == 0


async def test_self_vote_is_refused_privately_and_not_counted(console: Console) -> None:
    await console('as alice /idea submit title:"Oat latte"')
    outcome = await console("as alice react 👍 1")
    assert not outcome.ok
    assert "(only alice sees) You can't vote for your own idea here." in outcome.lines
    assert "(the 👍 is taken off card #1)" in outcome.lines
    assert await console.tally(1) == 0


async def test_replay_sends_the_same_event_and_changes_nothing(console: Console) -> None:
    await console('as alice /idea submit title:"Oat latte"')
    await console("as bob react 👍 1")
    before = (await console.balance("alice"), await console.balance("bob"))
    entries = await console.count("ledger")

    out = await console.text("replay")
    assert "already handled, nothing changed" in out
    assert "console-t1-2" in out  # the very id of bob's reaction
    assert await console.tally(1) == 1
    assert (await console.balance("alice"), await console.balance("bob")) == before
    assert await console.count("ledger") == entries

    # a replayed command is ignored as well: no second idea, no second payment
    await console("advance 5m")
    await console('as carol /idea submit title:"Maple mocha"')
    await console("replay")
    assert await console.count("ideas") == 2
    assert await console.balance("carol") == 10


async def test_moderator_commands_are_refused_for_members(console: Console) -> None:
    outcome = await console("as bob /cocreate config set vote_mode updown")
    assert not outcome.ok
    assert "is for moderators" in "\n".join(outcome.lines)
    settings = await console.storage.communities.settings(COMMUNITY)
    assert settings.vote_mode == "up"

    assert (await console("as mod /cocreate config set vote_mode updown")).ok
    settings = await console.storage.communities.settings(COMMUNITY)
    assert settings.vote_mode == "updown"


async def test_declared_members_and_the_default_actor(console: Console) -> None:
    # with no `as NAME`, the default actor is admin, a moderator
    assert (await console("/cocreate config show")).ok
    assert not (await console("as dana /cocreate config show")).ok
    assert "(dana is a moderator)" in await console.text("member dana admin")
    assert (await console("as dana /cocreate config show")).ok
    # and without `as`, the last actor (dana) acts again
    assert (await console("/cocreate audit")).ok
    await console("member dana plain")
    assert not (await console("/cocreate config show")).ok


async def test_members_answer_a_prompt_and_may_change_it(console: Console) -> None:
    out = await console.text('as mod /prompt create kind:single question:"Size?" options:"S, M, L"')
    assert "📝 Prompt #1 (single): Size?" in out
    assert "  2. M" in out
    out = await console.text("as carol answer 1 M")
    assert "(only carol sees) Thanks! Your answer to prompt #1 is saved: M." in out
    await console("as carol answer 1 L")
    responses = await console.storage.prompts.responses(COMMUNITY, 1)
    assert [(r.member_id, r.values) for r in responses] == [("carol", ("L",))]
    assert await console.balance("carol") == 5  # paid once, not again for the change

    outcome = await console("as carol answer 1 XL")
    assert not outcome.ok
    assert "is not one of the options" in "\n".join(outcome.lines)


async def test_a_thread_comment_earns_comment_points(console: Console) -> None:
    await console('as alice /idea submit title:"Oat latte"')
    out = await console.text("as bob comment 1")
    assert "(bob wrote in idea #1's thread)" in out
    assert await console.balance("bob") == 1


async def test_bad_lines_get_a_friendly_error_and_the_loop_goes_on(tmp_path: Path) -> None:
    console = await _console(tmp_path / "db.sqlite3", SystemClock(), "t2")
    out = io.StringIO()
    adapter = ConsoleAdapter(console.session, out)
    lines = [
        "bogus words",
        "as",
        "react 👍",
        "as alice react 👍 7",
        "answer x 4",
        'as alice /idea submit title:"unclosed',
        "/nosuch thing",
        "as alice /idea frobnicate",
        "advance 2h",
        "replay",
        'as alice /idea submit title:"Still works"',
        "quit",
        "as alice /idea list",
    ]
    try:
        ended = await adapter.run(list_lines(lines))
    finally:
        await console.app.close()
        await console.storage.close()
    text = out.getvalue()
    assert ended == "quit"
    assert text.count("⚠") == 10, text
    assert "I don't know “bogus”" in text
    assert "Idea #7 has no card" in text
    assert "A quote is not closed" in text
    assert "Unknown command /nosuch" in text
    assert "/idea has no `frobnicate`" in text
    assert "`advance` works only in the console, where the clock can be moved." in text
    assert "Nothing to replay yet." in text
    assert "Idea #1 “Still works” is posted" in text
    assert "Ideas, top first" not in text  # nothing after quit runs
    assert adapter.failures == 10


async def test_input_ending_without_quit_reports_eof(console: Console) -> None:
    adapter = ConsoleAdapter(console.session, io.StringIO())
    assert await adapter.run(list_lines(["help"])) == "eof"


async def test_event_ids_stay_unique_across_sessions_on_one_database(tmp_path: Path) -> None:
    """A restarted console must not have its first events taken for replays."""
    path = tmp_path / "db.sqlite3"
    for run in range(2):
        console = await _console(path, SystemClock(), session_id=None)
        try:
            outcome = await console(f'as user{run} /idea submit title:"Idea {run}"')
            assert outcome.ok and "is posted" in "\n".join(outcome.lines)
        finally:
            await console.app.close()
            await console.storage.close()


async def test_member_text_cannot_drive_the_terminal(console: Console) -> None:
    out = await console.text('as alice /idea submit title:"Red\x1b[2J\x07 alert\u202e"')
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "Red[2J alert" in out


def test_parse_line_grammar() -> None:
    assert parse_line("as alice: /idea list top").action == Command("idea", "list top")
    assert parse_line("as Bob react down 3") == parse_line("as bob react 👎 #3")
    assert parse_line("react :+1: 3").action == React("👍", 3)
    assert parse_line("unreact 👍 3").action == React("👍", 3, added=False)
    assert parse_line('answer 2 "so good" yes').action == Answer(
        2, ("so good", "yes"), '"so good" yes'
    )
    assert parse_line("member Dana role 42").action == Declare("dana", role="42")
    assert parse_line("as bob").actor == "bob"
    for bad in (
        "react 👍 zero",
        "member dana boss",
        "advance soon",
        "as b@d /idea list",
        "quit now",
    ):
        with pytest.raises(UserError):
            parse_line(bad)


def test_tables_align_on_display_width() -> None:
    lines = table_lines(Table("T", ("who", "n"), (("👍👍", "1"), ("abcd", "22"))))
    assert lines[1:] == ["who   n", "----  --", "👍👍  1", "abcd  22"]
    assert safe("a\tb\r\nc\x00") == "a    b\nc"


async def test_in_updown_mode_the_latest_reaction_replaces_the_earlier(console: Console) -> None:
    await console("as mod /cocreate config set vote_mode updown")
    await console('as alice /idea submit title:"Oat latte"')
    await console("as bob react up 1")
    out = await console.text("as bob react down 1")
    assert "(bob's 👎 on #1 counts; the 👍 no longer does)" in out
    tally = await console.storage.votes.tally(1)
    assert (tally.up, tally.down) == (0, 1)


async def test_echo_shows_each_line_even_when_it_cannot_be_read(console: Console) -> None:
    console.session.echo = True
    assert (await console("as alice /idea list")).lines[0] == "> as alice: /idea list"
    assert (await console("advance 1h")).lines[0] == "> advance 1h"
    assert (await console("as b@d")).lines[0] == "> as b@d"


async def test_card_ids_stay_unique_across_restarts_on_one_database(tmp_path: Path) -> None:
    """A second `make run` on the same file: the new card gets its own message id, so a vote
    on it counts for its idea, not for the idea an earlier run posted."""
    path = tmp_path / "shared.sqlite3"
    first = await _console(path, FakeClock(), None)
    try:
        assert "is posted" in await first.text('as alice /idea submit title:"Oat latte"')
    finally:
        await first.app.close()
        await first.storage.close()
    second = await _console(path, FakeClock(), None)
    try:
        out = await second.text('as bob /idea submit title:"Mint tea"')
        assert "Idea #2 “Mint tea” is posted" in out
        out = await second.text("as carol react 👍 2")
        assert "(carol's 👍 on #2 counts)" in out
        assert (await second.tally(2), await second.tally(1)) == (1, 0)
        ids = await second.storage.db.fetchall("SELECT message_id FROM ideas ORDER BY id")
        assert ids[0][0] and ids[1][0] and ids[0][0] != ids[1][0]
    finally:
        await second.app.close()
        await second.storage.close()


async def test_answers_typed_without_quotes_are_saved_as_typed(console: Console) -> None:
    await console('as mod /prompt create kind:text question:"What should we bake?"')
    await console('as mod /prompt create kind:single question:"Size?" options:"Small, Medium"')
    for line in (
        "as alice answer 1 cinnamon rolls please",
        'as bob answer 1 it\'s  great,\t"really"',
        'as carol answer 1 "Yes please"',
        "as alice answer 2 2",
        "as bob answer 2 small",
    ):
        assert (await console(line)).ok, line

    async def answers(prompt: int) -> list[str]:
        rows = await console.storage.db.fetchall(
            "SELECT answer_json FROM prompt_responses WHERE prompt_id = ? ORDER BY member_id",
            (prompt,),
        )
        return [r[0] for r in rows]

    assert await answers(1) == [
        '["cinnamon rolls please"]',
        '["it\'s great, \\"really\\""]',
        '["Yes please"]',
    ]
    assert await answers(2) == ['["Medium"]', '["Small"]']
