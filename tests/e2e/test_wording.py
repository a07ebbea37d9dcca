"""Replies read as sentences: walk the main reply paths with counts 0, 1 and 2 and read every
word the bot shows (replies, tables, channel posts, DMs) for the slips a person notices."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta

from bot.replies import Message, Reply
from config.community import RULES
from tests.harness import Harness

COUNTED = "vote|point|idea|member|response|request|answer|campaign|prompt|supporter|minute|page"
#: "1 votes", "1 points"... (but not "11 votes" or "1,001 votes")
ONE_PLURAL = re.compile(rf"(?<![\d,.])1 (?:more )?(?:{COUNTED})s\b")
#: a Python repr: 'Oat milk' or '\u200b' quoted with straight quotes around a value
REPR = re.compile(r"(?:^|[\s(:])'[^'\n]*'(?=[\s.,;:)!]|$)")


def problems(texts: Iterable[str]) -> list[str]:
    found = []
    for text in texts:
        if "(s)" in text:
            found.append(f"(s): {text!r}")
        if ONE_PLURAL.search(text):
            found.append(f"1 + plural: {text!r}")
        if REPR.search(text) or "\\u" in text or "\\x" in text:
            found.append(f"repr quoting: {text!r}")
        for rule in RULES:
            if re.search(rf"\b{rule}\b", text):
                found.append(f"raw rule key {rule}: {text!r}")
        if "Input should" in text or "validation error" in text:
            found.append(f"pydantic: {text!r}")
    return found


def words_of(reply: Reply | Message, skip_columns: tuple[int, ...] = ()) -> list[str]:
    out = [reply.text]
    if reply.card is not None:
        out += [reply.card.tally, reply.card.status, reply.card.author_name]
    if reply.table is not None:
        out.append(reply.table.title)
        out += [" ".join(reply.table.headers)]
        out += [
            cell for row in reply.table.rows for i, cell in enumerate(row) if i not in skip_columns
        ]
    return out


class Reader:
    """Runs commands and keeps every word shown, so one assertion can read them all."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.seen: list[str] = []

    def keep(self, reply: Reply, skip_columns: tuple[int, ...] = ()) -> Reply:
        self.seen += words_of(reply, skip_columns)
        return reply

    async def cmd(self, who: str, path: str, **options: object) -> Reply:
        actor = self.h.moderator(who) if who == "mod" else self.h.member(who)
        return self.keep(await self.h.cmd(actor, path, **options))

    async def text(self, who: str, line: str) -> Reply:
        actor = self.h.moderator(who) if who == "mod" else self.h.member(who)
        return self.keep(await self.h.text(actor, line))

    def everything(self) -> list[str]:
        posted = [m for _, _, m in self.h.platform.dms] + [s.message for s in self.h.platform.posts]
        return self.seen + [w for m in posted for w in words_of(m)]


async def test_replies_with_counts_zero_one_two_read_as_sentences(harness: Harness) -> None:
    h = harness
    r = Reader(h)
    # zero of everything
    for path in ("idea list", "campaign list", "leaderboard show", "points show", "points history"):
        await r.cmd("alice", path)
    for path in ("prompt list", "rewards pending", "idea queue", "cocreate audit"):
        await r.cmd("mod", path)
    # a pick campaign: one candidate with one vote, one with two, then the results
    await r.cmd("mod", "campaign create", name="Dress pick", mode="pick")
    red = int((await r.cmd("mod", "idea submit", title="Red dress")).idea_id)
    blue = int((await r.cmd("mod", "idea submit", title="Blue dress")).idea_id)
    r.keep(await h.react(h.member("ann"), red))
    r.keep(await h.react(h.member("ann"), blue))
    r.keep(await h.react(h.member("ben"), blue))
    for path in ("idea list",):
        await r.cmd("ann", path)
    await r.cmd("ann", "idea show", idea=red)
    await r.cmd("ann", "campaign show", name="Dress pick")
    await r.cmd("mod", "campaign close", name="Dress pick")
    await r.cmd("ann", "campaign show", name="Dress pick")
    # a contest with one and two ideas and a merge moving one vote
    await r.cmd("mod", "campaign create", name="Spring", winners=2)
    oat = int((await r.cmd("alice", "idea submit", title="Oat milk")).idea_id)
    h.clock.advance(timedelta(minutes=5))
    dup = int((await r.cmd("alice", "idea submit", title="Oat milk latte")).idea_id)
    await r.cmd("mod", "campaign vote", name="Spring")
    r.keep(await h.react(h.member("bob"), oat))
    r.keep(await h.react(h.member("carol"), dup))
    await r.cmd("mod", "idea merge", duplicate=dup, into=oat)
    await r.cmd("mod", "idea status", idea=oat, status="under_review")
    await r.cmd("mod", "campaign close", name="Spring")
    # points: one point, two points, history, leaderboards
    await r.cmd("mod", "points grant", member="dave", amount=1, reason="a tip")
    await r.cmd("mod", "points grant", member="erin", amount=2, reason="two tips")
    await r.cmd("mod", "points deduct", member="erin", amount=1, reason="one back")
    for who in ("alice", "bob", "dave"):
        await r.cmd(who, "points show")
        await r.cmd(who, "points history")
        await r.cmd(who, "leaderboard show")
    await r.cmd("mod", "points history", member="bob")
    await r.cmd("mod", "points show", member="dave")
    # prompts with one and two answers
    await r.cmd("mod", "prompt create", kind="text", question="Ideas for cups?")
    r.keep(await h.answer(h.member("ann"), 1, "Bigger"))
    await r.cmd("mod", "prompt results", prompt=1)
    r.keep(await h.answer(h.member("ben"), 1, "Greener"))
    await r.cmd("mod", "prompt results", prompt=1)
    await r.cmd("mod", "prompt close", prompt=1)
    # rewards costing one point, with one request left waiting at removal
    await r.cmd("mod", "rewards add", name="Sticker", cost=1, stock="5")
    await r.cmd("dave", "rewards redeem", reward="Sticker")
    await r.cmd("mod", "rewards remove", reward="Sticker")
    # settings: a bad value, and the table (its key column is what moderators type)
    await r.cmd("mod", "cocreate config set", key="vote_mode", value="sideways")
    await r.cmd("mod", "cocreate config set", key="review_queue", value="maybe")
    r.keep(await h.cmd(h.moderator(), "cocreate config show"), skip_columns=(0,))
    await r.cmd("mod", "cocreate audit")

    found = problems(r.everything())
    assert found == [], "\n".join(found)


async def test_points_history_and_config_show_name_the_rule(harness: Harness) -> None:
    h = harness
    await h.submit(h.member("alice"), "Oat milk")
    history = await h.cmd(h.member("alice"), "points history")
    assert history.table is not None
    assert [row[2] for row in history.table.rows] == ["submitting an idea"]
    shown = await h.cmd(h.moderator(), "cocreate config show")
    assert shown.table is not None
    meaning = {row[0]: row[2] for row in shown.table.rows}
    assert meaning["points.vote_cast.value"] == "points for casting a vote"
    assert meaning["points.idea_submitted.daily_cap"] == "most points a day for submitting an idea"


async def test_a_page_past_the_end_says_so(harness: Harness) -> None:
    h = harness
    alice = h.member("alice")
    for n in range(12):
        await h.submit(h.moderator(), f"Idea {n}")
    first = await h.cmd(alice, "idea list")
    assert "12 ideas" in first.text and "page 1 of 2" in first.text
    past = await h.cmd(alice, "idea list", page=9)
    assert past.text == "There are no ideas on page 9; there are 2 pages."
    assert "first" not in past.text.lower()


async def test_ranks_and_places_are_ordinals(harness: Harness) -> None:
    h = harness
    mod = h.moderator()
    for name, amount in (("ann", 3), ("ben", 2), ("cat", 1)):
        await h.cmd(mod, "points grant", member=name, amount=amount, reason="thanks")
    board = await h.cmd(h.member("cat"), "leaderboard show")
    assert board.table is not None
    assert [row[0] for row in board.table.rows] == ["1st", "2nd", "3rd"]
    assert "You are in 3rd place with 1 point all time." in board.text
    own = await h.cmd(h.member("ben"), "points show")
    assert "2 points (2nd place all-time)" in own.text


async def test_help_lists_every_topic_and_verb(harness: Harness) -> None:
    h = harness
    registry = h.app.registry
    text = (await h.cmd(h.moderator(), "cocreate help")).text
    for topic in registry.topics:
        line = next((ln for ln in text.split("\n") if ln.startswith(f"/{topic} ")), None)
        assert line is not None, f"/{topic} missing from help"
        for command in registry.in_topic(topic):
            assert command.verb in line, f"{command.path} missing from help"
    members = (await h.cmd(h.member("ann"), "cocreate help")).text
    assert "merge" not in members and "submit" in members


async def test_a_topic_typed_alone_shows_its_verbs(harness: Harness) -> None:
    h = harness
    registry = h.app.registry
    for topic in ("idea", "campaign", "prompt"):
        reply = await h.text(h.moderator(), f"/{topic}")
        assert reply.ok, reply.text
        lines = reply.text.split("\n")
        for command in registry.in_topic(topic):
            assert sum(f"`/{command.path}" in ln for ln in lines) == 1, command.path
    member = (await h.text(h.member("ann"), "/idea")).text
    assert "/idea submit" in member and "/idea merge" not in member
    only_mods = (await h.text(h.member("ann"), "/prompt")).text
    assert "Only moderators use /prompt." in only_mods


async def test_switches_read_on_and_off_as_they_are_set(harness: Harness) -> None:
    h = harness
    on = await h.cmd(h.moderator(), "cocreate config set", key="public_board", value="on")
    assert on.text == "public_board is now on."
    shown = await h.cmd(h.moderator(), "cocreate config show")
    assert shown.table is not None
    values = {row[0]: row[1] for row in shown.table.rows}
    assert values["public_board"] == "on"
    assert values["allow_self_votes"] == "off"
