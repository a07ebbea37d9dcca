"""Several workspaces from one deployment: the OAuth install flow stores installations in our
database, and each workspace's requests are answered with its own bot token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from adapters.slack.installations import DatabaseInstallationStore, DatabaseStateStore
from storage.sqlite.slack_installations import SqliteSlackInstallations
from tests.adapters.slack.conftest import SlackWorld, close_world, make_world
from tests.adapters.slack.test_contest_e2e import rows

CLIENT_ID = "111.222"


@pytest.fixture
async def oauth_world(tmp_path: Path) -> AsyncIterator[SlackWorld]:
    w = await make_world(tmp_path, bot_token=None, client_id=CLIENT_ID, client_secret="shh")
    try:
        yield w
    finally:
        await close_world(w)


async def install(world: SlackWorld, team: str, token: str, code: str) -> aiohttp.ClientResponse:
    world.fake.tokens[token] = (team, f"UBOT{team}")
    world.fake.oauth_codes[code] = (team, token, "UINSTALLER")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        start = await session.get(world.url + "/slack/install")
        page = await start.text()
        assert start.status == 200
        state = re.search(r"state=([\w\-]+)", page)
        assert state is not None, page
        cookie = start.headers["Set-Cookie"].split(";", 1)[0]
        callback = await session.get(
            world.url + f"/slack/oauth_redirect?code={code}&state={state.group(1)}",
            headers={"Cookie": cookie},
        )
        await callback.read()
        return callback


async def test_two_workspaces_install_and_each_uses_its_own_token(oauth_world: SlackWorld) -> None:
    world = oauth_world
    for team in ("T2", "T3"):
        world.fake.add_user(f"U{team}", f"Member {team}", team=team)
    done = await install(world, "T2", "xoxb-two", "code-2")
    assert done.status == 200
    assert await install(world, "T3", "xoxb-three", "code-3")
    bots = await rows(world, "SELECT team_id FROM slack_bots ORDER BY team_id")
    assert [r[0] for r in bots] == ["T2", "T3"]
    assert world.fake.called("oauth.v2.access")

    await world.command("UT2", '/idea submit "From two"', team="T2", channel="C2")
    await world.command("UT3", '/idea submit "From three"', team="T3", channel="C3")
    posts = {c.args["channel"]: c.token for c in world.fake.called("chat.postMessage")}
    assert posts == {"C2": "xoxb-two", "C3": "xoxb-three"}
    ideas = await rows(world, "SELECT community_id, title FROM ideas ORDER BY id")
    assert [tuple(r) for r in ideas] == [("slack:T2", "From two"), ("slack:T3", "From three")]


async def test_a_replayed_or_forged_callback_installs_nothing(oauth_world: SlackWorld) -> None:
    world = oauth_world
    async with aiohttp.ClientSession() as session:
        forged = await session.get(world.url + "/slack/oauth_redirect?code=x&state=made-up")
        await forged.read()
    assert forged.status >= 400
    assert await rows(world, "SELECT * FROM slack_installations") == []


async def test_a_workspace_without_an_install_is_not_served(oauth_world: SlackWorld) -> None:
    world = oauth_world
    world.fake.add_user("UT9", "Stranger", team="T9")
    await world.command("UT9", '/idea submit "Sneaky"', team="T9")
    assert await rows(world, "SELECT id FROM ideas") == []
    assert world.fake.called("chat.postMessage") == []


async def test_installation_store_round_trips_and_deletes(oauth_world: SlackWorld) -> None:
    world = oauth_world
    await install(world, "T2", "xoxb-two", "code-2")
    store = world.adapter.store
    assert isinstance(store, DatabaseInstallationStore)
    found = await store.async_find_installation(enterprise_id=None, team_id="T2")
    assert found is not None and found.bot_token == "xoxb-two" and found.user_id == "UINSTALLER"
    assert await store.bot_token("T2") == "xoxb-two"
    await store.async_delete_all(enterprise_id=None, team_id="T2")
    assert await store.bot_token("T2") is None
    assert await store.async_find_installation(enterprise_id=None, team_id="T2") is None


async def test_oauth_states_are_single_use_and_expire(oauth_world: SlackWorld) -> None:
    repo = SqliteSlackInstallations(oauth_world.storage.db)
    store = DatabaseStateStore(repo)
    state = await store.async_issue()
    assert await store.async_consume(state) is True
    assert await store.async_consume(state) is False, "a replayed callback is refused"
    expired = DatabaseStateStore(repo, ttl=-1)
    assert await expired.async_consume(await expired.async_issue()) is False
