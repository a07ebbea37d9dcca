"""The moderator dashboard's core (bot/services/dashboard.py) on the real engine and SQLite:
sign-in links by DM, single use, expiry, sessions scoped to one community, actions through the
engine's own commands, audited as the moderator on the dashboard."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot.ports.rewards import Redemption
from bot.services.dashboard import SESSION_IDLE, Moderator, SignedIn, secret_hash
from tests.harness import Harness

LINK = re.compile(r"/dashboard/signin/([A-Za-z0-9_\-]+)")


async def request_link(h: Harness, name: str = "mod", community: str | None = None) -> str:
    """Ask for a link as a moderator and read the token from the DM the platform got."""
    before = len(h.platform.dms)
    mod = h.member(name, admin=True, community=community)
    reply = await h.cmd(mod, "cocreate dashboard")
    assert reply.ok and reply.ephemeral, reply.text
    assert len(h.platform.dms) == before + 1, "no DM with a link"
    _, member, message = h.platform.dms[-1]
    assert member == name
    found = LINK.search(message.text)
    assert found, message.text
    return found.group(1)


async def signed_in(h: Harness, name: str = "mod") -> tuple[SignedIn, Moderator]:
    done = await h.app.dashboard.sign_in(await request_link(h, name))
    assert done is not None
    moderator = await h.app.dashboard.session(h.community, done.cookie)
    assert moderator is not None
    return done, moderator


async def test_a_moderator_gets_a_link_by_dm_and_storage_keeps_only_its_hash(
    harness: Harness,
) -> None:
    h = harness
    reply = await h.cmd(h.member("mod", admin=True), "cocreate dashboard")
    assert "direct message" in reply.text and "10 minutes" in reply.text
    assert reply.ephemeral
    token = LINK.search(h.platform.dms[-1][2].text)
    assert token is not None
    secret = token.group(1)
    rows = await h.db.fetchall("SELECT * FROM dashboard_links")
    assert [r["token_hash"] for r in rows] == [secret_hash(secret)]
    assert rows[0]["member_id"] == "mod" and rows[0]["display_name"] == "Mod"
    # the token is in the DM only: not in the outbox row, nor anywhere else in the database
    dump = "\n".join(await asyncio.to_thread(_dump, h))
    assert secret not in dump


def _dump(h: Harness) -> list[str]:
    import sqlite3

    conn = sqlite3.connect(h.db.path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


async def test_a_member_is_refused_kindly_and_gets_no_link(harness: Harness) -> None:
    h = harness
    reply = await h.cmd(h.member("ana"), "cocreate dashboard")
    assert not reply.ok
    assert "moderators" in reply.text
    assert h.platform.dms == []
    assert await h.db.scalar("SELECT count(*) FROM dashboard_links") == 0


async def test_a_link_works_once(harness: Harness) -> None:
    h = harness
    token = await request_link(h)
    first = await h.app.dashboard.sign_in(token)
    assert first is not None and first.community_id == h.community
    assert first.display_name == "Mod"
    assert await h.app.dashboard.sign_in(token) is None
    assert await h.db.scalar("SELECT count(*) FROM dashboard_sessions") == 1


async def test_two_racing_redemptions_open_exactly_one_session(harness: Harness) -> None:
    h = harness
    token = await request_link(h)
    results = await asyncio.gather(*(h.app.dashboard.sign_in(token) for _ in range(8)))
    assert sum(r is not None for r in results) == 1
    assert await h.db.scalar("SELECT count(*) FROM dashboard_sessions") == 1


async def test_an_expired_link_is_refused_and_changes_nothing(harness: Harness) -> None:
    h = harness
    token = await request_link(h)
    h.clock.advance(timedelta(minutes=11))
    assert await h.app.dashboard.sign_in(token) is None
    assert await h.db.scalar("SELECT used_at FROM dashboard_links") is None
    assert await h.db.scalar("SELECT count(*) FROM dashboard_sessions") == 0


async def test_a_link_just_inside_its_ten_minutes_works(harness: Harness) -> None:
    h = harness
    token = await request_link(h)
    h.clock.advance(timedelta(minutes=9, seconds=59))
    assert await h.app.dashboard.sign_in(token) is not None


async def test_any_other_token_is_refused(tmp_path: Path) -> None:
    h = await Harness.create(tmp_path / "forged.sqlite3")
    try:
        issued = await request_link(h)

        @hsettings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(st.text(max_size=80) | st.just(issued[:-1]) | st.just(issued + "A"))
        def check(guess: str) -> None:
            if guess == issued:
                return
            result = asyncio.run_coroutine_threadsafe(h.app.dashboard.sign_in(guess), loop)
            assert result.result() is None

        loop = asyncio.get_running_loop()
        await asyncio.to_thread(check)
        assert await h.db.scalar("SELECT count(*) FROM dashboard_sessions") == 0
        assert await h.app.dashboard.sign_in(issued) is not None  # the real one still works
    finally:
        await h.close()


async def test_a_session_opens_only_its_own_communitys_dashboard(harness: Harness) -> None:
    h = harness
    other = "console:other"
    token = await request_link(h, "mod", community=other)
    done = await h.app.dashboard.sign_in(token)
    assert done is not None and done.community_id == other
    assert await h.app.dashboard.session(other, done.cookie) is not None
    assert await h.app.dashboard.session(h.community, done.cookie) is None


async def test_sessions_expire_unused_and_after_eight_hours(harness: Harness) -> None:
    h = harness
    done, _ = await signed_in(h)
    h.clock.advance(SESSION_IDLE + timedelta(seconds=1))
    assert await h.app.dashboard.session(h.community, done.cookie) is None

    done, _ = await signed_in(h)
    for _ in range(8):  # in use all day: still ends after eight hours
        h.clock.advance(timedelta(minutes=59))
        assert await h.app.dashboard.session(h.community, done.cookie) is not None
    h.clock.advance(timedelta(minutes=59))
    assert await h.app.dashboard.session(h.community, done.cookie) is None


async def test_expired_links_and_sessions_are_forgotten_at_a_later_sign_in(
    harness: Harness,
) -> None:
    h = harness
    await signed_in(h)
    await request_link(h)  # never used
    h.clock.advance(timedelta(days=2))
    await signed_in(h)
    assert await h.db.scalar("SELECT count(*) FROM dashboard_links") == 1
    assert await h.db.scalar("SELECT count(*) FROM dashboard_sessions") == 1


async def test_signing_out_ends_the_session(harness: Harness) -> None:
    h = harness
    done, moderator = await signed_in(h)
    assert await h.app.dashboard.sign_out(moderator)
    assert await h.app.dashboard.session(h.community, done.cookie) is None
    assert not await h.app.dashboard.sign_out(moderator)


async def test_a_status_change_goes_through_the_engine_edits_the_card_and_is_audited(
    harness: Harness,
) -> None:
    h = harness
    idea = await h.submit(h.member("alice"), "Oat latte")
    _, moderator = await signed_in(h, "mod")
    edits = h.platform.card_edits
    reply = await h.app.dashboard.act(
        moderator, "idea", "status", {"idea": idea, "status": "planned", "reason": "next month"}
    )
    assert reply.ok, reply.text
    assert "planned" in reply.text
    card = h.platform.cards[await h.card_message(idea)]
    assert card.status == "planned"
    assert h.platform.card_edits > edits
    entry = (await h.storage.audit.recent(h.community, 1))[0]
    assert (entry.action, entry.actor_id, entry.via) == ("idea.status", "mod", "dashboard")
    shown = await h.cmd(h.member("mod", admin=True), "cocreate audit")
    assert shown.table is not None
    assert any("on the dashboard" in row[2] and row[1] == "Mod" for row in shown.table.rows)


async def test_a_form_sent_twice_acts_once(harness: Harness) -> None:
    h = harness
    held = await held_redemption(h)
    _, moderator = await signed_in(h)
    options = {"redemption": held[0].id}
    first = await h.app.dashboard.act(moderator, "rewards", "approve", options, "form-nonce-1")
    again = await h.app.dashboard.act(moderator, "rewards", "approve", options, "form-nonce-1")
    assert first.ok and "Approved" in first.text
    assert again.ignored
    assert await h.storage.rewards.pending(h.community) == []


async def held_redemption(h: Harness) -> list[Redemption]:
    mod = h.member("boss", admin=True)
    for line in ("rewards add", "points grant"):
        options: dict[str, object] = (
            {"name": "Mug", "cost": 30, "stock": "5"}
            if line == "rewards add"
            else {"member": "alice", "amount": 50, "reason": "thanks"}
        )
        assert (await h.cmd(mod, line, **options)).ok
    assert (await h.cmd(h.member("alice"), "rewards redeem", reward="Mug")).ok
    return await h.storage.rewards.pending(h.community)


async def test_only_the_dashboards_actions_go_through_it(harness: Harness) -> None:
    h = harness
    _, moderator = await signed_in(h)
    reply = await h.app.dashboard.act(moderator, "points", "grant", {"member": "x", "amount": 5})
    assert not reply.ok
    assert await h.db.scalar("SELECT count(*) FROM ledger") == 0


async def test_the_download_is_the_export_command_s_zip(harness: Harness) -> None:
    h = harness
    await h.submit(h.member("alice"), "Oat latte")
    _, moderator = await signed_in(h)
    download = await h.app.dashboard.export(moderator)
    chat = await h.cmd(h.member("mod", admin=True), "cocreate export")
    assert download is not None and chat.attachment is not None
    assert download.filename.endswith(".zip")
    assert _unzip(download.content) == _unzip(chat.attachment.content)
    entry = (await h.storage.audit.recent(h.community, 2))[1]
    assert (entry.action, entry.via) == ("data.export", "dashboard")


def _unzip(content: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {name: archive.read(name) for name in archive.namelist()}
