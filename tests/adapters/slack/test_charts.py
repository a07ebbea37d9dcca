"""Results carry a chart picture on Slack: a round's results are posted as Block Kit text and the
chart is uploaded below them with the files upload v2 flow; a private results reply gets its
chart in the moderator's DM; a failed upload leaves the text posted exactly once."""

from __future__ import annotations

from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.test_contest_e2e import IDEAS, card_of, people, rows
from tests.adapters.slack.test_feedback_points_e2e import controls, prompt_message

PNG = b"\x89PNG\r\n\x1a\n"


async def contest(world: SlackWorld) -> None:
    people(world)
    await world.command("UMOD", "/cocreate setup", channel=IDEAS)
    await world.command("UMOD", "/campaign create Winter contest")
    await world.command("UANA", '/idea submit "Oat latte"')
    await world.command("UBEN", '/idea submit "<script>alert(1)</script>"')
    await world.command("UMOD", "/campaign vote Winter")
    channel, ts = await card_of(world, 1)
    await world.react("UBEN", channel, ts, "+1")
    await world.command("UMOD", "/campaign close Winter")
    await world.settle()


def uploaded_pngs(world: SlackWorld) -> list[bytes]:
    return [data for data in world.fake.uploads.values() if PNG in data[:200]]


async def test_round_results_upload_the_chart_below_the_text(world: SlackWorld) -> None:
    await contest(world)
    fake = world.fake

    posted = [m for m in fake.in_channel(IDEAS) if "is closed" in m.text]
    assert len(posted) == 1, "the results text is posted once"
    asked = fake.called("files.getUploadURLExternal")
    assert asked and asked[-1].args["filename"] == "chart.png"
    assert "Oat latte" in asked[-1].args["alt_txt"]
    completed = [c.args for c in fake.called("files.completeUploadExternal")]
    assert any(c.get("channel_id") == IDEAS for c in completed)
    assert any(f["title"] == "Results: Winter" for c in completed for f in c["files"])
    assert len(uploaded_pngs(world)) >= 1


async def test_a_private_results_reply_sends_its_chart_by_dm(world: SlackWorld) -> None:
    people(world)
    fake = world.fake
    await world.command("UMOD", '/prompt create single "Which cup?" options:"Small, Large"')
    before = len(fake.called("files.completeUploadExternal"))
    await world.command("UMOD", "/prompt results 1")

    completed = [c.args for c in fake.called("files.completeUploadExternal")][before:]
    assert len(completed) == 0, "no answers yet: nothing to draw"
    ts, blocks = prompt_message(world, 1)
    select = controls(blocks, 1)[0]
    await world.click("UANA", {**select, "selected_option": select["options"][1]}, message_ts=ts)
    await world.command("UMOD", "/prompt results 1")
    completed = [c.args for c in fake.called("files.completeUploadExternal")][before:]
    assert len(completed) == 1
    assert completed[0]["channel_id"] == "DUMOD"
    assert "Prompt #1: Which cup?" in completed[0]["initial_comment"]
    assert len(uploaded_pngs(world)) == 1


async def test_a_failed_upload_still_posts_the_text_once(world: SlackWorld) -> None:
    world.fake.errors["files.completeUploadExternal"] = "not_allowed_token_type"
    await contest(world)
    fake = world.fake

    assert fake.called("files.completeUploadExternal"), "the upload was tried"
    posted = [m for m in fake.in_channel(IDEAS) if "is closed" in m.text]
    assert len(posted) == 1
    results = await rows(
        world, "SELECT delivered_at, attempts FROM outbox WHERE key LIKE 'round:%:results'"
    )
    assert len(results) == 1 and results[0][0] is not None and results[0][1] == 1
