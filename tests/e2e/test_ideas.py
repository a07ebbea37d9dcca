"""Ideas through the real engine: submit, browse, edit, withdraw, moderate, merge, review."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import Harness


async def idea_count(h: Harness) -> int:
    return int(await h.db.scalar("SELECT count(*) FROM ideas"))


async def test_submit_posts_card_thread_and_pays(harness: Harness) -> None:
    alice = harness.member("alice")
    reply = await harness.cmd(alice, "idea submit", title="Oat latte", description="Creamy")
    assert reply.ok
    idea = await harness.storage.ideas.get(harness.community, int(reply.idea_id))
    assert idea is not None and idea.message_id and idea.thread_id
    card = harness.platform.cards[idea.message_id]
    assert card.title == "Oat latte" and card.vote_emojis == ("👍",)
    assert harness.platform.card_channels[idea.message_id] == "general"
    assert await harness.balance("alice") == 10


async def test_cards_go_to_configured_channel(harness: Harness) -> None:
    mod = harness.moderator()
    await harness.text(mod, "/cocreate config set ideas_channel ideas-board")
    idea_id = await harness.submit(harness.member("alice"), "Mint tea")
    message = await harness.card_message(idea_id)
    assert harness.platform.card_channels[message] == "ideas-board"


async def test_bad_titles_are_refused_and_change_nothing(harness: Harness) -> None:
    alice, bob = harness.member("alice"), harness.member("bob")
    await harness.submit(alice, "Oat latte")
    cases = [
        (bob, {"title": "   "}, "The title you gave is empty"),
        (bob, {"title": "x" * 101}, "limit is 100"),
        (bob, {"title": "ok", "description": "d" * 2001}, "limit is 2,000"),
        (bob, {"title": "  OAT   latte "}, "already exists"),
        (bob, {"title": "Fine", "campaign": "nope"}, "no campaign"),
    ]
    for actor, options, expected in cases:
        reply = await harness.cmd(actor, "idea submit", **options)
        assert not reply.ok and expected in reply.text, reply.text
    assert await idea_count(harness) == 1
    assert await harness.balance("bob") == 0


async def test_cooldown_and_open_idea_cap(harness: Harness) -> None:
    mod, alice = harness.moderator(), harness.member("alice")
    await harness.text(mod, "/cocreate config set max_open_ideas_per_member 2")
    await harness.submit(alice, "One")
    refused = await harness.cmd(alice, "idea submit", title="Two")
    assert not refused.ok and "wait" in refused.text
    harness.clock.advance(timedelta(minutes=2))
    await harness.submit(alice, "Two")
    harness.clock.advance(timedelta(minutes=2))
    capped = await harness.cmd(alice, "idea submit", title="Three")
    assert not capped.ok and "2 open ideas" in capped.text
    assert await idea_count(harness) == 2


async def test_same_title_allowed_in_another_campaign(harness: Harness) -> None:
    mod, alice = harness.moderator(), harness.member("alice")
    await harness.cmd(mod, "campaign create", name="Winter", mode="contest")
    await harness.cmd(mod, "campaign create", name="Summer", mode="contest")
    await harness.submit(alice, "Snow cone", campaign="Winter")
    harness.clock.advance(timedelta(minutes=5))
    await harness.submit(alice, "Snow cone", campaign="Summer")
    assert await idea_count(harness) == 2


async def test_list_sorts_and_filters(harness: Harness) -> None:
    alice, bob, carol = harness.member("alice"), harness.member("bob"), harness.member("carol")
    first = await harness.submit(alice, "First")
    second = await harness.submit(bob, "Second")
    await harness.react(carol, second)
    await harness.react(alice, second)
    top = await harness.cmd(carol, "idea list", sort="top")
    assert top.table is not None and [r[0] for r in top.table.rows] == [str(second), str(first)]
    by_alice = await harness.cmd(carol, "idea list", author="<@alice>")
    assert by_alice.table is not None and [r[0] for r in by_alice.table.rows] == [str(first)]
    bad = await harness.cmd(carol, "idea list", sort="loudest")
    assert not bad.ok and "top, new, trending" in bad.text


async def test_show_has_tally_status_author_and_thread(harness: Harness) -> None:
    alice = harness.member("alice")
    idea_id = await harness.submit(alice, "Oat latte")
    await harness.react(harness.member("bob"), idea_id)
    reply = await harness.cmd(alice, "idea show", idea=idea_id)
    assert "1 vote" in reply.text and "Alice" in reply.text and "[new]" in reply.text
    assert "memory://" in reply.text
    missing = await harness.cmd(alice, "idea show", idea=999)
    assert not missing.ok and "no idea #999" in missing.text


async def test_edit_and_withdraw_by_author_only(harness: Harness) -> None:
    alice, bob = harness.member("alice"), harness.member("bob")
    idea_id = await harness.submit(alice, "Oat latte")
    await harness.react(bob, idea_id)
    assert not (await harness.cmd(bob, "idea edit", idea=idea_id, title="Mine")).ok
    edited = await harness.cmd(alice, "idea edit", idea=idea_id, title="Oat flat white")
    assert edited.ok
    await harness.app.cards.flush()
    assert harness.platform.cards[await harness.card_message(idea_id)].title == "Oat flat white"
    assert not (await harness.cmd(bob, "idea withdraw", idea=idea_id)).ok
    assert await harness.balance("alice") == 12  # 10 submitted + 2 vote received
    assert (await harness.cmd(alice, "idea withdraw", idea=idea_id)).ok
    assert await harness.balance("alice") == 0
    assert await harness.ledger_matches_balances()


async def test_edit_refused_once_campaign_stops_taking_ideas(harness: Harness) -> None:
    mod, alice = harness.moderator(), harness.member("alice")
    await harness.cmd(mod, "campaign create", name="Winter", mode="contest")
    idea_id = await harness.submit(alice, "Snow cone", campaign="Winter")
    await harness.cmd(mod, "campaign vote", name="Winter")
    reply = await harness.cmd(alice, "idea withdraw", idea=idea_id)
    assert not reply.ok and "no longer takes changes" in reply.text


async def test_status_changes_notify_author_and_voters(harness: Harness) -> None:
    mod, alice, bob = harness.moderator(), harness.member("alice"), harness.member("bob")
    idea_id = await harness.submit(alice, "Oat latte")
    await harness.react(bob, idea_id)
    harness.platform.closed_dms.add("bob")  # bob closed his DMs: the change still happens
    reply = await harness.cmd(mod, "idea status", idea=idea_id, status="planned")
    assert reply.ok
    assert any("now planned" in t for t in harness.platform.dms_to("alice"))
    idea = await harness.storage.ideas.get(harness.community, idea_id)
    assert idea is not None and idea.status == "planned"
    no_reason = await harness.cmd(mod, "idea status", idea=idea_id, status="declined")
    assert not no_reason.ok and "reason" in no_reason.text
    declined = await harness.text(mod, f"/idea status {idea_id} declined Too costly to make")
    assert declined.ok
    assert any("Too costly to make" in t for t in harness.platform.dms_to("alice"))
    members_try = await harness.cmd(bob, "idea status", idea=idea_id, status="shipped")
    assert not members_try.ok and "moderators" in members_try.text
    actions = [e.action for e in await harness.storage.audit.recent(harness.community)]
    assert actions.count("idea.status") == 2


async def test_shipping_pays_author_once(harness: Harness) -> None:
    mod, alice = harness.moderator(), harness.member("alice")
    idea_id = await harness.submit(alice, "Oat latte")
    for status in ("in_progress", "shipped", "in_progress", "shipped"):
        assert (await harness.cmd(mod, "idea status", idea=idea_id, status=status)).ok
    assert await harness.balance("alice") == 10 + 200


async def test_merge_moves_votes_and_counts_shared_voters_once(harness: Harness) -> None:
    mod, alice, bob = harness.moderator(), harness.member("alice"), harness.member("bob")
    carol, dave = harness.member("carol"), harness.member("dave")
    keep = await harness.submit(alice, "Oat latte")
    dup = await harness.submit(bob, "Latte with oat milk")
    await harness.react(carol, keep)
    await harness.react(carol, dup)
    await harness.react(dave, dup)
    reply = await harness.cmd(mod, "idea merge", duplicate=dup, into=keep)
    assert reply.ok, reply.text
    tally = await harness.storage.votes.tally(keep)
    assert tally.voters == 2 and tally.up == 2
    merged = await harness.storage.ideas.get(harness.community, dup)
    assert merged is not None and merged.status == "merged" and merged.merged_into == keep
    refused = await harness.react(harness.member("erin"), dup)
    assert not refused.ok and f"merged into another idea #{keep}" in refused.text
    assert not (await harness.cmd(mod, "idea merge", duplicate=keep, into=keep)).ok


async def test_review_queue(harness: Harness) -> None:
    mod, alice = harness.moderator(), harness.member("alice")
    await harness.text(mod, "/cocreate config set review_queue on")
    idea_id = await harness.submit(alice, "Oat latte")
    idea = await harness.storage.ideas.get(harness.community, idea_id)
    assert idea is not None and idea.status == "pending" and idea.message_id is None
    assert await harness.balance("alice") == 0
    queue = await harness.cmd(mod, "idea queue")
    assert queue.table is not None and queue.table.rows[0][0] == str(idea_id)
    assert (await harness.cmd(mod, "idea approve", idea=idea_id)).ok
    assert await harness.card_message(idea_id)
    assert await harness.balance("alice") == 10
    harness.clock.advance(timedelta(minutes=5))
    other = await harness.submit(alice, "Chai")
    assert (await harness.cmd(mod, "idea reject", idea=other, reason="off topic")).ok
    assert any("off topic" in t for t in harness.platform.dms_to("alice"))
    again = await harness.cmd(mod, "idea approve", idea=other)
    assert not again.ok and "not waiting" in again.text


async def test_thread_comments_earn_points_with_daily_cap(harness: Harness) -> None:
    alice, bob = harness.member("alice"), harness.member("bob")
    idea_id = await harness.submit(alice, "Oat latte")
    for _ in range(12):
        await harness.comment(bob, idea_id)
    assert await harness.balance("bob") == 10  # 1 point each, capped at 10 a day
    harness.clock.advance(timedelta(days=1))
    await harness.comment(bob, idea_id)
    assert await harness.balance("bob") == 11


async def test_replayed_command_event_changes_nothing(harness: Harness) -> None:
    alice = harness.member("alice")
    first = await harness.cmd(alice, "idea submit", title="Oat latte", event_id="interaction-1")
    again = await harness.cmd(alice, "idea submit", title="Oat latte", event_id="interaction-1")
    assert first.ok and again.silent
    assert await idea_count(harness) == 1
    assert len(harness.platform.cards) == 1


async def test_moderator_export_zip_has_every_table(harness: Harness) -> None:
    import io
    import zipfile

    alice = harness.member("alice")
    idea_id = await harness.submit(alice, "=HYPERLINK(evil)")
    await harness.react(harness.member("bob"), idea_id)
    refused = await harness.cmd(alice, "cocreate export")
    assert not refused.ok
    reply = await harness.cmd(harness.moderator(), "cocreate export")
    assert reply.attachment is not None and reply.attachment.filename.endswith(".zip")
    archive = zipfile.ZipFile(io.BytesIO(reply.attachment.content))
    assert set(archive.namelist()) >= {"ideas.csv", "votes.csv", "ledger.csv", "balances.csv"}
    ideas_csv = archive.read("ideas.csv").decode()
    assert "'=HYPERLINK(evil)" in ideas_csv  # a formula never runs in a spreadsheet
    assert archive.read("votes.csv").decode().count("\n") == 2  # header + bob's vote
