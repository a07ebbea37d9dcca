"""Member-written text through the real engine: invisible and bidi characters, duplicate titles,
answers typed without quotes, choices by number, repeated options, storage errors."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.text_clean import BIDI_CONTROLS
from storage.sqlite.store import open_storage
from tests.harness import Harness

EXAMPLES = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: characters that show nothing: white space, zero-width ones, joiners, BOM, bidi controls
INVISIBLE = [
    " ",
    "\t",
    "\n",
    "\u00a0",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\u180e",
    "\u3164",
    "\u2800",
    "\ufe0f",
    *sorted(BIDI_CONTROLS),
]
invisible_text = st.text(alphabet=st.sampled_from(INVISIBLE), min_size=1, max_size=12)
bidi = st.sampled_from(sorted(BIDI_CONTROLS))
word = st.text(alphabet=st.characters(categories=("L", "N")), min_size=1, max_size=8)


@contextmanager
def engine(tmp_path: Path) -> Iterator[tuple[asyncio.AbstractEventLoop, Harness]]:
    """One harness for every example (hypothesis tests are sync); examples use fresh names."""
    loop = asyncio.new_event_loop()
    h = loop.run_until_complete(Harness.create(tmp_path / "input.sqlite3"))
    try:
        yield loop, h
    finally:
        loop.run_until_complete(h.close())
        loop.close()


async def stored_texts(h: Harness) -> list[str]:
    """Every member-written text the engine stored."""
    queries = [
        "SELECT title, description, decline_reason, author_name FROM ideas",
        "SELECT name, brief FROM campaigns",
        "SELECT member_name, answer_json FROM prompt_responses",
        "SELECT reason FROM ledger",
        "SELECT name FROM rewards",
    ]
    texts: list[str] = []
    for query in queries:
        for row in await h.db.fetchall(query):
            texts += [str(v) for v in row]
    answers = await h.db.fetchall("SELECT answer_json FROM prompt_responses")
    return texts + [a for r in answers for a in json.loads(r[0])]


# -- empty once invisible characters are removed --------------------------------------------
def test_text_of_only_invisible_characters_is_empty_everywhere(tmp_path: Path) -> None:
    fresh = itertools.count()
    with engine(tmp_path) as (loop, h):
        mod = h.moderator()
        idea = loop.run_until_complete(h.submit(h.member("alice"), "Oat latte"))

        @EXAMPLES
        @given(blank=invisible_text)
        def check(blank: str) -> None:
            n = next(fresh)
            before = loop.run_until_complete(h.db.scalar("SELECT count(*) FROM audit_log"))
            for path, options in [
                ("idea submit", {"title": blank}),
                ("idea edit", {"idea": idea, "title": blank}),
                ("idea status", {"idea": idea, "status": "declined", "reason": blank}),
                ("campaign create", {"name": blank, "mode": "board"}),
                ("points grant", {"member": "bob", "amount": 5, "reason": blank}),
                ("rewards add", {"name": blank, "cost": 5}),
                ("prompt create", {"kind": "text", "question": blank}),
            ]:
                who = h.member(f"m{n}") if path == "idea submit" else mod
                reply = loop.run_until_complete(h.cmd(who, path, **options))
                assert not reply.ok, (path, blank, reply.text)
            after = loop.run_until_complete(h.db.scalar("SELECT count(*) FROM audit_log"))
            assert after == before

        check()


async def test_invisible_only_answers_are_empty(harness: Harness) -> None:
    mod = harness.moderator()
    reply = await harness.cmd(mod, "prompt create", kind="text", question="Best flavour?")
    prompt = int(reply.prompt_id)
    reply = await harness.answer(harness.member("ana"), prompt, "\u200b\u2060\ufeff \u202e")
    assert not reply.ok and "empty" in reply.text
    assert await harness.db.scalar("SELECT count(*) FROM prompt_responses") == 0


# -- bidi controls never stored -------------------------------------------------------------
def test_stored_text_never_holds_bidi_controls(tmp_path: Path) -> None:
    fresh = itertools.count()
    with engine(tmp_path) as (loop, h):
        mod = h.moderator()
        prompt = loop.run_until_complete(
            h.cmd(mod, "prompt create", kind="text", question="Anything else?")
        )
        prompt_id = int(prompt.prompt_id)

        @EXAMPLES
        @given(
            parts=st.lists(st.one_of(word, bidi), min_size=1, max_size=6).filter(
                lambda p: any(x not in BIDI_CONTROLS for x in p)
            ),
            control=bidi,
        )
        def check(parts: list[str], control: str) -> None:
            n = next(fresh)
            text = control + " ".join(parts) + control
            alice = h.member(f"alice{n}")
            reply = loop.run_until_complete(
                h.cmd(alice, "idea submit", title=f"{text} {n}", description=text)
            )
            assert reply.ok, reply.text
            idea = int(reply.idea_id)
            for path, options in [
                ("idea status", {"idea": idea, "status": "declined", "reason": text}),
                ("campaign create", {"name": f"{text} {n}", "mode": "pick", "brief": text}),
                ("points grant", {"member": "bob", "amount": 1, "reason": text}),
            ]:
                reply = loop.run_until_complete(h.cmd(mod, path, **options))
                assert reply.ok, (path, reply.text)
            reply = loop.run_until_complete(h.answer(alice, prompt_id, text))
            assert reply.ok, reply.text
            for stored in loop.run_until_complete(stored_texts(h)):
                assert not BIDI_CONTROLS & set(stored), repr(stored)

        check()


async def test_a_bidi_override_does_not_reverse_the_title(harness: Harness) -> None:
    idea = await harness.submit(harness.member("alice"), "\u202eOat latte\u202c")
    stored = await harness.storage.ideas.get(harness.community, idea)
    assert stored is not None and stored.title == "Oat latte"


# -- duplicate titles after normalisation ---------------------------------------------------
def _disguise(title: str, how: int) -> str:
    """The same title as a member might type it again: other case, full-width letters,
    a zero-width space or a BOM inside, odd spacing, a bidi control around it."""
    if how == 0:
        return title.swapcase()
    if how == 1:  # full-width forms of ASCII letters and digits (NFKC folds them back)
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in title)
    if how == 2:
        return title[:1] + "\u200b" + title[1:]
    if how == 3:
        return "\ufeff" + title.replace(" ", "  \u2060")
    return "\u2067" + title.upper() + "\u2069"


def test_titles_equal_after_normalisation_collide(tmp_path: Path) -> None:
    fresh = itertools.count()
    ascii_word = st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        min_size=1,
        max_size=8,
    )
    with engine(tmp_path) as (loop, h):

        @EXAMPLES
        @given(words=st.lists(ascii_word, min_size=1, max_size=4), how=st.integers(0, 4))
        def check(words: list[str], how: int) -> None:
            n = next(fresh)
            title = " ".join(words)
            community = f"console:titles{n}"
            first = h.member("alice", community=community)
            second = h.member("bob", community=community)
            assert loop.run_until_complete(h.cmd(first, "idea submit", title=title)).ok
            again = loop.run_until_complete(
                h.cmd(second, "idea submit", title=_disguise(title, how))
            )
            assert not again.ok and "already exists" in again.text, again.text
            count = loop.run_until_complete(
                h.db.scalar("SELECT count(*) FROM ideas WHERE community_id = ?", (community,))
            )
            assert count == 1

        check()


async def test_an_edit_to_a_disguised_duplicate_is_refused(harness: Harness) -> None:
    await harness.submit(harness.member("alice"), "Oat latte")
    bob = harness.member("bob")
    other = await harness.submit(bob, "Mint tea")
    reply = await harness.cmd(bob, "idea edit", idea=other, title="ＯＡＴ\u200b latte")
    assert not reply.ok and "already exists" in reply.text


async def test_migration_recomputes_title_keys(tmp_path: Path) -> None:
    """0012 on a database written before it: keys follow the new rule; live ideas whose titles
    only now look equal both stay, and the next copy is refused."""
    path = tmp_path / "old.sqlite3"
    storage = await open_storage(str(path))
    db = storage.db
    async with db.transaction():
        # the database as it was before 0012: its index, and keys of the old rule
        await db.execute("DELETE FROM schema_migrations WHERE version = 12")
        await db.execute("DROP INDEX ideas_live_title")
        await db.execute(
            "CREATE UNIQUE INDEX ideas_live_title ON ideas (community_id, ifnull(campaign_id, 0),"
            " ifnull(round_id, 0), title_key) WHERE status NOT IN ('withdrawn', 'merged',"
            " 'rejected')"
        )
        for title, key in [
            ("Oat latte", "oat latte"),
            ("ＯＡＴ latte", "ｏａｔ latte"),
            ("Oat\u200b latte", "oat\u200b latte"),
            ("Mint tea", "mint tea"),
        ]:
            await db.execute(
                "INSERT INTO ideas (community_id, title, title_key, author_id, status,"
                " created_at, updated_at) VALUES ('console:test', ?, ?, 'ana', 'new',"
                " '2026-01-05T09:00:00+00:00', '2026-01-05T09:00:00+00:00')",
                (title, key),
            )
    assert await db.migrate() == [12]
    keys = [r[0] for r in await db.fetchall("SELECT title_key FROM ideas ORDER BY id")]
    assert keys[0] == "oat latte" and keys[3] == "mint tea"
    assert keys[1].startswith("oat latte\x1f") and keys[2].startswith("oat latte\x1f")
    await storage.close()
    h = await Harness.create(path)
    try:
        again = await h.cmd(h.member("bob"), "idea submit", title="oat LATTE")
        assert not again.ok and "already exists" in again.text
    finally:
        await h.close()


# -- prompt answers typed as text -----------------------------------------------------------
async def _prompt(h: Harness, kind: str, options: str | None = None) -> int:
    extra = {"options": options} if options else {}
    reply = await h.cmd(h.moderator(), "prompt create", kind=kind, question="Which?", **extra)
    assert reply.ok, reply.text
    return int(reply.prompt_id)


async def _stored_answer(h: Harness, prompt_id: int) -> list[str]:
    found = await h.db.scalar(
        "SELECT answer_json FROM prompt_responses WHERE prompt_id = ?", (prompt_id,)
    )
    return list(json.loads(found))


async def test_choice_by_the_number_shown(harness: Harness) -> None:
    single = await _prompt(harness, "single", "Small, Medium, Large")
    reply = await harness.answer(harness.member("ana"), single, "2")
    assert reply.ok and "Medium" in reply.text
    multiple = await _prompt(harness, "multiple", "Red, Green, Blue")
    reply = await harness.answer(harness.member("ana"), multiple, "1", "blue")
    assert reply.ok and "Red, Blue" in reply.text
    reply = await harness.answer(harness.member("bo"), single, "4")
    assert not reply.ok and "1. Small, 2. Medium, 3. Large" in reply.text


async def test_a_label_wins_over_a_number(harness: Harness) -> None:
    prompt = await _prompt(harness, "single", "3, 1, 2")
    reply = await harness.answer(harness.member("ana"), prompt, "1")
    assert reply.ok and "is saved: 1." in reply.text


async def test_a_display_name_is_cleaned_like_any_text(harness: Harness) -> None:
    sly = replace(harness.member("sly"), display_name="\u202eylS\u200b")
    idea = await harness.submit(sly, "Oat latte")
    stored = await harness.storage.ideas.get(harness.community, idea)
    assert stored is not None and stored.author_name == "ylS"
    names = await harness.db.fetchall("SELECT display_name FROM members")
    assert [r[0] for r in names] == ["ylS"]
