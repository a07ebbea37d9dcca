"""The vote rules as pure code, without storage or an engine: which emoji is which vote, who may
vote on what (``vote_refusal``), what one batch of reactions does to votes and points
(``VoteBatch``), and how prompt answers are summarised. The end-to-end tests drive the same
code through the engine; these cover each rule's branches in microseconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.events import Actor, ReactionAdded, ReactionRemoved
from bot.models import Campaign, CampaignMode, Idea, IdeaStatus, Phase, Round, Vote, VoteScheme
from bot.ports.prompts import Prompt, PromptKind, PromptResponse
from bot.services.eligibility import vote_refusal
from bot.services.prompt_results import nps_score, summarise
from bot.services.vote_batch import VoteBatch
from config.community import CommunitySettings

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
COMMUNITY = "console:test"
UPDOWN = VoteScheme("updown", ("👍", "👎"))


def actor(name: str, *, roles: frozenset[str] = frozenset(), age: int = 400) -> Actor:
    return Actor(
        community_id=COMMUNITY,
        member_id=name,
        display_name=name.capitalize(),
        roles=roles,
        account_created_at=NOW - timedelta(days=age),
        joined_at=NOW - timedelta(days=age),
    )


def idea(
    idea_id: int = 1,
    author: str = "alice",
    *,
    status: IdeaStatus = IdeaStatus.NEW,
    campaign_id: int | None = None,
    round_id: int | None = None,
    scheme: VoteScheme = UPDOWN,
) -> Idea:
    return Idea(
        idea_id,
        COMMUNITY,
        campaign_id,
        f"Idea {idea_id}",
        "",
        author,
        author.capitalize(),
        status,
        NOW,
        NOW,
        message_id=f"m{idea_id}",
        round_id=round_id,
        scheme=scheme,
    )


def campaign(mode: CampaignMode, phase: Phase, current_round: int | None = 1) -> Campaign:
    return Campaign(
        7, COMMUNITY, "Cup", "", mode, phase, 1, "mod", NOW, current_round=current_round
    )


def round_(phase: Phase, round_id: int = 1) -> Round:
    return Round(round_id, COMMUNITY, 7, round_id, phase, NOW, None, None, None, False, NOW)


# -- emojis ------------------------------------------------------------------------------------
def test_each_scheme_reads_its_emojis_and_nothing_else() -> None:
    assert VoteScheme().value("👍") == 1 and VoteScheme().value("👎") is None
    assert (UPDOWN.value("👍"), UPDOWN.value("👎"), UPDOWN.value("🦄")) == (1, -1, None)
    scale = VoteScheme("scale", ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣"))
    assert [scale.value(e) for e in scale.emojis] == [1, 2, 3, 4, 5]


# -- eligibility -------------------------------------------------------------------------------
def test_a_member_may_vote_on_someone_elses_open_idea() -> None:
    assert vote_refusal(actor("bob"), idea(), None, CommunitySettings(), NOW) is None


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (IdeaStatus.WITHDRAWN, "was withdrawn by its author"),
        (IdeaStatus.DECLINED, "was declined"),
        (IdeaStatus.SHIPPED, "has already shipped"),
        (IdeaStatus.PENDING, "is still waiting for a moderator's approval"),
    ],
)
def test_ideas_that_are_done_take_no_votes(status: IdeaStatus, words: str) -> None:
    refusal = vote_refusal(actor("bob"), idea(status=status), None, CommunitySettings(), NOW)
    assert refusal == f"Idea #1 {words}, so it takes no votes."


def test_a_merged_idea_points_to_where_it_went() -> None:
    merged = idea(status=IdeaStatus.MERGED)
    merged = Idea(**{**{f: getattr(merged, f) for f in merged.__slots__}, "merged_into": 4})
    refusal = vote_refusal(actor("bob"), merged, None, CommunitySettings(), NOW)
    assert refusal == "Idea #1 was merged into another idea #4, so it takes no votes."


def test_own_ideas_only_where_self_votes_are_allowed() -> None:
    settings = CommunitySettings()
    assert vote_refusal(actor("alice"), idea(), None, settings, NOW) == (
        "You can't vote for your own idea here."
    )
    allowed = settings.model_copy(update={"allow_self_votes": True})
    assert vote_refusal(actor("alice"), idea(), None, allowed, NOW) is None


def test_voter_role_account_age_and_membership_are_checked() -> None:
    settings = CommunitySettings().model_copy(
        update={"voter_role": "voters", "min_account_age_days": 30, "min_member_days": 7}
    )
    voter = frozenset({"voters"})
    assert "voter role" in (vote_refusal(actor("bob"), idea(), None, settings, NOW) or "")
    young = vote_refusal(actor("bob", roles=voter, age=3), idea(), None, settings, NOW)
    assert young == "Your account must be at least 30 days old to vote."
    no_age = settings.model_copy(update={"min_account_age_days": 0})
    new = vote_refusal(actor("bob", roles=voter, age=3), idea(), None, no_age, NOW)
    assert new == "You can vote once you have been a member for 7 days."
    assert vote_refusal(actor("bob", roles=voter), idea(), None, settings, NOW) is None


def test_a_contest_takes_votes_only_in_its_voting_phase_and_round() -> None:
    settings = CommunitySettings()
    entry = idea(campaign_id=7, round_id=1)
    submitting = campaign(CampaignMode.CONTEST, Phase.SUBMISSIONS)
    refusal = vote_refusal(actor("bob"), entry, submitting, settings, NOW)
    assert refusal == "Campaign “Cup” is not open for voting (phase: submissions)."
    voting = campaign(CampaignMode.CONTEST, Phase.VOTING)
    assert vote_refusal(actor("bob"), entry, voting, settings, NOW) is None
    later = campaign(CampaignMode.CONTEST, Phase.VOTING, current_round=2)
    assert "earlier round" in (vote_refusal(actor("bob"), entry, later, settings, NOW) or "")
    closed = campaign(CampaignMode.CONTEST, Phase.CLOSED)
    assert "has ended" in (vote_refusal(actor("bob"), entry, closed, settings, NOW) or "")


def test_a_final_round_refuses_before_anything_else() -> None:
    entry = idea(campaign_id=7, round_id=1)
    cup = campaign(CampaignMode.CONTEST, Phase.VOTING)
    refusal = vote_refusal(
        actor("alice"), entry, cup, CommunitySettings(), NOW, round_(Phase.CLOSED)
    )
    assert refusal is not None and "votes on idea #1 are final" in refusal


# -- one batch of reactions --------------------------------------------------------------------
def batch(*ideas: Idea, stored: dict[tuple[int, str], Vote] | None = None) -> VoteBatch:
    return VoteBatch(
        community_id=COMMUNITY,
        settings=CommunitySettings(),
        now=NOW,
        day=NOW.date().isoformat(),
        ideas={i.message_id or "": i for i in ideas},
        campaigns={},
        stored=dict(stored or {}),
        earned={},
        known={},
    )


def added(n: int, who: str, emoji: str = "👍", message: str = "m1") -> ReactionAdded:
    return ReactionAdded(f"ev{n}", actor(who), "general", message, emoji)


def removed(n: int, who: str, emoji: str = "👍", message: str = "m1") -> ReactionRemoved:
    return ReactionRemoved(f"ev{n}", actor(who), "general", message, emoji)


def points(b: VoteBatch) -> dict[str, int]:
    total: dict[str, int] = {}
    for entry in b.entries:
        total[entry.member_id] = total.get(entry.member_id, 0) + entry.amount
    return total


def test_a_vote_pays_the_voter_and_the_author_and_its_removal_takes_both_back() -> None:
    b = batch(idea())
    assert b.apply(added(1, "bob")).vote == 1
    assert points(b) == {"bob": 1, "alice": 2}
    assert b.apply(removed(2, "bob")).vote_removed
    assert points(b) == {"bob": 0, "alice": 0}
    assert b.vote_writes() == ([], [])  # added and taken back within the batch: nothing stored
    assert b.outcomes == {"counted": 1, "retracted": 1}


def test_switching_to_an_objection_keeps_the_vote_and_takes_back_the_authors_points() -> None:
    b = batch(idea())
    b.apply(added(1, "bob", "👍"))
    reply = b.apply(added(2, "bob", "👎"))
    assert (reply.vote, reply.replaced_emoji) == (-1, "👍")
    assert points(b) == {"bob": 1, "alice": 0}
    upserts, deletes = b.vote_writes()
    assert [(v.voter_id, v.value, v.emoji) for v in upserts] == [("bob", -1, "👎")]
    assert deletes == []
    assert b.support == {1: 0} and b.peak == {1: 1}  # the support it reached is remembered


def test_refused_and_ignored_reactions_change_nothing() -> None:
    b = batch(idea())
    own = b.apply(added(1, "alice"))
    assert not own.ok and own.remove_reaction
    assert b.apply(added(2, "bob", "🦄")).silent  # not a vote
    assert b.apply(added(3, "bob", message="m404")).silent  # not a card
    assert b.apply(removed(4, "carol")).silent  # never counted
    assert b.entries == [] and b.vote_writes() == ([], [])
    assert b.outcomes == {"refused": 1}


def test_removing_a_stored_vote_deletes_it() -> None:
    stored = {(1, "bob"): Vote(1, "bob", 1, "👍", "vote:k", "received:k")}
    b = batch(idea(), stored=stored)
    assert b.apply(removed(1, "bob")).vote_removed
    assert b.vote_writes() == ([], [(1, "bob")])


def test_a_burst_remembers_the_highest_support_each_idea_reached() -> None:
    b = batch(idea())
    for n, who in enumerate(("bob", "carol", "dan")):
        b.apply(added(n, who))
    b.apply(removed(9, "dan"))
    assert b.support == {1: 2} and b.peak == {1: 3}
    assert sorted(v.voter_id for v in b.vote_writes()[0]) == ["bob", "carol"]


# -- prompt summaries --------------------------------------------------------------------------
def prompt(kind: PromptKind, options: tuple[str, ...] = (), anonymous: bool = False) -> Prompt:
    return Prompt(1, COMMUNITY, kind, "Q?", options, anonymous, None, None, None, "mod", NOW)


def answer(who: str, *values: str, score: int | None = None) -> PromptResponse:
    return PromptResponse(1, who, who.capitalize(), values, score, NOW, NOW)


def test_nps_is_promoters_minus_detractors_in_percent() -> None:
    assert nps_score([]) is None
    assert nps_score([10, 9, 8, 6]) == 25
    assert nps_score([0, 1, 2]) == -100


def test_a_rating_summary_counts_every_score_and_averages() -> None:
    got = summarise(prompt("rating"), [answer("a", "4", score=4), answer("b", "5", score=5)])
    assert got.count == 2 and got.average == 4.5 and got.nps is None
    assert got.distribution == (("1", 0), ("2", 0), ("3", 0), ("4", 1), ("5", 1))
    assert got.lines == ("2 responses.", "Average 4.50 out of 5.")


def test_an_nps_summary_names_its_groups() -> None:
    got = summarise(prompt("nps"), [answer("a", "10", score=10), answer("b", "3", score=3)])
    assert got.nps == 0
    assert got.lines[-1] == "NPS +0 (promoters 1, passives 0, detractors 1)."


def test_a_choice_summary_counts_options_in_their_order() -> None:
    choice = prompt("multiple", options=("Tea", "Coffee", "Milk"))
    got = summarise(choice, [answer("a", "Coffee", "Milk"), answer("b", "Coffee")])
    assert got.distribution == (("Tea", 0), ("Coffee", 2), ("Milk", 1))
    assert got.lines == ("2 responses.",)


def test_text_answers_of_an_anonymous_prompt_carry_no_names() -> None:
    got = summarise(prompt("text", anonymous=True), [answer("a", "More oat milk")])
    assert got.table is not None and got.table.headers == ("answer",)
    assert got.table.rows == (("More oat milk",),)
    named = summarise(prompt("text"), [answer("ann", "More oat milk")])
    assert named.table is not None and named.table.rows == (("Ann", "More oat milk"),)
