"""Anonymous prompts are unlinkable: nothing that leaves the bot ties an answer to its member.

The property test states it as indistinguishability: two communities where the same members
answer at the same moments, paid the same points, but the answers (and the anonymous prompts
they went to) are swapped between members, must look byte-for-byte the same in every export,
reply, audit line and log line a moderator or an operator can read; and the same in the database
itself as long as the community's secret key is not used. If any column, key, ref, timestamp or
row order carried the link, the two worlds would differ there.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.logs import configure_logging
from bot.replies import Reply
from bot.services import anonymity
from tests.e2e.test_prompts import create
from tests.harness import Harness

ANSWER_POINTS = 5
DAILY_CAP = 10
KEY = "5e" * 32  # the same community secret in both worlds, so their keyed hashes line up
HEX = re.compile(r"[0-9a-f]{64}")
OPTIONS = ("Red", "Blue", "Green")
VALUES = {"rating": ("1", "2", "3", "4", "5"), "single": OPTIONS, "text": ("yes", "no", "=1+1")}


async def ledger(h: Harness) -> list[dict[str, Any]]:
    return [dict(r) for r in await h.db.fetchall("SELECT * FROM ledger ORDER BY id")]


# -- the rule, example by example -------------------------------------------------------------
async def test_anonymous_answer_names_no_member_prompt_or_time(harness: Harness) -> None:
    pid = await create(harness, kind="rating", question="Rate us", anonymous=True)
    harness.clock.advance(timedelta(minutes=7, microseconds=123))
    assert (await harness.answer(harness.member("zed"), pid, "2")).ok
    [row] = await harness.db.fetchall("SELECT * FROM prompt_responses")
    assert row["member_id"].startswith(anonymity.TOKEN_PREFIX)
    assert "zed" not in row["member_id"]
    assert row["member_name"] == ""
    prompt = await harness.storage.prompts.get(harness.community, pid)
    assert prompt is not None
    # the answer carries the prompt's opening time, not the moment zed answered
    [entry] = await ledger(harness)
    assert row["created_at"] == row["updated_at"] != entry["created_at"]
    assert entry["member_id"] == "zed" and entry["amount"] == ANSWER_POINTS
    assert entry["ref"] == ""
    assert entry["reason"] == "answered an anonymous feedback prompt"
    # the key is the prefix and a keyed hash only: no prompt id, no member in the clear
    assert re.fullmatch(r"feedback:anon:[0-9a-f]{64}", entry["idem_key"])
    assert row["member_id"].removeprefix("anon:") not in entry["idem_key"]
    history = await harness.text(harness.member("zed"), "/points")
    assert history.table is not None
    assert history.table.rows[0][2] == "answered an anonymous feedback prompt"
    assert f"#{pid}" not in " ".join(history.table.rows[0])


async def test_changing_an_anonymous_answer_leaves_no_trace_and_pays_once(
    harness: Harness,
) -> None:
    pid = await create(harness, kind="single", question="Colour?", options="Red, Blue")
    anon = await create(
        harness, kind="single", question="Honest?", options="Red, Blue", anonymous=True
    )
    ana = harness.member("ana")
    assert "saved" in (await harness.answer(ana, anon, "Red")).text
    before = [dict(r) for r in await harness.db.fetchall("SELECT * FROM prompt_responses")]
    harness.clock.advance(timedelta(days=1, minutes=3))
    changed = await harness.answer(ana, anon, "blue")
    assert changed.text == f"Your answer to prompt #{anon} is now: Blue."
    [after] = [dict(r) for r in await harness.db.fetchall("SELECT * FROM prompt_responses")]
    # only the answer changed: no new time, no revision count, same respondent
    assert after == before[0] | {"answer_json": '["Blue"]'}
    assert await harness.balance("ana") == ANSWER_POINTS
    # named prompts keep their member, times and refs
    assert (await harness.answer(ana, pid, "Red")).ok
    named = await harness.db.fetchone("SELECT * FROM prompt_responses WHERE prompt_id = ?", (pid,))
    assert named is not None and named["member_id"] == "ana"
    assert [e["ref"] for e in await ledger(harness)] == ["", f"prompt:{pid}"]


async def test_anonymous_answers_still_respect_the_daily_cap(harness: Harness) -> None:
    mod = harness.moderator()
    cap = await harness.text(mod, "/cocreate config set points.feedback_answered.daily_cap 10")
    assert cap.ok, cap.text
    pids = [
        await create(harness, kind="rating", question=f"Q{n}?", anonymous=True) for n in range(3)
    ]
    for pid in pids:
        assert (await harness.answer(harness.member("ana"), pid, "4")).ok
    assert await harness.balance("ana") == 10
    harness.clock.advance(timedelta(days=1))
    extra = await create(harness, kind="rating", question="Next day?", anonymous=True)
    assert "You earned 5 points" in (await harness.answer(harness.member("ana"), extra, "3")).text
    assert await harness.balance("ana") == 15


async def test_debug_logs_carry_no_answer_or_member(harness: Harness) -> None:
    pid = await create(harness, kind="text", question="Secret?", anonymous=True)
    with captured_logs() as stream:
        assert (await harness.answer(harness.member("zed"), pid, "pineapple")).ok
        assert (await harness.cmd(harness.moderator(), "prompt results", prompt=pid)).ok
    text = stream.getvalue()
    assert "pineapple" not in text and "zed" not in text.lower()
    assert anonymity.TOKEN_PREFIX not in text


def test_platform_payloads_are_not_logged_even_at_debug() -> None:
    with captured_logs() as stream:
        for name in ("discord.gateway", "slack_sdk.socket_mode.aiohttp", "slack_bolt.App"):
            logging.getLogger(name).debug("payload: member U1 clicked answer:1:2")
        logging.getLogger("aiosqlite").debug("executing INSERT INTO ledger ... 'U1'")
        logging.getLogger("bot.engine").debug("our own debug line")
        logging.getLogger("discord.client").info("gateway ready")
    lines = [json.loads(line)["msg"] for line in stream.getvalue().splitlines()]
    assert lines == ["our own debug line", "gateway ready"]


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """Every log line at DEBUG, as the process would write them with LOG_LEVEL=DEBUG."""
    stream = io.StringIO()
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    configure_logging("DEBUG", "json", stream=stream)
    try:
        yield stream
    finally:
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
        root.setLevel(level)
        logging.getLogger("apscheduler").setLevel(logging.NOTSET)


# -- the property: swapping who answered what changes nothing anyone can read ---------------------
@dataclass(frozen=True)
class Step:
    member: str
    prompt: int  # index into the scenario's prompts
    value: str
    minutes: int  # clock advance before the step


@dataclass(frozen=True)
class Scenario:
    kinds: tuple[str, ...]
    steps: tuple[Step, ...]


def _shape(history: list[tuple[int, str]]) -> tuple[bool, ...]:
    """Which of a member's answers are their first to that prompt (the ones that pay)."""
    seen: set[int] = set()
    shape = []
    for prompt, _ in history:
        shape.append(prompt not in seen)
        seen.add(prompt)
    return tuple(shape)


@st.composite
def worlds(draw: st.DrawFn) -> tuple[Scenario, Scenario]:
    """Two scenarios: same members acting at the same times with the same paid/changed pattern,
    but members with the same pattern swap their whole answer histories (prompts and values)."""
    kinds = tuple(draw(st.lists(st.sampled_from(sorted(VALUES)), min_size=1, max_size=3)))
    names = draw(
        st.lists(
            st.sampled_from(["ana", "bob", "cy", "di", "ed"]), min_size=2, max_size=5, unique=True
        )
    )
    histories: dict[str, list[tuple[int, str]]] = {}
    for name in names:
        prompts = draw(st.lists(st.integers(0, len(kinds) - 1), min_size=1, max_size=4))
        histories[name] = [(p, draw(st.sampled_from(VALUES[kinds[p]]))) for p in prompts]
    swapped: dict[str, list[tuple[int, str]]] = {}
    groups: dict[tuple[bool, ...], list[str]] = {}
    for name in names:
        groups.setdefault(_shape(histories[name]), []).append(name)
    for group in groups.values():
        for name, other in zip(group, draw(st.permutations(group)), strict=True):
            swapped[name] = histories[other]
    turns = draw(st.permutations([n for n in names for _ in histories[n]]))
    gaps = draw(
        st.lists(
            st.sampled_from([0, 1, 7, 60, 600, 1440]), min_size=len(turns), max_size=len(turns)
        )
    )

    def steps(of: dict[str, list[tuple[int, str]]]) -> tuple[Step, ...]:
        done: Counter[str] = Counter()
        out = []
        for name, gap in zip(turns, gaps, strict=True):
            prompt, value = of[name][done[name]]
            done[name] += 1
            out.append(Step(name, prompt, value, gap))
        return tuple(out)

    return Scenario(kinds, steps(histories)), Scenario(kinds, steps(swapped))


async def _play(h: Harness, scenario: Scenario) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run the scenario; return (what anyone may read, the database without its secret)."""
    ids = iter(range(1, 10_000))
    mod = h.moderator()
    if await h.db.scalar("SELECT 1 FROM sqlite_master WHERE name = 'prompt_keys'"):
        await h.db.execute(
            "INSERT INTO prompt_keys (community_id, anon_key) VALUES (?, ?)", (h.community, KEY)
        )

    async def cmd(path: str, **options: Any) -> Reply:
        reply = await h.cmd(mod, path, event_id=f"ev-{next(ids)}", **options)
        assert reply.ok, reply.text
        return reply

    await cmd("cocreate config set", key="points.feedback_answered.daily_cap", value=str(DAILY_CAP))
    pids = []
    for n, kind in enumerate(scenario.kinds):
        options = {"options": ", ".join(OPTIONS)} if kind == "single" else {}
        reply = await cmd(
            "prompt create", kind=kind, question=f"Question {n}?", anonymous=True, **options
        )
        pids.append(int(reply.prompt_id))
    seen: dict[str, int] = {}
    with captured_logs() as logs:
        for step in scenario.steps:
            h.clock.advance(timedelta(minutes=step.minutes))
            reply = await h.answer(
                h.member(step.member), pids[step.prompt], step.value, event_id=f"ev-{next(ids)}"
            )
            assert reply.ok, reply.text
            seen[step.member] = seen.get(step.member, 0) + 1
        view: dict[str, Any] = {}
        for pid in pids:
            results = await cmd("prompt results", prompt=pid)
            view[f"results {pid}"] = (results.text, results.table)
            exported = await cmd("prompt export", prompt=pid)
            assert exported.attachment is not None
            view[f"export {pid}"] = exported.attachment.content.decode("utf-8")
        view["list"] = (await cmd("prompt list")).table
        archive = await cmd("cocreate export")
        assert archive.attachment is not None
        with zipfile.ZipFile(io.BytesIO(archive.attachment.content)) as opened:
            view["zip"] = {name: opened.read(name).decode("utf-8") for name in opened.namelist()}
        view["cli export"] = json.dumps(await h.storage.export_tables(None), default=str)
        view["audit"] = (await cmd("cocreate audit", limit=100)).table
        for name in sorted(seen):
            mine = await h.cmd(h.member(name), "points", event_id=f"ev-{next(ids)}")
            view[f"points {name}"] = (mine.text, mine.table)
    view["logs"] = [
        {k: v for k, v in json.loads(line).items() if k != "ts"}
        for line in logs.getvalue().splitlines()
    ]
    return _opaque(view), await _database(h)


def _opaque(value: Any) -> Any:
    """Keyed hashes are pseudo-random to anyone without the secret: compare them as opaque."""
    return json.loads(HEX.sub("<hmac>", json.dumps(value, default=repr, ensure_ascii=False)))


async def _database(h: Harness) -> dict[str, Any]:
    tables = [
        r["name"]
        for r in await h.db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        )
        if r["name"] not in ("prompt_keys", "schema_migrations")  # the secret; real wall time
    ]
    dump: dict[str, Any] = {}
    everything = []
    for table in tables:
        rows = [[str(v) for v in r] for r in await h.db.fetchall(f"SELECT * FROM {table}")]
        everything += [v for row in rows for v in row]
        # rows in the order an observer sees them: insertion order for rowid tables, and key
        # order (pseudo-random respondent tokens) for prompt_responses
        dump[table] = sorted(_opaque(rows))
    hashes = [m for v in everything for m in HEX.findall(v)]
    # each keyed hash appears once: no token is repeated where it could be joined on
    assert len(hashes) == len(set(hashes))
    return dump


def _final_answers(scenario: Scenario) -> dict[int, Counter[str]]:
    final = {(s.member, s.prompt): s.value for s in scenario.steps}
    per_prompt: dict[int, Counter[str]] = {}
    for (_, prompt), value in final.items():
        per_prompt.setdefault(prompt, Counter())[value] += 1
    return per_prompt


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(pair=worlds())
def test_swapping_who_answered_what_changes_nothing_readable(
    tmp_path: Path, pair: tuple[Scenario, Scenario]
) -> None:
    first, second = pair
    assert _final_answers(first) == _final_answers(second)  # the worlds differ only in who

    async def both(folder: Path) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
        played = []
        for n, scenario in enumerate(pair):
            h = await Harness.create(folder / f"world-{n}.sqlite3")
            try:
                played.append(await _play(h, scenario))
                await _check_still_works(h, scenario)
            finally:
                await h.close()
        return played[0], played[1]

    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        (view_a, db_a), (view_b, db_b) = asyncio.run(both(Path(folder)))
    for key in view_a:
        assert view_a[key] == view_b[key], key
    for table in db_a:
        assert db_a[table] == db_b[table], table


async def _check_still_works(h: Harness, scenario: Scenario) -> None:
    """One answer per member per prompt, the latest one counts, and each first answer pays
    (up to the cap of 10 points a day)."""
    stored = await h.db.fetchall("SELECT prompt_id, answer_json FROM prompt_responses")
    got: dict[int, Counter[str]] = {}
    for row in stored:
        got.setdefault(int(row["prompt_id"]) - 1, Counter())[json.loads(row["answer_json"])[0]] += 1
    assert got == _final_answers(scenario)
    when = h.clock.now()
    for step in scenario.steps:  # the clock is back at the start: replay the days
        when -= timedelta(minutes=step.minutes)
    expected: Counter[str] = Counter()
    daily: Counter[tuple[str, object]] = Counter()
    answered: set[tuple[str, int]] = set()
    for step in scenario.steps:
        when += timedelta(minutes=step.minutes)
        if (step.member, step.prompt) in answered:
            continue
        answered.add((step.member, step.prompt))
        amount = max(0, min(ANSWER_POINTS, DAILY_CAP - daily[step.member, when.date()]))
        daily[step.member, when.date()] += amount
        expected[step.member] += amount
    for name in {s.member for s in scenario.steps}:
        assert await h.balance(name) == expected[name]
    assert await h.ledger_matches_balances()
