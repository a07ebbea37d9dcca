"""Fuzzed command text and malformed neutral events (hypothesis): a clear error, a refusal or an
ignore, never a crash; and a refusal or an ignore changes nothing members can see."""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands.spec import Command
from bot.engine import FAILURE_TEXT, STORAGE_TEXT
from bot.errors import UserError
from bot.events import (
    Actor,
    AutocompleteRequested,
    CommandInvoked,
    InboundEvent,
    PromptAnswered,
    ReactionAdded,
    ReactionRemoved,
    ThreadMessagePosted,
)
from bot.replies import Reply
from tests.command_model import command_model
from tests.faults.util import BOOKKEEPING, dump
from tests.harness import Harness

EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
REGISTRY = command_model()
COMMANDS: list[Command] = sorted(REGISTRY, key=lambda c: c.path)
INTERNAL = (FAILURE_TEXT, STORAGE_TEXT)


@contextmanager
def seeded(tmp_path: Path) -> Iterator[tuple[asyncio.AbstractEventLoop, Harness, dict[str, Any]]]:
    """A harness with something of everything, on its own loop (hypothesis tests are sync)."""
    loop = asyncio.new_event_loop()
    h = loop.run_until_complete(Harness.create(tmp_path / "fuzz.sqlite3"))
    try:
        known = loop.run_until_complete(_seed(h))
        yield loop, h, known
    finally:
        loop.run_until_complete(h.close())
        loop.close()


async def _seed(h: Harness) -> dict[str, Any]:
    mod = h.moderator()
    for line in ("submission_cooldown_minutes 0", "review_queue false"):
        assert (await h.text(mod, f"/cocreate config set {line}")).ok
    assert (await h.cmd(mod, "campaign create", name="Spring", mode="board")).ok
    ideas = [await h.submit(h.member(n), f"Idea {n}") for n in ("alice", "bob")]
    await h.react(h.member("carol"), ideas[0])
    prompt = await h.cmd(mod, "prompt create", kind="rating", question="How is it?")
    assert prompt.ok, prompt.text
    assert (await h.cmd(mod, "rewards add", name="Mug", cost=5, stock=3)).ok
    messages = [await h.card_message(i) for i in ideas]
    threads = [r[0] for r in await h.db.fetchall("SELECT thread_id FROM ideas")]
    return {
        "ideas": ideas,
        "messages": messages,
        "threads": threads,
        "prompt": int(prompt.prompt_id),
    }


def assert_no_internal_error(reply: Reply) -> None:
    assert reply.text not in INTERNAL, reply


# -- command text -------------------------------------------------------------------------
# numbers of every width, including ones SQLite's 64-bit integers cannot hold
odd_numbers = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([0, -1, 1, 2**31, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1]),
).map(str)
odd_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "none", "#1", "1,000", "<@123>", "@alice", "1e9", "nan", "-0", "🎉"]),
    st.integers(min_value=0, max_value=5000).map(lambda n: "x" * n),
)


@st.composite
def command_lines(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:
        return "/" + draw(st.text(max_size=80))  # anything at all
    command = draw(st.sampled_from(COMMANDS))
    words: list[str] = []
    for opt in command.options:
        if draw(st.booleans()):
            continue
        value: str
        pick_a_choice: bool = draw(st.booleans())
        if opt.choices and pick_a_choice:
            value = draw(st.sampled_from(list(opt.choices)))
        elif opt.kind == "integer" and draw(st.booleans()):
            value = draw(odd_numbers)
        else:
            value = draw(odd_text)
        named = draw(st.booleans())
        words.append(shlex.quote(f"{opt.name}:{value}" if named else value))
    words.extend(shlex.quote(w) for w in draw(st.lists(odd_text, max_size=2)))
    if draw(st.integers(0, 9)) == 0:
        words.append(draw(st.sampled_from(['"unclosed', "a:b", "=x", "::", "'"])))
    return f"/{command.topic} {command.verb} {' '.join(words)}".rstrip()


async def _run_text(h: Harness, actor: Actor, line: str) -> None:
    before = await dump(h)
    try:
        reply = await h.text(actor, line)
    except UserError:
        return  # the parser refused the text before any event: a clear error for the member
    assert_no_internal_error(reply)
    await h.app.cards.flush()
    if not reply.ok:
        assert reply.text, "a refusal must say why"
        assert await dump(h) == before, f"a refused {line!r} changed the database"


def test_fuzzed_command_text_is_refused_or_handled(tmp_path: Path) -> None:
    with seeded(tmp_path) as (loop, h, _):
        actors = [h.moderator(), h.member("alice"), h.member("zed")]

        @EXAMPLES
        @given(line=command_lines(), who=st.integers(0, 2))
        def check(line: str, who: int) -> None:
            loop.run_until_complete(_run_text(h, actors[who], line))

        check()


# -- malformed neutral events ---------------------------------------------------------------
odd_id = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "0", "-1", "null", "../etc", "m1", "t1", "\x00"]),
    st.integers(min_value=0, max_value=20_000).map(lambda n: "9" * n),
)
# ids a JSON payload can carry, including ones wider than SQLite's 64-bit integers
odd_int = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([0, -1, 2**63 - 1, 2**63, -(2**63)]),
)
odd_values = st.one_of(
    st.none(),
    st.booleans(),
    odd_int,
    st.floats(allow_nan=True),
    odd_text,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@st.composite
def malformed_events(draw: st.DrawFn, known: dict[str, Any]) -> InboundEvent:
    community = draw(st.sampled_from(["console:test", "console:test", "", "x" * 300, "console:"]))
    actor = Actor(
        community_id=community if draw(st.booleans()) else "console:test",
        member_id=draw(st.one_of(st.sampled_from(["alice", "carol", "zed"]), odd_id)),
        display_name=draw(st.one_of(st.just(""), odd_text)),
        is_admin=draw(st.booleans()),
    )
    event_id = draw(odd_id)
    message = draw(st.one_of(st.sampled_from(known["messages"]), odd_id))
    emoji = draw(st.one_of(st.sampled_from(["👍", "👎", "1️⃣", "🦄", "", "👍🏽", ":+1:"]), odd_text))
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return ReactionAdded(event_id, actor, draw(odd_id), message, emoji)
    if kind == 1:
        return ReactionRemoved(event_id, actor, draw(odd_id), message, emoji)
    if kind == 2:
        prompt = draw(st.one_of(st.just(known["prompt"]), odd_int))
        values = draw(st.lists(st.one_of(odd_text, odd_numbers), max_size=30))
        return PromptAnswered(event_id, actor, prompt, tuple(values))
    if kind == 3:
        thread = draw(st.one_of(st.sampled_from(known["threads"]), odd_id))
        return ThreadMessagePosted(event_id, actor, draw(odd_id), thread, draw(odd_id))
    if kind == 4:
        what = draw(st.one_of(st.sampled_from(["idea", "campaign", "reward", "prompt"]), odd_id))
        return AutocompleteRequested(event_id, actor, what, draw(odd_text))
    command = draw(st.sampled_from(COMMANDS))
    names = [o.name for o in command.options] + ["bogus", ""]
    options = draw(st.dictionaries(st.sampled_from(names), odd_values, max_size=4))
    topic, verb = command.topic, command.verb
    if draw(st.integers(0, 4)) == 0:
        topic, verb = draw(odd_id), draw(odd_id)
    return CommandInvoked(event_id, actor, topic, verb, options, draw(odd_id))


async def _run_event(h: Harness, event: InboundEvent) -> None:
    before = await dump(h, skip=BOOKKEEPING)
    reply = await h.engine.handle(event)
    assert_no_internal_error(reply)
    await h.app.cards.flush()
    if not reply.ok or reply.ignored:
        assert await dump(h, skip=BOOKKEEPING) == before, f"{event!r} changed the database"


def test_malformed_events_are_refused_or_ignored_and_change_nothing(tmp_path: Path) -> None:
    with seeded(tmp_path) as (loop, h, known):

        @EXAMPLES
        @given(event=malformed_events(known))
        def check(event: InboundEvent) -> None:
            loop.run_until_complete(_run_event(h, event))

        check()


async def test_a_command_id_beyond_64_bits_is_a_refusal(harness: Harness) -> None:
    reply = await harness.text(harness.moderator(), f"/idea reject {2**63}")
    assert reply.text not in INTERNAL and not reply.ok, reply


async def test_a_prompt_id_beyond_64_bits_is_a_refusal(harness: Harness) -> None:
    event = PromptAnswered("ev-wide", harness.member("alice"), 2**63, ("4",))
    reply = await harness.engine.handle(event)
    assert reply.text not in INTERNAL and not reply.ok, reply
