"""A campaign scheduled on the night the clocks go back, through the real engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.models import Phase
from tests.e2e.campaign_steps import phase
from tests.harness import Harness


async def test_a_contest_in_the_repeated_hour_is_accepted_and_runs(harness: Harness) -> None:
    h = harness
    mod = h.moderator()
    assert (await h.text(mod, "/cocreate config set timezone Europe/Berlin")).ok
    h.clock.set(datetime(2027, 10, 30, 12, 0, tzinfo=UTC))
    reply = await h.text(
        mod,
        '/campaign create name:Cup mode:contest starts:"2027-10-31 02:30" submissions:30m'
        " voting:1h",
    )
    assert reply.ok, reply.text
    # the times shown say which 02:xx they are: summer time, then winter time
    assert "02:30 Europe/Berlin (CEST, UTC+02:00)" in reply.text
    assert "02:00 Europe/Berlin (CET, UTC+01:00)" in reply.text
    campaign = await h.storage.campaigns.by_name(h.community, "Cup")
    assert campaign is not None and campaign.current_round is not None
    round_ = await h.storage.campaigns.round(campaign.current_round)
    assert round_ is not None and round_.voting_at is not None and round_.closes_at is not None
    assert round_.opens_at == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    assert round_.voting_at - round_.opens_at == timedelta(minutes=30)
    assert round_.closes_at - round_.voting_at == timedelta(hours=1)
    for when, expected in [
        (round_.opens_at, Phase.SUBMISSIONS),
        (round_.voting_at, Phase.VOTING),
        (round_.closes_at, Phase.CLOSED),
    ]:
        h.clock.set(when)
        await h.app.scheduler.sweep()
        assert await phase(h, "Cup") == expected
