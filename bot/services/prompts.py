"""Feedback prompts: moderators ask, members answer (and may change it until it closes).

The service is the only place that decides what a valid prompt and a valid answer are; the
schema repeats the essentials (kinds, ranges, one response per member) so that a bug here cannot
store a second response or an out-of-range score. Posting the prompt goes through the outbox:
stored with the prompt, delivered after the commit (and again after a crash or a refusal), so a
slow or failing platform never holds the database or loses the post.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from bot.context import audit
from bot.errors import NotFound, UserError
from bot.models import OutboxItem
from bot.ports import Storage
from bot.ports.prompts import PROMPT_KINDS, NewPrompt, Prompt, PromptKind, Subject
from bot.replies import Attachment, Message, PromptView, Reply, Table
from bot.services import anonymity
from bot.services.outbox import Outbox, payload_id, prompt_key
from bot.services.points import PointsService
from bot.services.prompt_results import (
    export_csv,
    normalise_answer,
    parse_options,
    show_answer,
    summarise,
)
from bot.timeparse import describe, parse_when
from bot.wording import plural, quoted

if TYPE_CHECKING:
    from bot.context import Context

MAX_QUESTION = 300
MAX_SUBJECT = 200
LIST_LIMIT = 25


class PromptService:
    def __init__(self, storage: Storage, points: PointsService, outbox: Outbox) -> None:
        self.storage = storage
        self.points = points
        self.outbox = outbox
        outbox.register("prompt", self.deliver_post)

    # -- moderators ---------------------------------------------------------------------------
    async def create(
        self,
        ctx: Context,
        kind: str,
        question: str,
        options: str | None = None,
        anonymous: bool = False,
        subject: str | None = None,
        audience: str | None = None,
        closes: str | None = None,
    ) -> Reply:
        """Validate everything first, store, audit, and post the prompt once committed."""
        ctx.require_moderator()
        if kind not in PROMPT_KINDS:
            raise UserError(f"kind must be one of: {', '.join(PROMPT_KINDS)}.")
        prompt_kind: PromptKind = kind
        text = " ".join(question.split())
        if not text:
            raise UserError("The question is empty; write what you want to ask.")
        if len(text) > MAX_QUESTION:
            raise UserError(
                f"The question is {len(text):,} characters; the limit is {MAX_QUESTION}."
            )
        if prompt_kind in ("single", "multiple"):
            if not options or not options.strip():
                raise UserError(
                    f'A {prompt_kind} choice prompt needs options, e.g. options:"Red, Green, Blue".'
                )
            choices = parse_options(options)
        elif options and options.strip():
            raise UserError("Only single and multiple choice prompts take options.")
        else:
            choices = ()
        new = NewPrompt(
            community_id=ctx.community_id,
            kind=prompt_kind,
            question=text,
            options=choices,
            anonymous=anonymous,
            subject=await self._subject(ctx.community_id, subject) if subject else None,
            audience_role=_role_id(audience) if audience else None,
            closes_at=parse_when(closes, ctx.now, ctx.settings.timezone) if closes else None,
            created_by=ctx.actor.member_id,
            created_at=ctx.now,
        )
        prompt = await self.storage.prompts.add(new)
        await audit(
            self.storage.audit,
            ctx,
            "prompt.create",
            target=f"prompt:{prompt.id}",
            detail=_audit_detail(prompt),
        )
        view = self.view(prompt, ctx)
        channel = ctx.settings.prompts_channel or ctx.channel_id
        where = "Set `prompts_channel` to post it."
        if channel:
            await self.outbox.prompt(ctx.community_id, prompt.id, channel)
            self.outbox.soon(ctx, prompt_key(prompt.id))
            where = f"Posting it to channel {channel}."
        return Reply(
            text=f"Prompt #{prompt.id} created. {where}",
            prompt=view,
            prompt_id=prompt.id,
        )

    async def list(self, ctx: Context) -> Reply:
        ctx.require_moderator()
        prompts = await self.storage.prompts.recent(ctx.community_id, LIST_LIMIT)
        if not prompts:
            return Reply(text="No prompts yet. Create one with `/prompt create`.")
        counts = await self.storage.prompts.response_counts(
            ctx.community_id, [p.id for p in prompts]
        )
        rows = tuple(
            (
                f"#{p.id}",
                p.kind,
                _clip(p.question, 60),
                str(counts.get(p.id, 0)),
                self._status(p, ctx),
            )
            for p in prompts
        )
        table = Table("Feedback prompts", ("id", "kind", "question", "responses", "status"), rows)
        return Reply(text=f"The most recent {plural(len(prompts), 'prompt')}.", table=table)

    async def results(self, ctx: Context, prompt_id: int) -> Reply:
        ctx.require_moderator()
        prompt = await self.get(ctx.community_id, prompt_id)
        responses = await self.storage.prompts.responses(ctx.community_id, prompt.id)
        summary = summarise(prompt, responses)
        await audit(self.storage.audit, ctx, "prompt.results", target=f"prompt:{prompt.id}")
        head = (
            f"Prompt #{prompt.id} ({prompt.kind}, {self._status(prompt, ctx)}): {prompt.question}"
        )
        if prompt.subject:
            head += f"\nAbout {prompt.subject.describe()}"
        return Reply(
            text="\n".join([head, *summary.lines]),
            table=summary.table,
            chart=summary.chart,
            responses=summary.count,
        )

    async def export(self, ctx: Context, prompt_id: int) -> Reply:
        ctx.require_moderator()
        prompt = await self.get(ctx.community_id, prompt_id)
        responses = await self.storage.prompts.responses(ctx.community_id, prompt.id)
        await audit(
            self.storage.audit,
            ctx,
            "prompt.export",
            target=f"prompt:{prompt.id}",
            detail=f"{len(responses)}",
        )
        note = " Anonymous prompt: no member names or ids." if prompt.anonymous else ""
        return Reply(
            text=f"{plural(len(responses), 'response')} to prompt #{prompt.id}.{note}",
            attachment=Attachment(
                f"prompt-{prompt.id}-responses.csv", export_csv(prompt, responses)
            ),
        )

    async def close(self, ctx: Context, prompt_id: int) -> Reply:
        ctx.require_moderator()
        prompt = await self.get(ctx.community_id, prompt_id)
        if prompt.is_closed(ctx.now) or not await self.storage.prompts.close(
            ctx.community_id, prompt.id, ctx.now
        ):
            raise UserError(f"Prompt #{prompt.id} is already closed.")
        await audit(self.storage.audit, ctx, "prompt.close", target=f"prompt:{prompt.id}")
        responses = await self.storage.prompts.responses(ctx.community_id, prompt.id)
        return Reply(
            text=f"Prompt #{prompt.id} is closed with {plural(len(responses), 'response')}."
        )

    # -- members ------------------------------------------------------------------------------
    async def answer(
        self, ctx: Context, prompt_id: int, values: tuple[str, ...], typed: str | None = None
    ) -> Reply:
        """Store or change one member's answer; the first answer earns ``feedback_answered``."""
        prompt = await self.get(ctx.community_id, prompt_id)
        if prompt.closed_at is not None:
            raise UserError(f"Prompt #{prompt.id} was closed by a moderator; answers are closed.")
        if prompt.closes_at is not None and ctx.now >= prompt.closes_at:
            when = describe(prompt.closes_at, ctx.settings.timezone)
            raise UserError(f"Prompt #{prompt.id} closed at {when}; answers are closed.")
        if prompt.audience_role and prompt.audience_role not in ctx.actor.roles:
            raise UserError(
                f"Prompt #{prompt.id} is only for members with the role it was sent to."
            )
        answer, score = normalise_answer(prompt, values, typed)
        member = ctx.actor.member_id
        if prompt.anonymous:
            first, idem_key, ref, reason = await self._store_anonymous(ctx, prompt, answer, score)
        else:
            first = await self.storage.prompts.upsert_response(
                ctx.community_id, prompt.id, member, ctx.actor.name, answer, score, ctx.now
            )
            idem_key, ref, reason = f"feedback:{prompt.id}:{member}", f"prompt:{prompt.id}", ""
        shown = show_answer(prompt, answer)
        if not first:
            return Reply(text=f"Your answer to prompt #{prompt.id} is now: {shown}.")
        paid = await self.points.award(
            ctx.community_id,
            member,
            "feedback_answered",
            idem_key,
            ctx.now,
            ctx.settings,
            ref=ref,
            reason=reason,
        )
        earned = f" You earned {plural(paid, 'point')}." if paid else ""
        return Reply(
            text=f"Thanks! Your answer to prompt #{prompt.id} is saved: {shown}.{earned}"
            " You can change it until the prompt closes."
        )

    async def _store_anonymous(
        self, ctx: Context, prompt: Prompt, answer: tuple[str, ...], score: int | None
    ) -> tuple[bool, str, str, str]:
        """Store under the respondent token, stamped with the prompt's opening time (never the
        answer's), and return what the points entry may say: a key that matches no token, no
        prompt ref, a neutral reason. See ``bot.services.anonymity``."""
        key = await self.storage.prompts.anonymity_key(ctx.community_id)
        member = ctx.actor.member_id
        first = await self.storage.prompts.upsert_anonymous_response(
            ctx.community_id,
            prompt.id,
            anonymity.respondent_token(key, prompt.id, member),
            answer,
            score,
            prompt.created_at,
        )
        return first, anonymity.points_key(key, prompt.id, member), "", anonymity.ANSWER_REASON

    # -- helpers ------------------------------------------------------------------------------
    async def get(self, community_id: str, prompt_id: int) -> Prompt:
        prompt = await self.storage.prompts.get(community_id, prompt_id)
        if prompt is None:
            raise NotFound(f"There is no prompt #{prompt_id}. See `/prompt list`.")
        return prompt

    def view(self, prompt: Prompt, ctx: Context) -> PromptView:
        return prompt_view(prompt, ctx.settings.timezone, ctx.now)

    def _status(self, prompt: Prompt, ctx: Context) -> str:
        if prompt.is_closed(ctx.now):
            return "closed"
        if prompt.closes_at is not None:
            return f"open until {describe(prompt.closes_at, ctx.settings.timezone)}"
        return "open"

    async def deliver_post(self, item: OutboxItem, key: str, now: datetime) -> str | None:
        """Post the prompt as it is now and record where; a prompt already recorded as posted
        (a crash after the record) is not posted again, and a crash between the post and the
        record resends with the same key, which the platform drops."""
        async with self.storage.transaction():
            prompt = await self.storage.prompts.get(item.community_id, payload_id(item, "prompt"))
            if prompt is None or prompt.message_id is not None:
                return None if prompt is None else prompt.message_id
            settings = await self.storage.communities.settings(item.community_id)
        view = prompt_view(prompt, settings.timezone, now)
        text = f"Feedback prompt #{prompt.id}: {view.question}"
        message_id = await self.outbox.platform.send(
            item.community_id, item.address, Message(text=text, prompt=view), key
        )
        async with self.storage.transaction():
            await self.storage.prompts.set_message(
                item.community_id, prompt.id, item.address, message_id
            )
        return message_id

    async def _subject(self, community_id: str, raw: str) -> Subject:
        """An idea (``idea:12``, ``#12``, ``12``), a campaign by name, or else a product name."""
        text = " ".join(raw.split())
        prefix, sep, rest = text.partition(":")
        kind = prefix.lower() if sep and prefix.lower() in ("idea", "campaign", "product") else ""
        value = rest.strip() if kind else text
        if not value:
            raise UserError("The subject is empty.")
        if len(value) > MAX_SUBJECT:
            raise UserError(f"The subject is too long; the limit is {MAX_SUBJECT} characters.")
        id_match = re.fullmatch(r"#?(\d+)", value)
        if kind == "idea" or (not kind and id_match):
            if not id_match:
                raise UserError(f"{quoted(value[:40])} is not an idea number; use idea:12.")
            idea = await self.storage.ideas.get(community_id, int(id_match.group(1)))
            if idea is None:
                raise NotFound(f"There is no idea #{id_match.group(1)} to ask about.")
            return Subject("idea", _clip(idea.title, MAX_SUBJECT), idea.id)
        if kind in ("campaign", ""):
            campaign = await self.storage.campaigns.by_name(community_id, value)
            if campaign is not None:
                return Subject("campaign", campaign.name, campaign.id)
            if kind == "campaign":
                raise NotFound(f"There is no campaign named {quoted(value[:60])}.")
        return Subject("product", value)


def _role_id(raw: str) -> str:
    """A role as an id or a Discord role mention (``<@&123>``)."""
    text = raw.strip()
    if text.startswith("<@&") and text.endswith(">"):
        text = text[3:-1]
    if not text:
        raise UserError("The audience role is empty.")
    return text


def _audit_detail(prompt: Prompt) -> str:
    parts = [prompt.kind, _clip(prompt.question, 80)]
    if prompt.anonymous:
        parts.append("anonymous")
    if prompt.audience_role:
        parts.append(f"audience={prompt.audience_role}")
    return "; ".join(parts)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def prompt_view(prompt: Prompt, timezone: str, now: datetime) -> PromptView:
    """A prompt as members see it, wherever it is shown (its post, a reply, the App Home)."""
    return PromptView(
        prompt_id=prompt.id,
        kind=prompt.kind,
        question=prompt.question,
        subject=prompt.subject.describe() if prompt.subject else None,
        options=prompt.options,
        anonymous=prompt.anonymous,
        closes_at=describe(prompt.closes_at, timezone) if prompt.closes_at else None,
        closed=prompt.is_closed(now),
    )
