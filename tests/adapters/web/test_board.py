"""The public board over real HTTP: a real aiohttp server on 127.0.0.1 port 0, a real SQLite
file, every row created through the engine as chat creates it."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.models import IdeaStatus
from tests.adapters.web.conftest import SLUG, Board, board_on, person

PAGES = ("", "roadmap", "shipped", "campaigns", "leaderboard")
CARD = re.compile(r'class="card-title"><a href="/board/console-test/ideas/(\d+)"')


def order(html: str) -> list[int]:
    return [int(n) for n in CARD.findall(html)]


async def every_page(world: Board) -> dict[str, str]:
    paths = [*PAGES, "?sort=new", "?sort=trending"]
    paths += [f"ideas/{n}" for n in world.ids.values() if n not in (world.ids["gone"],)]
    campaigns = await world.h.storage.board.campaigns(world.h.community)
    paths += [f"campaigns/{c.id}" for c in campaigns]
    found = {}
    for path in paths:
        page = await world.board(path)
        assert page.status == 200, (path, page.status)
        found[path] = page.text
    return found


# -- off by default -------------------------------------------------------------------------
async def test_board_is_off_by_default_and_answers_a_plain_404(site: Board) -> None:
    await site.h.submit(site.h.member("ana"), "Dark mode")
    for path in [*PAGES, "ideas/1", "campaigns/1"]:
        page = await site.board(path)
        assert page.status == 404, path
        assert "There is no board here" in page.text
        assert "/cocreate config set public_board on" in page.text
        assert "Dark mode" not in page.text
    # a community that does not exist looks the same as one whose board is off
    for path in ("/board/discord-999/", "/board/not_a_slug/", "/board/..%2f/roadmap"):
        page = await site.get(path)
        assert page.status == 404, path


async def test_turning_the_board_on_and_off_in_chat(site: Board) -> None:
    h = site.h
    member, mod = h.member("ana"), h.moderator()
    off = await h.text(member, "/cocreate board")
    assert off.ok
    assert "public board is off" in off.text
    assert "/cocreate config set public_board on" in off.text

    assert (await h.text(mod, "/cocreate config set public_board on")).ok
    on = await h.text(member, "/cocreate board")
    assert on.text.endswith(f"{site.base}/board/{SLUG}/")
    assert (await site.get(f"/board/{SLUG}/")).status == 200

    assert (await h.text(mod, "/cocreate config set public_board off")).ok
    assert (await site.get(f"/board/{SLUG}/")).status == 404
    assert "off" in (await h.text(member, "/cocreate board")).text


async def test_board_without_trailing_slash_redirects(world: Board) -> None:
    page = await world.get(f"/board/{SLUG}", redirects=False)
    assert page.status == 301
    assert page.headers["Location"] == f"/board/{SLUG}/"


# -- the ideas page ---------------------------------------------------------------------------
async def test_ideas_page_lists_public_ideas_ranked_by_votes(world: Board) -> None:
    ids = world.ids
    page = await world.board()
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    shown = order(page.text)
    assert shown[:2] == [ids["mango"], ids["dark"]]  # 3 votes, then 2
    assert set(shown) == {ids[k] for k in ("mango", "caramel", "dark", "oat", "ship", "xss")}
    assert "Acme Snacks" in page.text
    assert 'aria-current="page">Ideas<' in page.text
    assert ">Planned<" in page.text and ">Shipped<" in page.text


async def test_sort_new_puts_the_latest_first(world: Board) -> None:
    shown = order((await world.board("?sort=new")).text)
    assert shown == sorted(shown, reverse=True)


async def test_trending_weighs_this_week_over_older_support(site: Board) -> None:
    h = site.h
    await board_on(h)
    old = await h.submit(h.member("ana"), "Old favourite")
    fresh = await h.submit(h.member("bob"), "Fresh idea")
    for n in range(4):
        await h.react(h.member(f"early{n}"), old)
    h.clock.advance(timedelta(days=8))  # the old votes fall out of the trending window
    for n in range(2):
        await h.react(h.member(f"late{n}"), fresh)
    await h.app.cards.flush()
    assert order((await site.board("?sort=top")).text) == [old, fresh]
    assert order((await site.board("?sort=trending")).text) == [fresh, old]


async def test_filters_by_campaign_and_status(world: Board) -> None:
    ids = world.ids
    [spring] = await world.h.storage.board.campaigns(world.h.community)
    page = await world.board(f"?campaign={spring.id}")
    assert sorted(order(page.text)) == sorted([ids["mango"], ids["caramel"]])
    assert f'<option value="{spring.id}" selected>' in page.text
    page = await world.board("?status=shipped")
    assert order(page.text) == [ids["oat"]]
    page = await world.board("?status=declined")
    assert order(page.text) == [ids["ship"]]
    assert "Shipping costs too much for now" in page.text
    # hidden statuses are not a filter: the page shows every public idea instead
    page = await world.board("?status=withdrawn&sort=bogus&page=x")
    assert page.status == 200
    assert world.ids["gone"] not in order(page.text)
    # the filters are a plain form: labelled controls and a submit button
    for control in ("sort", "campaign", "status"):
        assert f'<label for="{control}">' in page.text
        assert f'<select id="{control}" name="{control}">' in page.text
    assert '<button type="submit">' in page.text


async def test_pages_of_25_with_previous_and_next(site: Board) -> None:
    h = site.h
    await board_on(h)
    made = [await h.submit(h.member(f"m{n}"), f"Idea number {n}") for n in range(30)]
    first = await site.board("?sort=new")
    assert order(first.text) == made[::-1][:25]
    assert "Page 1 of 2" in first.text
    assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
    second = await site.board("?sort=new&page=2")
    assert order(second.text) == made[::-1][25:]
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text
    # a page past the end shows the last one
    assert order((await site.board("?sort=new&page=99")).text) == made[::-1][25:]


# -- an idea's page ---------------------------------------------------------------------------
async def test_idea_page_shows_description_tally_and_history_with_notes(world: Board) -> None:
    page = await world.board(f"ideas/{world.ids['oat']}")
    assert page.status == 200
    text = page.text
    assert "<h1>Oat milk option</h1>" in text
    assert "For the lactose intolerant" in text
    assert '<span class="tally-number">1</span>' in text
    assert "by Bob Stone" in text
    history = text[text.index("What happened so far") :]
    assert history.index("Submitted") < history.index("In progress") < history.index("Shipped")
    assert "Now in every store, thank you!" in history


async def test_declined_idea_shows_its_public_reason(world: Board) -> None:
    text = (await world.board(f"ideas/{world.ids['ship']}")).text
    assert "Why this idea was declined:" in text
    assert "Shipping costs too much for now" in text


async def test_automatic_status_changes_join_the_history(world: Board) -> None:
    # the contest's close planned its winner: written by the trigger, no note
    rows = await world.h.storage.board.history(world.ids["mango"])
    assert [r.status for r in rows] == [IdeaStatus.PLANNED]
    text = (await world.board(f"ideas/{world.ids['mango']}")).text
    assert text.count('class="pill pill-planned"') == 2  # the header and the history


async def test_merged_idea_redirects_and_withdrawn_is_not_found(world: Board) -> None:
    page = await world.board(f"ideas/{world.ids['dup']}", redirects=False)
    assert page.status == 301
    assert page.headers["Location"] == f"/board/{SLUG}/ideas/{world.ids['dark']}"
    followed = await world.board(f"ideas/{world.ids['dup']}")
    assert followed.status == 200 and "<h1>Dark mode</h1>" in followed.text
    for missing in (str(world.ids["gone"]), "99999", "abc", "-1"):
        page = await world.board(f"ideas/{missing}")
        assert page.status == 404, missing
        assert "We could not find that idea" in page.text
    assert "Withdrawn thing" not in (await world.board("?status=")).text


async def test_discussion_link_only_for_a_platform_thread(world: Board) -> None:
    h = world.h
    idea = await h.storage.ideas.get(h.community, world.ids["dark"])
    assert idea is not None
    # the memory platform's thread is no web page: no link
    assert "Join the discussion" not in (await world.board(f"ideas/{idea.id}")).text
    # a Discord thread, as the Discord adapter stores it (its jump URL)
    idea.thread_url = "https://discord.com/channels/111/222"
    async with h.storage.transaction():
        await h.storage.ideas.save(idea)
    text = (await world.board(f"ideas/{idea.id}")).text
    assert '<a class="button" href="https://discord.com/channels/111/222"' in text


# -- roadmap, shipped, campaigns, leaderboard -------------------------------------------------
async def test_roadmap_has_four_columns_in_order(world: Board) -> None:
    text = (await world.board("roadmap")).text
    heads = re.findall(r'<h2 id="col-(\w+)">', text)
    assert heads == ["under_review", "planned", "in_progress", "shipped"]
    planned = text[text.index('id="col-planned"') : text.index('id="col-in_progress"')]
    assert "Dark mode" in planned and "Mango chili" in planned
    shipped = text[text.index('id="col-shipped"') :]
    assert "Oat milk option" in shipped
    assert "Free shipping" not in text  # declined ideas are not on the roadmap


async def test_shipped_page_carries_the_brands_note(world: Board) -> None:
    text = (await world.board("shipped")).text
    assert order(text) == [world.ids["oat"]]
    assert '<blockquote class="brand-note"><p>Now in every store, thank you!</p></blockquote>' in (
        text
    )
    assert "suggested by Bob Stone" in text


async def test_campaign_page_shows_the_timeline_and_archived_results(world: Board) -> None:
    campaigns = await world.h.storage.board.campaigns(world.h.community)
    text = (await world.board("campaigns")).text
    assert "Spring flavours" in text and "Closed" in text
    text = (await world.board(f"campaigns/{campaigns[0].id}")).text
    assert "<caption>Results</caption>" in text
    assert '<th scope="col">Place</th>' in text
    results = text[text.index("<caption>Results") :]
    assert results.index("Mango chili") < results.index("Sea salt caramel")
    assert "Ana Lopez" in results
    assert "Ideas from" in text and "Closed" in text
    assert "5 Jan 2026, 09:00 UTC" in text
    assert (await world.board("campaigns/999")).status == 404
    # dates read in the community's own timezone
    reply = await world.h.text(world.h.moderator(), "/cocreate config set timezone Europe/Berlin")
    assert reply.ok, reply.text
    text = (await world.board(f"campaigns/{campaigns[0].id}")).text
    assert "5 Jan 2026, 10:00 CET" in text and "09:00 UTC" not in text


async def test_leaderboard_shows_display_names_and_points(world: Board) -> None:
    text = (await world.board("leaderboard")).text
    assert "<caption>Top members, all time</caption>" in text
    names = re.findall(r'<th scope="row">([^<]+)</th>', text)
    assert names[0] == "Bob Stone"  # submitted, shipped (200) and voted on
    assert "Ana Lopez" in names and "Voter 0" in names
    assert '<a href="/board/console-test/leaderboard" aria-current="page">All time</a>' in text


async def test_leaderboard_of_this_week_counts_only_this_weeks_points(world: Board) -> None:
    h = world.h
    h.clock.advance(timedelta(days=8))  # a new week (and month stays January)
    await h.react(person(h, "U0NEW00001", "Newcomer"), world.ids["dark"])
    week = (await world.board("leaderboard?period=week")).text
    names = re.findall(r'<th scope="row">([^<]+)</th>', week)
    assert names == ["Ana Lopez", "Newcomer"]  # a vote received (2) beats a vote cast (1)
    assert "<caption>Top members, this week</caption>" in week
    assert 'aria-current="page">This week</a>' in week
    month = re.findall(
        r'<th scope="row">([^<]+)</th>', (await world.board("leaderboard?period=month")).text
    )
    assert month[0] == "Bob Stone" and "Newcomer" in month


# -- what never reaches the board -------------------------------------------------------------
async def test_no_platform_ids_anywhere(world: Board) -> None:
    h = world.h
    cards = await h.db.fetchall(
        "SELECT message_id, thread_id, channel_id FROM ideas WHERE message_id IS NOT NULL"
    )
    secrets = {"U0", "console:test", "memory://"}
    secrets |= {r[0] for r in cards} | {r[1] for r in cards if r[1]}
    for path, html in (await every_page(world)).items():
        for secret in secrets:
            assert secret not in html, (path, secret)


async def test_nothing_from_prompts_is_on_the_board(world: Board) -> None:
    for path, html in (await every_page(world)).items():
        assert "ANON-" not in html, path


async def test_hidden_ideas_never_show(world: Board) -> None:
    for path, html in (await every_page(world)).items():
        assert "Withdrawn thing" not in html, path
        assert "Night theme" not in html, path  # merged into Dark mode


async def test_user_text_is_escaped_and_no_script_is_served(world: Board) -> None:
    page = await world.board(f"ideas/{world.ids['xss']}")
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page.text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;more&lt;/i&gt;" in page.text
    for path, html in (await every_page(world)).items():
        assert "<script" not in html.lower(), path
        assert "<b>bold" not in html, path


# -- caching --------------------------------------------------------------------------------
async def test_etag_and_304(world: Board) -> None:
    first = await world.board()
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=30"
    again = await world.board()
    assert again.headers["ETag"] == etag
    cached = await world.board(headers={"If-None-Match": etag})
    assert cached.status == 304 and cached.text == ""
    assert cached.headers["ETag"] == etag
    stale = await world.board(headers={"If-None-Match": '"something-else"'})
    assert stale.status == 200
    # a new vote changes the page, so the old tag no longer matches
    await world.h.react(person(world.h, "U0NEW00001", "Newcomer"), world.ids["dark"])
    await world.h.app.cards.flush()
    fresh = await world.board(headers={"If-None-Match": etag})
    assert fresh.status == 200 and fresh.headers["ETag"] != etag


async def test_stylesheet_is_served_by_the_bot_with_cache_headers(site: Board) -> None:
    page = await site.get("/static/board.css")
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/css")
    assert "public" in page.headers["Cache-Control"]
    assert (
        await site.get("/static/board.css", headers={"If-None-Match": page.headers["ETag"]})
    ).status == 304
    icon = await site.get("/favicon.ico")
    assert icon.status == 200 and icon.headers["Content-Type"] == "image/svg+xml"
    for bad in ("/static/nope.css", "/static/..%2f__init__.py", "/static/board.py"):
        assert (await site.get(bad)).status == 404, bad


async def test_pages_have_landmarks_and_a_skip_link(world: Board) -> None:
    for path, html in (await every_page(world)).items():
        for needle in (
            '<a class="skip-link" href="#main">',
            "<header",
            "<nav",
            '<main id="main"',
            "<footer",
            '<html lang="en">',
            "/static/board.css",
        ):
            assert needle in html, (path, needle)
        assert "https://" not in html.split("<body>")[0], path  # no CDN, no external font
