"""A process that died between the commit and the platform call left an idea without its card and
a prompt unposted: a real `cocreate run` on that database posts both at start and records them,
and after a kill -9 the next start posts neither again."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from adapters.console.adapter import COMMUNITY
from tests.e2e.test_outbox_cards import ProcessDied, dying_harness
from tests.faults.test_kill9 import LIMIT, start

# a real process (started, killed or signalled): run by .ci/run's slow pass, not make test
pytestmark = pytest.mark.slow


async def _died_after_the_commits(db: Path) -> None:
    h, platform = await dying_harness(db)
    h.community = COMMUNITY
    try:
        platform.before.update({"post_card", "send"})
        with pytest.raises(ProcessDied):
            await h.cmd(h.member("ann"), "idea submit", title="Oat latte")
        with pytest.raises(ProcessDied):
            await h.cmd(h.moderator(), "prompt create", kind="nps", question="Recommend us?")
    finally:
        await h.close()


def _posted(db: Path) -> tuple[str | None, str | None, int]:
    """The idea's card message id, the prompt's message id, the outbox rows not delivered."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        card = conn.execute("SELECT message_id FROM ideas").fetchone()
        prompt = conn.execute("SELECT message_id FROM prompts").fetchone()
        owed = conn.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").fetchone()
    return card[0], prompt[0], owed[0]


def test_a_card_and_a_prompt_owed_by_a_dead_process_are_posted_once(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite3"
    asyncio.run(_died_after_the_commits(db))
    assert _posted(db) == (None, None, 2)

    proc = start(tmp_path, db)
    deadline = time.monotonic() + LIMIT
    try:
        while _posted(db)[2]:
            assert proc.poll() is None, "the bot exited: " + (tmp_path / "stderr.log").read_text()
            assert time.monotonic() < deadline, "the card and the prompt were never posted"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)  # no clean shutdown, straight after the records
        proc.wait(timeout=LIMIT)
    card, prompt, _ = _posted(db)
    assert card is not None and prompt is not None

    again = start(tmp_path, db)
    out, _ = again.communicate(b"quit\n", timeout=LIMIT)
    assert again.returncode == 0, (tmp_path / "stderr.log").read_text()
    shown = out.decode("utf-8")
    assert "new idea card" not in shown and "Recommend us?" not in shown  # not posted again
    assert _posted(db) == (card, prompt, 0)
