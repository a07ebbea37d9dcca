"""Cards, prompts, card edits and notices go through the outbox: a process that dies between the
commit and the platform call (or between the call and recording it) loses nothing and repeats
nothing once a new process starts on the same database; a card the platform keeps refusing is
flagged to moderators and can be posted again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.memory.platform import MemoryPlatform
from bot.app import build_app
from bot.clock import FakeClock
from bot.models import IdeaStatus
from bot.ports import PostedCard
from bot.replies import IdeaCard, Message
from bot.services.outbox import LEASE, MAX_ATTEMPTS
from storage.sqlite.store import open_storage
from tests.e2e.campaign_steps import reopen
from tests.harness import CHANNEL, Harness


class ProcessDied(BaseException):
    """Stands for the process being killed: nothing after it runs (no except Exception)."""


@dataclass
class DyingPlatform(MemoryPlatform):
    """The memory platform, killed in the middle of a call: before the platform has it
    (``before``) or after the platform took it but before the bot hears back (``after``)."""

    before: set[str] = field(default_factory=set)
    after: set[str] = field(default_factory=set)

    def _die(self, call: str, when: set[str]) -> None:
        if call in when:
            raise ProcessDied(call)

    async def post_card(
        self, community_id: str, channel_id: str, card: IdeaCard, key: str | None = None
    ) -> PostedCard:
        self._die("post_card", self.before)
        posted = await super().post_card(community_id, channel_id, card, key)
        self._die("post_card", self.after)
        return posted

    async def send(
        self, community_id: str, channel_id: str, message: Message, key: str | None = None
    ) -> str:
        self._die("send", self.before)
        sent = await super().send(community_id, channel_id, message, key)
        self._die("send", self.after)
        return sent

    async def notify(
        self, community_id: str, member_id: str, message: Message, key: str | None = None
    ) -> None:
        self._die("notify", self.before)
        await super().notify(community_id, member_id, message, key)
        self._die("notify", self.after)

    def revive(self) -> None:
        self.before.clear()
        self.after.clear()


async def dying_harness(path: Path) -> tuple[Harness, DyingPlatform]:
    storage = await open_storage(str(path))
    platform = DyingPlatform()
    clock = FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    app = build_app(storage, platform, clock, card_interval=0.01)
    return Harness(app, storage, platform, clock), platform


async def restarted(h: Harness, platform: DyingPlatform, path: Path) -> Harness:
    """Stop the dead process's app and start a new one on the same file once the lease of the
    attempt that died has run out; its first sweep delivers what is owed."""
    now = h.clock.now()
    await h.close()
    platform.revive()
    h2 = await reopen(path, platform, now + LEASE)
    await h2.app.scheduler.start()
    return h2


async def only_idea_id(h: Harness) -> int:
    value = await h.db.scalar("SELECT id FROM ideas")
    assert isinstance(value, int)
    return value


@pytest.mark.parametrize("when", ["before", "after"])
async def test_a_card_lost_to_a_crash_after_the_commit_is_posted_once_after_restart(
    tmp_path: Path, when: str
) -> None:
    path = tmp_path / "bot.sqlite3"
    h, platform = await dying_harness(path)
    getattr(platform, when).add("post_card")
    with pytest.raises(ProcessDied):
        await h.cmd(h.member("alice"), "idea submit", title="Oat latte")
    idea_id = await only_idea_id(h)
    stored = await h.storage.ideas.get(h.community, idea_id)
    assert stored is not None and stored.message_id is None  # committed, card not recorded
    assert len(platform.cards) == (1 if when == "after" else 0)
    h2 = await restarted(h, platform, path)
    try:
        assert len(platform.cards) == 1  # posted once: a resend with the key is dropped
        message_id = await h2.card_message(idea_id)
        assert message_id in platform.cards
        stored = await h2.storage.ideas.get(h2.community, idea_id)
        assert stored is not None and stored.thread_id is not None
        assert (await h2.react(h2.member("bob"), idea_id)).ok  # the vote path finds the card
        assert (await h2.storage.votes.tally(idea_id)).support == 1
        await h2.app.scheduler.sweep()
        assert len(platform.cards) == 1
    finally:
        await h2.close()


@pytest.mark.parametrize("when", ["before", "after"])
async def test_a_prompt_lost_to_a_crash_after_the_commit_is_posted_once_after_restart(
    tmp_path: Path, when: str
) -> None:
    path = tmp_path / "bot.sqlite3"
    h, platform = await dying_harness(path)
    getattr(platform, when).add("send")
    with pytest.raises(ProcessDied):
        await h.cmd(h.moderator(), "prompt create", kind="nps", question="Recommend us?")
    prompt_id = await h.db.scalar("SELECT id FROM prompts")
    assert isinstance(prompt_id, int)
    assert len(platform.posts) == (1 if when == "after" else 0)
    h2 = await restarted(h, platform, path)
    try:
        posted = [p for p in platform.posts if p.message.prompt is not None]
        assert len(posted) == 1 and posted[0].channel_id == CHANNEL
        assert posted[0].message.text == "Feedback prompt #1: Recommend us?"
        prompt = await h2.storage.prompts.get(h2.community, prompt_id)
        assert prompt is not None and prompt.message_id == posted[0].message_id
        await h2.app.scheduler.sweep()
        assert len(platform.posts) == 1
    finally:
        await h2.close()


async def test_a_status_change_lost_to_a_crash_still_reaches_the_card_and_every_watcher(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    h, platform = await dying_harness(path)
    idea_id = await h.submit(h.member("alice"), "Oat latte")
    assert (await h.react(h.member("bob"), idea_id)).ok
    platform.before.add("notify")
    with pytest.raises(ProcessDied):
        await h.cmd(h.moderator(), "idea status", idea=idea_id, status="planned")
    assert platform.dms == []
    h2 = await restarted(h, platform, path)
    try:
        text = "Idea #1 “Oat latte” is now planned."
        assert platform.dms_to("alice") == [text] and platform.dms_to("bob") == [text]
        card = platform.cards[await h2.card_message(idea_id)]
        assert card.status == IdeaStatus.PLANNED.label
        await h2.app.scheduler.sweep()
        assert len(platform.dms) == 2
    finally:
        await h2.close()


async def test_the_card_comes_with_the_reply_not_with_the_next_sweep(harness: Harness) -> None:
    h = harness
    idea_id = await h.submit(h.member("alice"), "Oat latte")
    assert len(h.platform.cards) == 1  # no sweep ran: the command delivered its own rows
    rows = await h.storage.outbox.with_key(h.community, f"idea:{idea_id}:card")
    assert len(rows) == 1 and rows[0].delivered_at is not None
    assert rows[0].message_id == await h.card_message(idea_id)


async def test_the_final_tally_of_a_closed_round_reaches_every_card(harness: Harness) -> None:
    h = harness
    await h.cmd(h.moderator(), "campaign create", name="Cup")
    idea_id = await h.submit(h.member("alice"), "Oat latte", campaign="Cup")
    assert (await h.cmd(h.moderator(), "campaign vote", name="Cup")).ok
    before = h.platform.cards[await h.card_message(idea_id)]
    h.app.cards.interval = 3600  # the live edit will not come (as if the process died)
    assert (await h.react(h.member("bob"), idea_id)).ok
    assert h.platform.cards[await h.card_message(idea_id)] == before
    assert (await h.cmd(h.moderator(), "campaign close", name="Cup")).ok
    await h.app.scheduler.sweep()
    card = h.platform.cards[await h.card_message(idea_id)]
    idea = await h.storage.ideas.get(h.community, idea_id)
    assert idea is not None
    assert card == await h.app.idea_cards.card(idea)
    assert card.tally != before.tally and card.status == IdeaStatus.PLANNED.label


async def test_a_card_the_platform_keeps_refusing_is_flagged_and_can_be_posted_again(
    harness: Harness,
) -> None:
    h = harness
    assert (await h.text(h.moderator(), "/cocreate config set ideas_channel ideas")).ok
    h.platform.missing_channels.add("ideas")
    idea_id = await h.submit(h.member("alice"), "Oat latte")
    shown = await h.cmd(h.member("bob"), "idea show", idea=idea_id)
    assert "Its card is not posted yet (channel ideas not found); the bot keeps trying." in (
        shown.text
    )
    for _ in range(MAX_ATTEMPTS):
        h.clock.advance(timedelta(hours=1))
        await h.app.scheduler.sweep()
    assert h.platform.cards == {}
    shown = await h.cmd(h.member("bob"), "idea show", idea=idea_id)
    assert (
        "Its card could not be posted (channel ideas not found). A moderator can post it again "
        "by setting the ideas channel: `/cocreate config set ideas_channel CHANNEL`."
    ) in shown.text
    audit = await h.cmd(h.moderator(), "cocreate audit")
    assert audit.table is not None
    assert any("card could not be posted in ideas" in " ".join(row) for row in audit.table.rows)

    reply = await h.text(h.moderator(), "/cocreate config set ideas_channel cards")
    assert reply.ok, reply.text
    assert reply.text.endswith("1 idea card that could not be posted is being posted there now.")
    assert [s.channel_id for s in h.platform.posts] == ["cards"]
    assert (await h.react(h.member("bob"), idea_id)).ok
    again = await h.text(h.moderator(), "/cocreate config set ideas_channel cards")
    assert again.text == "ideas_channel is now cards.", again.text
    assert len(h.platform.posts) == 1
    shown = await h.cmd(h.member("bob"), "idea show", idea=idea_id)
    assert "could not be posted" not in shown.text and "not posted yet" not in shown.text
