"""`/cocreate dashboard` is rate-limited per member: three links in ten minutes, then a friendly
refusal that says when to ask again, and no DM."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import Harness


async def test_three_links_per_ten_minutes_per_member(harness: Harness) -> None:
    h = harness
    mod, other = h.member("mod", admin=True), h.member("lee", admin=True)
    for _ in range(3):
        assert (await h.cmd(mod, "cocreate dashboard")).ok
        h.clock.advance(timedelta(minutes=1))
    dms = len(h.platform.dms)
    refused = await h.cmd(mod, "cocreate dashboard")
    assert not refused.ok
    assert refused.text == (
        "You asked for 3 sign-in links in the last 10 minutes. Please use the newest one in "
        "your direct messages, or ask again in 7 minutes."
    )
    assert len(h.platform.dms) == dms  # nothing sent
    # another moderator is not affected
    assert (await h.cmd(other, "cocreate dashboard")).ok
    # once the first link's request has left the window, one more is allowed
    h.clock.advance(timedelta(minutes=7))
    assert (await h.cmd(mod, "cocreate dashboard")).ok
    assert not (await h.cmd(mod, "cocreate dashboard")).ok
