"""Who may vote on what. Pure functions: easy to test, shared by live votes and recounts."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.events import Actor
from bot.models import Campaign, Idea, IdeaStatus, Phase, Round
from bot.wording import quoted
from config.community import CommunitySettings

CLOSED_TO_VOTES = {
    IdeaStatus.PENDING: "is still waiting for a moderator's approval",
    IdeaStatus.MERGED: "was merged into another idea",
    IdeaStatus.WITHDRAWN: "was withdrawn by its author",
    IdeaStatus.REJECTED: "was not approved",
    IdeaStatus.DECLINED: "was declined",
    IdeaStatus.SHIPPED: "has already shipped",
}


#: A round in one of these phases is final: its ideas' votes, tallies, ranks and the points
#: the votes paid never change again. A cancelled round counts as closed (it has no results,
#: but the votes it held stay as they were).
FINAL_PHASES = frozenset({Phase.CLOSED, Phase.CANCELLED})


def is_final(round_: Round | None) -> bool:
    """Whether an idea of this round is frozen. Ideas outside any campaign have no round and
    never close; a round of a repeating campaign stays final when the next round runs."""
    return round_ is not None and round_.phase in FINAL_PHASES


def final_text(idea: Idea, campaign: Campaign | None, round_: Round, then: str) -> str:
    """The reply for anything refused because the idea's round is closed; ``then`` says what
    happened to the member's request."""
    name = campaign.name if campaign is not None else "its campaign"
    repeating = campaign is not None and bool(campaign.schedule)
    which = f"round {round_.number} of {name}" if repeating or round_.number > 1 else name
    which = which[0].upper() + which[1:]
    if round_.phase == Phase.CANCELLED:
        return f"{which} was cancelled, so the votes on idea #{idea.id} are final. {then}"
    quoted = f'"{name}"' if " " in name else name
    see = f" See the results with `/campaign show {quoted}`." if campaign is not None else ""
    return (
        f"{which} is closed and voting in it has ended, so the votes on idea #{idea.id} "
        f"are final. {then}{see}"
    )


def vote_refusal(
    actor: Actor,
    idea: Idea,
    campaign: Campaign | None,
    settings: CommunitySettings,
    now: datetime,
    round_: Round | None = None,
) -> str | None:
    """Why this member may not vote on this idea now, or None if they may."""
    if idea.status in CLOSED_TO_VOTES:
        suffix = f" #{idea.merged_into}" if idea.merged_into else ""
        return f"Idea #{idea.id} {CLOSED_TO_VOTES[idea.status]}{suffix}, so it takes no votes."
    if round_ is not None and is_final(round_):
        return final_text(idea, campaign, round_, "Your reaction is not counted.")
    if not settings.allow_self_votes and actor.member_id == idea.author_id:
        return "You can't vote for your own idea here."
    if settings.voter_role and settings.voter_role not in actor.roles:
        return "Voting here needs the voter role; ask a moderator how to get it."
    if settings.min_account_age_days and actor.account_created_at is not None:
        age = now - actor.account_created_at
        if age < timedelta(days=settings.min_account_age_days):
            return (
                f"Your account must be at least {settings.min_account_age_days} days old to vote."
            )
    if settings.min_member_days and actor.joined_at is not None:
        stay = now - actor.joined_at
        if stay < timedelta(days=settings.min_member_days):
            return f"You can vote once you have been a member for {settings.min_member_days} days."
    if campaign is None:
        return None
    if campaign.phase in (Phase.CLOSED, Phase.CANCELLED):
        return (
            f"Voting in {quoted(campaign.name)} has ended ({campaign.phase}); "
            f"see the results with `/campaign show {campaign.name}`."
        )
    if not settings.voting_only_in_voting_phase:
        return None
    if (
        not campaign.always_open
        and idea.round_id is not None
        and campaign.current_round is not None
        and idea.round_id != campaign.current_round
    ):
        return (
            f"Idea #{idea.id} was in an earlier round of {quoted(campaign.name)}, which has closed."
        )
    if not campaign.takes_votes():
        return f"Campaign {quoted(campaign.name)} is not open for voting (phase: {campaign.phase})."
    return None
