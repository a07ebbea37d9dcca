"""A community with something to show, made through the engine exactly as members would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tests.harness import Harness

SCRIPT_TITLE = "<script>alert('board')</script> in a title"


@dataclass(frozen=True)
class Seeded:
    top: int  # the most votes
    newest: int
    planned: int
    in_progress: int
    shipped: int
    declined: int
    script: int  # titled with markup that must show as text
    campaign: str
    campaign_idea: int


async def seed(h: Harness) -> Seeded:
    mod = h.moderator()
    ok = await h.text(mod, "/cocreate setup")
    assert ok.ok, ok.text
    for line in (
        "/cocreate config set public_board on",
        "/cocreate config set submission_cooldown_minutes 0",
    ):
        reply = await h.text(mod, line)
        assert reply.ok, reply.text
    members = [h.member(name) for name in ("ada", "bo", "cy", "di", "eve", "fay")]
    ada, bo, cy, di, eve, fay = members

    async def submit(author_index: int, title: str, description: str = "", **options: str) -> int:
        h.clock.advance(timedelta(minutes=7))
        return await h.submit(members[author_index], title, description, **options)

    top = await submit(0, "Oat milk at every store", "Creamy, and kind to the planet.")
    planned = await submit(1, "Reusable cup discount", "Ten cents off when you bring a cup.")
    in_progress = await submit(2, "Mobile order ahead", "Skip the queue in the morning.")
    shipped = await submit(3, "Pumpkin spice all year", "Because autumn is a state of mind.")
    declined = await submit(4, "Free refills forever", "Unlimited coffee for everyone.")
    script = await submit(0, SCRIPT_TITLE, "<b>not bold</b> & <i>not italic</i>")
    await submit(1, "Quiet hours for studying", "Music off before 10.")
    # a campaign for the newest idea only (ideas submitted while one is open may join it)
    reply = await h.cmd(mod, "campaign create", name="Winter drinks", mode="board")
    assert reply.ok, reply.text
    campaign_idea = newest = await submit(
        5, "Gingerbread latte", "A winter classic.", campaign="Winter drinks"
    )

    # votes: the top idea gets the most; members never vote for their own idea
    for voter in (bo, cy, di, eve, fay):
        await h.react(voter, top)
    for voter in (ada, cy, di):
        await h.react(voter, planned)
    for voter in (ada, bo):
        await h.react(voter, in_progress)
    await h.react(ada, shipped)

    for idea, status, reason in (
        (planned, "under_review", "Looking at the numbers."),
        (planned, "planned", "Coming in the spring menu."),
        (in_progress, "planned", ""),
        (in_progress, "in_progress", "Being tested in three stores."),
        (shipped, "shipped", "On the menu all year from today. Thank you!"),
        (declined, "declined", "We cannot offer unlimited refills in every country."),
    ):
        h.clock.advance(timedelta(hours=1))
        options = {"idea": idea, "status": status}
        if reason:
            options["reason"] = reason
        reply = await h.cmd(mod, "idea status", **options)  # type: ignore[arg-type]
        assert reply.ok, reply.text
    # a feedback prompt with answers, for the dashboard's charts
    reply = await h.cmd(
        mod, "prompt create", kind="nps", question="Would you recommend our coffee to a friend?"
    )
    assert reply.ok, reply.text
    for member, score in zip(members, ("10", "9", "9", "7", "4", "10"), strict=True):
        answered = await h.answer(member, int(reply.prompt_id), score)
        assert answered.ok, answered.text
    return Seeded(
        top=top,
        newest=newest,
        planned=planned,
        in_progress=in_progress,
        shipped=shipped,
        declined=declined,
        script=script,
        campaign="Winter drinks",
        campaign_idea=campaign_idea,
    )


async def board_url(h: Harness) -> str:
    """What `/cocreate board` answers, as a member asks for it in chat."""
    reply = await h.text(h.member("ada"), "/cocreate board")
    assert reply.ok, reply.text
    return next(word for word in reply.text.split() if word.startswith("http"))
