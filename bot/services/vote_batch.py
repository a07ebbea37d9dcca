"""The vote state machine for one batch of reaction events, in memory.

The batch is loaded with a handful of queries (the cards' ideas, the current votes of every
(idea, voter) pair, the day's earnings for the caps, the ledger entries a retraction may
reverse), every event is applied in order to that state, and the result is written back with
a handful of bulk statements. One implementation serves a single event and a burst of
thousands: the group commit that makes bursts fast cannot change what a vote means.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.events import ReactionAdded, ReactionRemoved
from bot.models import Campaign, Idea, LedgerEntry, Round, Vote
from bot.ports.ledger import EarnedKey, NewEntry
from bot.replies import Reply
from bot.services.eligibility import final_text, is_final, vote_refusal
from bot.services.points import capped_amount, pays_author, plan_reversal, reversal_reason
from config.community import CommunitySettings

ReactionEvent = ReactionAdded | ReactionRemoved
Pair = tuple[int, str]


@dataclass
class VoteBatch:
    community_id: str
    settings: CommunitySettings
    now: datetime
    day: str
    ideas: dict[str, Idea]  # by card message id
    campaigns: dict[int, Campaign]
    stored: dict[Pair, Vote]  # votes as they are in the database
    earned: dict[EarnedKey, int]
    known: dict[str, LedgerEntry]  # ledger entries by key (for reversals)
    #: support per idea as events are applied, and the highest it reached in this batch, so a
    #: milestone crossed and left again within one batch is still seen, as it would be singly
    support: dict[int, int] = field(default_factory=dict)
    peak: dict[int, int] = field(default_factory=dict)
    #: balances of the batch's voters and authors, kept as entries are planned, so a reversal
    #: follows the ledger policy (never below zero) and the schema's check is never reached
    balances: dict[str, int] = field(default_factory=dict)
    state: dict[Pair, Vote | None] = field(default_factory=dict)
    entries: list[NewEntry] = field(default_factory=list)
    touched: dict[int, Idea] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    rounds: dict[int, Round] = field(default_factory=dict)  # the ideas' rounds, by id

    def current(self, pair: Pair) -> Vote | None:
        return self.state[pair] if pair in self.state else self.stored.get(pair)

    # -- events ---------------------------------------------------------------------------
    def apply(self, event: ReactionEvent) -> Reply:
        if isinstance(event, ReactionAdded):
            return self._added(event)
        return self._removed(event)

    def _added(self, event: ReactionAdded) -> Reply:
        idea = self.ideas.get(event.message_id)
        value = idea.scheme.value(event.emoji) if idea is not None else None
        if value is None or idea is None:
            return Reply.nothing()
        campaign = self.campaigns.get(idea.campaign_id) if idea.campaign_id else None
        round_ = self.rounds.get(idea.round_id) if idea.round_id is not None else None
        refusal = vote_refusal(event.actor, idea, campaign, self.settings, self.now, round_)
        if refusal is not None:
            self._count("refused")
            return Reply(refusal, ok=False, remove_reaction=True)
        voter = event.actor.member_id
        pair = (idea.id, voter)
        previous = self.current(pair)
        cast_key = previous.cast_key if previous else ""
        received_key = previous.received_key if previous else ""
        # the event id alone is unique in the community (it was claimed once): a short key
        # keeps the ledger's unique index small (the idea is in the entry's ref)
        if previous is None:
            cast_key = f"vote:{event.event_id}"
            self._award(voter, "vote_cast", cast_key, idea.id)
        supports = value > 0 and idea.author_id != voter and pays_author(campaign)
        if supports and not received_key:
            received_key = f"received:{event.event_id}"
            self._award(idea.author_id, "vote_received", received_key, idea.id)
        elif not supports and received_key:
            self._reverse(received_key)
            received_key = ""
        self.state[pair] = Vote(idea.id, voter, value, event.emoji, cast_key, received_key)
        self._support(idea.id, previous, value)
        self.touched[idea.id] = idea
        self._count("counted")
        replaced = None
        if previous is not None and previous.emoji != event.emoji:
            # the older reaction no longer counts; adapters may take it off the card
            replaced = previous.emoji
        return Reply(silent=True, vote=value, replaced_emoji=replaced)

    def _removed(self, event: ReactionRemoved) -> Reply:
        idea = self.ideas.get(event.message_id)
        if idea is None:
            return Reply.nothing()
        pair = (idea.id, event.actor.member_id)
        current = self.current(pair)
        if current is None or current.emoji != event.emoji:
            # a reaction that was never counted, or one the latest vote already replaced
            return Reply.nothing()
        round_ = self.rounds.get(idea.round_id) if idea.round_id is not None else None
        if is_final(round_):
            assert round_ is not None
            campaign = self.campaigns.get(idea.campaign_id) if idea.campaign_id else None
            self._count("refused")
            # told privately; nothing for an adapter to take off or put back
            text = final_text(idea, campaign, round_, "Your vote stays as it was counted.")
            return Reply(text, ok=False)
        for key in (current.cast_key, current.received_key):
            self._reverse(key)
        self.state[pair] = None
        self._support(idea.id, current, None)
        self.touched[idea.id] = idea
        self._count("retracted")
        return Reply(silent=True, vote_removed=True)

    def _support(self, idea_id: int, before: Vote | None, after: int | None) -> None:
        change = int(after is not None and after > 0) - int(before is not None and before.value > 0)
        now = self.support.get(idea_id, 0) + change
        self.support[idea_id] = now
        self.peak[idea_id] = max(self.peak.get(idea_id, now), now)

    # -- points ---------------------------------------------------------------------------
    def _award(self, member: str, rule: str, key: str, idea_id: int) -> None:
        earned_key = (self.community_id, member, rule, self.day)
        amount = capped_amount(self.settings.points.rule(rule), self.earned.get(earned_key, 0))
        if amount <= 0:
            return
        self.earned[earned_key] = self.earned.get(earned_key, 0) + amount
        self.balances[member] = self.balances.get(member, 0) + amount
        entry = NewEntry(
            self.community_id, member, amount, rule, key, self.day, ref=f"idea:{idea_id}"
        )
        self.entries.append(entry)
        self.known[key] = LedgerEntry(
            0, self.community_id, member, amount, rule, "", key, entry.ref, "", self.now
        )

    def _reverse(self, key: str) -> None:
        original = self.known.get(key) if key else None
        undo = f"reverse:{key}"
        if original is None or original.amount == 0 or undo in self.known:
            return
        member = original.member_id
        plan = plan_reversal(original.amount, self.balances.get(member, 0))
        self.balances[member] = self.balances.get(member, 0) + plan.amount
        earned_key = (self.community_id, member, original.rule, self.day)
        self.earned[earned_key] = self.earned.get(earned_key, 0) + plan.amount
        entry = NewEntry(
            self.community_id,
            member,
            plan.amount,
            original.rule,
            undo,
            self.day,
            reason=reversal_reason(
                original.reason or original.rule.replace("_", " "), plan.shortfall
            ),
            ref=original.ref,
        )
        self.entries.append(entry)
        self.known[undo] = replace(original, amount=plan.amount, idem_key=undo)

    def _count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    # -- results --------------------------------------------------------------------------
    def vote_writes(self) -> tuple[list[Vote], list[Pair]]:
        upserts = [
            v for pair, v in self.state.items() if v is not None and v != self.stored.get(pair)
        ]
        deletes = [pair for pair, v in self.state.items() if v is None and pair in self.stored]
        return upserts, deletes
