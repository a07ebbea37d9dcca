"""Ideas: submit, browse, edit and withdraw; cards and threads; comment points.

Moderation (statuses, merges, the review queue) lives in ``idea_moderation.py``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.context import Context
from bot.errors import NotFound, UserError
from bot.models import (
    GONE_STATUSES,
    Campaign,
    CampaignMode,
    Idea,
    IdeaStatus,
    Round,
    title_key,
)
from bot.ports import Storage
from bot.ports.ideas import DuplicateTitle, IdeaFilter, SortOrder
from bot.replies import Reply, Table
from bot.services.cards import card_text
from bot.services.delivery import CardRefresher
from bot.services.eligibility import final_text, is_final
from bot.services.idea_cards import IdeaCards
from bot.services.points import PointsService
from bot.wording import page_of, past_the_end, plural, quoted

log = logging.getLogger(__name__)

TITLE_MAX = 100
DESCRIPTION_MAX = 2000


def clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise UserError("Your idea needs a title.")
    if len(title) > TITLE_MAX:
        raise UserError(f"The title is {len(title)} characters; the limit is {TITLE_MAX}.")
    return title


def clean_description(text: str) -> str:
    text = text.strip()
    if len(text) > DESCRIPTION_MAX:
        raise UserError(
            f"The description is {len(text):,} characters; the limit is {DESCRIPTION_MAX:,}."
        )
    return text


class IdeaService:
    def __init__(
        self,
        storage: Storage,
        points: PointsService,
        cards: CardRefresher,
        idea_cards: IdeaCards,
    ) -> None:
        self.storage = storage
        self.points = points
        self.cards = cards
        self.idea_cards = idea_cards

    # -- lookups ------------------------------------------------------------------------
    async def get(self, ctx: Context, idea_id: int) -> Idea:
        idea = await self.storage.ideas.get(ctx.community_id, idea_id)
        if idea is None:
            raise NotFound(f"There is no idea #{idea_id}.")
        return idea

    async def campaign_named(self, ctx: Context, name: str) -> Campaign:
        campaign = await self.storage.campaigns.by_name(ctx.community_id, name)
        if campaign is None:
            raise NotFound(f"There is no campaign called {quoted(name)}. See `/campaign list`.")
        return campaign

    async def campaign_of(self, idea: Idea) -> Campaign | None:
        if idea.campaign_id is None:
            return None
        return await self.storage.campaigns.get(idea.community_id, idea.campaign_id)

    async def final_round(self, idea: Idea) -> tuple[Campaign | None, Round] | None:
        """The idea's campaign and round if that round is closed (its votes are final)."""
        if idea.round_id is None:
            return None
        round_ = await self.storage.campaigns.round(idea.round_id)
        if round_ is None or not is_final(round_):
            return None
        return await self.campaign_of(idea), round_

    async def refuse_if_final(self, idea: Idea, what: str) -> None:
        """Raise a friendly refusal if the idea's round is closed; ``what`` ends the reply."""
        final = await self.final_round(idea)
        if final is not None:
            campaign, round_ = final
            raise UserError(final_text(idea, campaign, round_, what))

    async def _default_campaign(self, ctx: Context) -> Campaign | None:
        """Where an idea submitted without ``campaign:`` goes, the same rule every time: no
        campaign taking ideas (from this member) → a general idea; exactly one → that one
        (the reply says so); several → the member is asked to pick one."""
        open_ = [
            c
            for c in await self.storage.campaigns.in_community(ctx.community_id)
            if c.takes_submissions(ctx.is_moderator)
        ]
        if len(open_) > 1:
            names = sorted(c.name for c in open_)
            listed = ", ".join(names[:-1]) + f" and {names[-1]}"
            example = f'"{names[0]}"' if " " in names[0] else names[0]
            raise UserError(
                f"{len(names)} campaigns are taking ideas right now: {listed}. Say which one "
                f"your idea is for with campaign:NAME, for example campaign:{example}."
            )
        return open_[0] if open_ else None

    # -- submit -------------------------------------------------------------------------
    async def submit(
        self, ctx: Context, title: str, description: str = "", campaign: str | None = None
    ) -> Reply:
        title = clean_title(title)
        description = clean_description(description)
        chosen = await self.campaign_named(ctx, campaign) if campaign else None
        by_default = chosen is None
        chosen = chosen or await self._default_campaign(ctx)
        if chosen is not None and not chosen.takes_submissions(ctx.is_moderator):
            if chosen.mode == CampaignMode.PICK:
                raise UserError(
                    f"In {quoted(chosen.name)} the team posts "
                    "the candidates; vote for your favourite!"
                )
            raise UserError(
                f"Campaign {quoted(chosen.name)} is not taking ideas right now "
                f"(phase: {chosen.phase})."
                f" See `/campaign show {chosen.name}` for its dates."
            )
        await self._check_flood(ctx)
        campaign_id = chosen.id if chosen else None
        round_id = chosen.current_round if chosen else None
        if await self.storage.ideas.title_taken(
            ctx.community_id, campaign_id, title_key(title), round_id=round_id
        ):
            raise UserError(
                f"An idea called {quoted(title)} already exists here. Vote for it instead!"
            )
        queued = ctx.settings.review_queue and not ctx.is_moderator
        idea = Idea(
            id=0,
            community_id=ctx.community_id,
            campaign_id=campaign_id,
            title=title,
            description=description,
            author_id=ctx.actor.member_id,
            author_name=ctx.actor.name,
            status=IdeaStatus.PENDING if queued else IdeaStatus.NEW,
            created_at=ctx.now,
            updated_at=ctx.now,
            origin_channel=ctx.channel_id,
            round_id=round_id,
            scheme=ctx.settings.vote_scheme(),
        )
        try:
            idea = await self.storage.ideas.add(idea)
        except DuplicateTitle:
            raise UserError(f"An idea called {quoted(title)} already exists here.") from None
        only = ", the only campaign taking ideas right now" if by_default else ""
        if queued:
            joins = f" It is for campaign {chosen.name}{only}." if chosen else ""
            return Reply(
                f"Thanks! Idea #{idea.id} is waiting for a moderator's approval.{joins}",
                idea_id=idea.id,
            )
        paid = await self.go_live(ctx, idea)
        where = f" in campaign {quoted(chosen.name)}{only}" if chosen else ""
        bonus = f" You earned {plural(paid, 'point')}." if paid else ""
        return Reply(
            f"Idea #{idea.id} {quoted(title)} is posted{where}.{bonus}",
            idea_id=idea.id,
        )

    async def go_live(self, ctx: Context, idea: Idea) -> int:
        """Pay the submission points and store the card's posting in the outbox, delivered
        once the transaction commits."""
        paid = await self.points.award_author(
            idea, "idea_submitted", f"idea:{idea.id}", ctx.now, ctx.settings
        )
        await self.idea_cards.post(ctx, idea)
        return paid

    async def _check_flood(self, ctx: Context) -> None:
        if ctx.is_moderator:
            return
        cooldown = ctx.settings.submission_cooldown_minutes
        if cooldown:
            last = await self.storage.ideas.last_submitted_at(ctx.community_id, ctx.actor.member_id)
            if last is not None and ctx.now < last + timedelta(minutes=cooldown):
                wait = last + timedelta(minutes=cooldown) - ctx.now
                minutes = max(1, int(wait.total_seconds() + 59) // 60)
                raise UserError(
                    f"Please wait {plural(minutes, 'more minute')} before your next idea."
                )
        open_count = await self.storage.ideas.count_open_by_author(
            ctx.community_id, ctx.actor.member_id
        )
        if open_count >= ctx.settings.max_open_ideas_per_member:
            raise UserError(
                f"You already have {open_count} open ideas, the most allowed here. "
                "Withdraw one or wait for a decision."
            )

    # -- browse -------------------------------------------------------------------------
    async def list_ideas(
        self,
        ctx: Context,
        sort: SortOrder = "top",
        status: str | None = None,
        campaign: str | None = None,
        author: str | None = None,
        page: int = 1,
    ) -> Reply:
        chosen = await self.campaign_named(ctx, campaign) if campaign else None
        filters = IdeaFilter(
            status=IdeaStatus(status) if status else None,
            campaign_id=chosen.id if chosen else None,
            author_id=author,
        )
        rows = await self.storage.ideas.search(
            ctx.community_id, filters, sort, ctx.now, limit=10, offset=(page - 1) * 10
        )
        total = await self.storage.ideas.count(ctx.community_id, filters)
        pages = -(-total // 10)
        if not rows and page > 1 and total:
            return Reply(past_the_end("ideas", page, pages))
        if not rows:
            return Reply("No ideas match that yet. Be the first: `/idea submit`.")
        table = Table(
            title=f"Ideas ({sort})",
            headers=("#", "title", "status", "votes", "author"),
            rows=tuple(
                (str(i.id), i.title, i.status.label, t.describe(i.scheme.mode), i.author_name)
                for i, t in rows
            ),
        )
        return Reply(f"{plural(total, 'idea')}, {sort} first ({page_of(page, pages)})", table=table)

    async def show(self, ctx: Context, idea_id: int) -> Reply:
        idea = await self.get(ctx, idea_id)
        card = await self.idea_cards.card(idea)
        text = card_text(card)
        if idea.thread_url:
            text += f"\nDiscussion: {idea.thread_url}"
        text += await self.idea_cards.card_trouble(idea)
        return Reply(text, card=card)

    # -- the author's own changes -------------------------------------------------------
    async def _own_and_open(self, ctx: Context, idea_id: int) -> Idea:
        idea = await self.get(ctx, idea_id)
        if idea.author_id != ctx.actor.member_id:
            raise UserError("Only the idea's author can do that.")
        if idea.status not in (IdeaStatus.NEW, IdeaStatus.PENDING):
            raise UserError(f"Idea #{idea.id} is {idea.status.label}; it can no longer change.")
        await self.refuse_if_final(idea, "It can no longer change.")
        campaign = await self.campaign_of(idea)
        if campaign is not None and not campaign.takes_submissions(ctx.is_moderator):
            raise UserError(f"Campaign {quoted(campaign.name)} no longer takes changes to ideas.")
        return idea

    async def edit(
        self, ctx: Context, idea_id: int, title: str | None = None, description: str | None = None
    ) -> Reply:
        if title is None and description is None:
            raise UserError("Give a new title, a new description, or both.")
        idea = await self._own_and_open(ctx, idea_id)
        if title is not None:
            idea.title = clean_title(title)
            if await self.storage.ideas.title_taken(
                ctx.community_id,
                idea.campaign_id,
                title_key(idea.title),
                exclude_id=idea.id,
                round_id=idea.round_id,
            ):
                raise UserError(f"An idea called {quoted(idea.title)} already exists here.")
        if description is not None:
            idea.description = clean_description(description)
        idea.updated_at = ctx.now
        await self.storage.ideas.save(idea)
        await self.idea_cards.edit_card(ctx, idea.id)
        return Reply(f"Idea #{idea.id} is updated.")

    async def withdraw(self, ctx: Context, idea_id: int) -> Reply:
        idea = await self._own_and_open(ctx, idea_id)
        await self.storage.ideas.set_status(
            ctx.community_id, idea.id, idea.status, IdeaStatus.WITHDRAWN, ctx.now
        )
        taken, kept = await self.points.reverse_idea(ctx, idea)
        await self.idea_cards.edit_card(ctx, idea.id)
        return Reply(f"Idea #{idea.id} is withdrawn.{withdrawn_points_note(taken, kept)}")

    async def thread_comment(self, ctx: Context, thread_id: str) -> Reply:
        idea = await self.storage.ideas.by_thread(ctx.community_id, thread_id)
        if idea is None or idea.status in GONE_STATUSES:
            return Reply.nothing()
        key = f"comment:{ctx.event_id}"
        if ctx.actor.member_id == idea.author_id:
            # the author's comments in their own thread are paid by the idea, like its votes
            await self.points.award_author(idea, "thread_comment", key, ctx.now, ctx.settings)
            return Reply(silent=True)
        await self.points.award(
            ctx.community_id,
            ctx.actor.member_id,
            "thread_comment",
            key,
            ctx.now,
            ctx.settings,
            ref=f"idea:{idea.id}",
        )
        return Reply(silent=True)


def withdrawn_points_note(taken: int, kept: int) -> str:
    note = (
        f" {plural(taken, 'point')} it earned {'was' if taken == 1 else 'were'} taken back."
        if taken
        else ""
    )
    if kept:
        note += (
            f" {plural(kept, 'point')} could not be taken back because you already spent them or "
            "they are held for a reward; a balance never goes below zero."
        )
    return note
