"""The dashboard over real HTTP: sign-in from the link in the DM, cookies, refusals, actions
with CSRF tokens through the engine (the card in chat changes), the export download, sign-out."""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import AsyncIterator
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.adapters.web.dashboard_site import Site


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    s = await Site.start(tmp_path / "web.sqlite3")
    try:
        yield s
    finally:
        await s.close()


def set_cookie(response: object, name: str) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.getall("Set-Cookie", []):  # type: ignore[attr-defined]
        jar.load(header)
    assert name in jar, f"no {name} cookie set"
    return jar


async def sessions(site: Site) -> int:
    return int(await site.h.db.scalar("SELECT count(*) FROM dashboard_sessions"))


# -- sign-in --------------------------------------------------------------------------------
async def test_the_link_opens_a_sign_in_page_then_the_dashboard(site: Site) -> None:
    path = await site.request_link()
    assert site.h.platform.dms[-1][2].text.count(f"http://127.0.0.1:{site.http.port}") == 1

    page = await site.get(path)
    assert page.status == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page.headers["Cache-Control"]
    assert "Sign in" in await page.text()
    # opening the link (as a chat app's link preview does) uses nothing
    assert await site.h.db.scalar("SELECT used_at FROM dashboard_links") is None

    signed = await site.use_link(path)
    assert signed.status == 303
    assert signed.headers["Location"] == site.root()
    assert signed.headers["Referrer-Policy"] == "no-referrer"
    cookie = set_cookie(signed, "cocreate_session")["cocreate_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/dashboard/console-test"
    assert not cookie["secure"]  # served over http here

    overview = await site.get(site.root())
    assert overview.status == 200
    text = await overview.text()
    assert "Overview" in text and "signed in as <strong>Mod</strong>" in text
    assert "CHARTS" not in text  # the marked place is a template comment


async def test_a_member_gets_no_link(site: Site) -> None:
    reply = await site.h.cmd(site.h.member("ana"), "cocreate dashboard")
    assert not reply.ok and "moderators" in reply.text
    assert site.h.platform.dms == []


async def test_a_link_works_once(site: Site) -> None:
    path = await site.request_link()
    assert (await site.use_link(path)).status == 303
    again = await site.use_link(path)
    assert again.status == 403
    assert "does not work" in await again.text()
    assert (await site.get(path)).status == 403
    assert await sessions(site) == 1


async def test_two_racing_sign_ins_open_one_session(site: Site) -> None:
    path = await site.request_link()
    form = await site.sign_in_form(path)
    responses = await asyncio.gather(*(site.post(path, data=form) for _ in range(6)))
    assert sorted(r.status for r in responses) == [303] + [403] * 5
    assert await sessions(site) == 1


async def test_an_expired_link_is_refused(site: Site) -> None:
    path = await site.request_link()
    form = await site.sign_in_form(path)  # the page opened in time, the button pressed late
    site.h.clock.advance(timedelta(minutes=11))
    assert (await site.get(path)).status == 403
    refused = await site.post(path, data=form)
    assert refused.status == 403
    assert "/cocreate dashboard" in await refused.text()
    assert "Set-Cookie" not in refused.headers
    assert await sessions(site) == 0


async def test_a_forged_link_is_refused(site: Site) -> None:
    form = await site.sign_in_form(await site.request_link())

    @hsettings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        st.text(
            alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
            min_size=1,
            max_size=60,
        )
    )
    def check(token: str) -> None:
        response = asyncio.run_coroutine_threadsafe(
            site.post(f"/dashboard/signin/{token}", data=form), loop
        ).result()
        assert response.status == 403

    loop = asyncio.get_running_loop()
    await asyncio.to_thread(check)
    assert await sessions(site) == 0


async def test_a_link_for_one_community_does_not_open_another(site: Site) -> None:
    path = await site.request_link(community="console:other")
    signed = await site.use_link(path)
    assert signed.headers["Location"] == site.root("console:other")
    cookie = site.session_cookie()
    assert (await site.get(site.root("console:other"))).status == 200
    # the cookie is scoped to the other community's path; sent by hand, it is still refused
    refused = await site.get(site.root(), headers={"Cookie": f"cocreate_session={cookie}"})
    assert refused.status == 403
    assert "Please sign in" in await refused.text()


async def test_the_cookie_is_secure_behind_https(tmp_path: Path) -> None:
    site = await Site.start(tmp_path / "https.sqlite3", public="https://ideas.example.com")
    try:
        path = await site.request_link()
        assert site.h.platform.dms[-1][2].text.count("https://ideas.example.com/dashboard/") == 1
        page = await site.get(path)
        nonce = set_cookie(page, "cocreate_sign_in")["cocreate_sign_in"]
        assert nonce["secure"]
        # a Secure cookie travels over https only: sent by hand to this http test server
        signed = await site.post(
            path,
            data={"nonce": nonce.value},
            headers={"Cookie": f"cocreate_sign_in={nonce.value}"},
        )
        assert signed.status == 303
        assert set_cookie(signed, "cocreate_session")["cocreate_session"]["secure"]
    finally:
        await site.close()


async def test_a_session_expires(site: Site) -> None:
    await site.sign_in()
    site.h.clock.advance(timedelta(minutes=61))
    assert (await site.get(site.root())).status == 403


# -- actions --------------------------------------------------------------------------------
async def test_a_status_change_on_the_web_edits_the_card_in_chat_and_is_audited(
    site: Site,
) -> None:
    h = site.h
    idea = await h.submit(h.member("alice"), "Oat latte")
    csrf = await site.sign_in()
    edits = h.platform.card_edits
    form = {
        "csrf": csrf,
        "nonce": "n-status-1",
        "idea": str(idea),
        "status": "planned",
        "reason": "Coming in March",
    }
    response = await site.post(site.root() + "ideas/status", data=form)
    assert response.status == 303
    assert response.headers["Location"] == site.root() + "ideas"
    page = await site.get(response.headers["Location"])
    text = await page.text()
    assert "planned" in text.lower() and 'role="status"' in text  # the engine's reply
    card = h.platform.cards[await h.card_message(idea)]
    assert card.status == "planned"
    assert h.platform.card_edits > edits
    entry = (await h.storage.audit.recent(h.community, 1))[0]
    assert (entry.action, entry.actor_id, entry.via) == ("idea.status", "mod", "dashboard")
    # the flash message is shown once
    assert 'role="status"' not in await (await site.get(site.root() + "ideas")).text()


async def test_a_refused_action_shows_the_engines_reason(site: Site) -> None:
    h = site.h
    idea = await h.submit(h.member("alice"), "Oat latte")
    csrf = await site.sign_in()
    form = {"csrf": csrf, "idea": str(idea), "status": "declined", "reason": ""}
    response = await site.post(site.root() + "ideas/status", data=form)
    page = await (await site.get(response.headers["Location"])).text()
    assert "notice-error" in page
    stored = await h.storage.ideas.get(h.community, idea)
    assert stored is not None and stored.status.value == "new"


@pytest.mark.parametrize("csrf", [None, "", "0" * 64, "wrong"])
async def test_an_action_without_the_csrf_token_is_refused(site: Site, csrf: str | None) -> None:
    h = site.h
    idea = await h.submit(h.member("alice"), "Oat latte")
    await site.sign_in()
    form = {"idea": str(idea), "status": "shipped"}
    if csrf is not None:
        form["csrf"] = csrf
    response = await site.post(site.root() + "ideas/status", data=form)
    assert response.status == 403
    assert "Nothing was changed" in await response.text()
    stored = await h.storage.ideas.get(h.community, idea)
    assert stored is not None and stored.status.value == "new"


async def test_an_action_without_a_session_is_refused(site: Site) -> None:
    h = site.h
    idea = await h.submit(h.member("alice"), "Oat latte")
    csrf = await site.sign_in()
    site.client.cookie_jar.clear()
    form = {"csrf": csrf, "idea": str(idea), "status": "shipped"}
    response = await site.post(site.root() + "ideas/status", data=form)
    assert response.status == 403
    stored = await h.storage.ideas.get(h.community, idea)
    assert stored is not None and stored.status.value == "new"
    assert (await site.get(site.root() + "ideas")).status == 403


async def test_another_sessions_csrf_token_is_refused(site: Site) -> None:
    h = site.h
    idea = await h.submit(h.member("alice"), "Oat latte")
    first = await site.sign_in("mod")
    await site.sign_in("other")  # the jar now holds the second session
    form = {"csrf": first, "idea": str(idea), "status": "shipped"}
    assert (await site.post(site.root() + "ideas/status", data=form)).status == 403


async def test_merge_reject_and_close_go_through_the_engine(site: Site) -> None:
    h = site.h
    alice = h.member("alice")
    keep = await h.submit(alice, "Oat latte")
    dup = await h.submit(h.member("bob"), "Oat milk latte")
    boss = h.member("boss", admin=True)
    assert (await h.cmd(boss, "rewards add", name="Mug", cost=30, stock="5")).ok
    assert (await h.cmd(boss, "points grant", member="alice", amount=50, reason="thanks")).ok
    balance = await h.balance("alice")
    assert (await h.cmd(alice, "rewards redeem", reward="Mug")).ok
    held = await h.storage.rewards.pending(h.community)
    prompt = await h.cmd(boss, "prompt create", question="How was it?", kind="rating")
    assert prompt.ok, prompt.text
    csrf = await site.sign_in()

    assert "Mug" in await (await site.get(site.root() + "rewards")).text()
    assert "How was it?" in await (await site.get(site.root() + "prompts")).text()
    posts = [
        ("ideas/merge", {"duplicate": str(dup), "into": str(keep)}),
        ("rewards/reject", {"redemption": str(held[0].id), "reason": "out of stock"}),
        ("prompts/close", {"prompt": str(prompt.prompt_id)}),
    ]
    for action, form in posts:
        response = await site.post(site.root() + action, data={"csrf": csrf, **form})
        assert response.status == 303, action
    merged = await h.storage.ideas.get(h.community, dup)
    assert merged is not None and merged.merged_into == keep
    assert await h.storage.rewards.pending(h.community) == []
    assert await h.balance("alice") == balance  # the points came back
    closed = await h.storage.prompts.get(h.community, int(prompt.prompt_id or 0))
    assert closed is not None and closed.closed_at is not None
    entries = await h.storage.audit.recent(h.community, 3)
    assert [e.action for e in reversed(entries)] == ["idea.merge", "rewards.reject", "prompt.close"]
    assert {(e.actor_id, e.via) for e in entries} == {("mod", "dashboard")}


async def test_member_text_is_shown_as_text(site: Site) -> None:
    h = site.h
    await h.submit(h.member("alice"), "<script>alert(1)</script>")
    await site.sign_in()
    text = await (await site.get(site.root() + "ideas")).text()
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# -- downloads and sign-out -------------------------------------------------------------------
async def test_the_download_is_the_export_command_s_zip(site: Site) -> None:
    h = site.h
    await h.submit(h.member("alice"), "Oat latte")
    csrf = await site.sign_in()
    refused = await site.post(site.root() + "export", data={"csrf": "nope"})
    assert refused.status == 403
    response = await site.post(site.root() + "export", data={"csrf": csrf})
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/zip"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="cocreate-export-')
    body = await response.read()
    chat = await h.cmd(h.member("mod", admin=True), "cocreate export")
    assert chat.attachment is not None
    assert unzip(body) == unzip(chat.attachment.content)
    assert b"Oat latte" in unzip(body)["ideas.csv"]


def unzip(content: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {name: archive.read(name) for name in archive.namelist()}


async def test_signing_out_ends_the_session_and_the_old_cookie(site: Site) -> None:
    csrf = await site.sign_in()
    cookie = site.session_cookie()
    response = await site.post(site.root() + "signout", data={"csrf": csrf})
    assert response.status == 200
    assert "You are signed out" in await response.text()
    cleared = set_cookie(response, "cocreate_session")["cocreate_session"]
    assert cleared.value == "" and cleared["path"] == "/dashboard/console-test"
    again = await site.get(site.root(), headers={"Cookie": f"cocreate_session={cookie}"})
    assert again.status == 403


async def test_the_access_log_does_not_show_the_links_token(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    path = await site.request_link()
    token = path.rsplit("/", 1)[1]
    with caplog.at_level("INFO", logger="aiohttp.access"):
        assert (await site.get(path)).status == 200
        assert (await site.use_link(path)).status == 303
        await asyncio.sleep(0)
    logged = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert any("/dashboard/signin/(hidden)" in line for line in logged), logged
    assert not any(token in line for line in logged)


async def test_the_review_queue_approves_and_rejects_on_the_web(site: Site) -> None:
    h = site.h
    mod = h.member("mod", admin=True)
    assert (await h.cmd(mod, "cocreate config set", key="review_queue", value="on")).ok
    good = await h.submit(h.member("alice"), "Oat latte")
    bad = await h.submit(h.member("bob"), "Free coffee forever")
    csrf = await site.sign_in()
    overview = await (await site.get(site.root())).text()
    assert "2 ideas waiting for review" in overview
    queue = await (await site.get(site.root() + "ideas?status=pending")).text()
    assert f"Approve #{good}" in queue and f"Reject #{bad}" in queue
    approve = {"csrf": csrf, "idea": str(good)}
    reject = {"csrf": csrf, "idea": str(bad), "reason": "We cannot afford it"}
    assert (await site.post(site.root() + "ideas/approve", data=approve)).status == 303
    assert (await site.post(site.root() + "ideas/reject", data=reject)).status == 303
    statuses = [await h.storage.ideas.get(h.community, i) for i in (good, bad)]
    assert [i.status.value for i in statuses if i] == ["new", "rejected"]


async def test_a_sign_in_posted_from_another_site_is_refused_and_the_link_still_works(
    site: Site,
) -> None:
    """Login CSRF: a page elsewhere that posts someone's link makes the visitor's browser send
    no sign-in cookie (SameSite=Strict), whatever the form says."""
    path = await site.request_link()
    for form in ({}, {"nonce": "guessed"}):
        refused = await site.post(path, data=form)
        assert refused.status == 403
        assert "Open the link from your direct message again" in await refused.text()
    # the page's cookie with another form value is refused too
    await site.sign_in_form(path)
    assert (await site.post(path, data={"nonce": site.nonce + "x"})).status == 403
    assert await sessions(site) == 0
    assert (await site.use_link(path)).status == 303
    assert await sessions(site) == 1


async def test_the_sign_in_cookie_is_strict_and_scoped_to_sign_in_pages(site: Site) -> None:
    page = await site.get(await site.request_link())
    cookie = page.cookies["cocreate_sign_in"]
    assert cookie["samesite"] == "Strict"
    assert cookie["httponly"]
    assert cookie["path"] == "/dashboard/signin/"
