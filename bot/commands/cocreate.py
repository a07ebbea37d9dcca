"""The /cocreate commands: help, settings, audit and export."""

from __future__ import annotations

import asyncio
import io
import zipfile
from dataclasses import replace
from typing import Any

from bot.commands.spec import Option, Registry
from bot.context import Context
from bot.context import audit as write_audit
from bot.csvsafe import records_csv
from bot.errors import UserError
from bot.links import Links
from bot.ports import Storage
from bot.ratelimit import Rate, RateLimiter
from bot.replies import Attachment, Reply, Table
from bot.services.dashboard import LINK_LIFETIME, SignInLinks
from bot.services.idea_cards import IdeaCards
from bot.wording import join_names, member_names, plural
from config.community import SettingError, apply_setting, describe_setting, flatten

#: how the export's reply counts each table's rows ("1 idea", "12 ledger entries")
#: sign-in links a moderator may ask for: enough to retry a lost DM, too few to flood anyone
SIGN_IN_LINKS = Rate(3, 600)

EXPORT_NOUNS = {
    "ideas": "idea",
    "votes": "vote",
    "responses": "response",
    "ledger": "ledger entry",
    "balances": "balance",
    "results": "result",
}


def register(
    registry: Registry,
    storage: Storage,
    idea_cards: IdeaCards,
    links: Links,
    sign_in: SignInLinks,
) -> None:
    # per member, in this process: a restart forgets, which only ever allows a few more
    sign_in_limit = RateLimiter(SIGN_IN_LINKS)

    @registry.command(
        "cocreate",
        "help",
        "What Cocreate can do and how",
        Option("topic", "One command's verbs, e.g. idea", max_length=40),
    )
    async def help_(ctx: Context, topic: str | None = None) -> Reply:
        if topic is not None:
            return Reply(topic_help(registry, topic.strip().lstrip("/").lower(), ctx.is_moderator))
        lines = ["**Cocreate**: propose ideas, vote with reactions, answer prompts, earn points."]
        for topic_, description in registry.topics.items():
            verbs = [
                c.verb for c in registry.in_topic(topic_) if ctx.is_moderator or not c.moderator
            ]
            if verbs:
                lines.append(f"/{topic_} — {description}: {join_names(verbs)}")
        lines.append("Type a command alone (like /idea) or `/cocreate help idea` for its verbs.")
        lines.append(
            "Vote on an idea by reacting on its card: " + " ".join(ctx.settings.vote_emojis())
        )
        return Reply("\n".join(lines))

    @registry.command("cocreate", "board", "The address of this community's public board")
    async def board(ctx: Context) -> Reply:
        if not ctx.settings.public_board:
            return Reply(
                "The public board is off for this community. A moderator can turn it on with "
                "`/cocreate config set public_board on`."
            )
        return Reply(f"This community's public board: {links.board(ctx.community_id)}")

    @registry.command("cocreate", "config show", "Show this community's settings", moderator=True)
    async def config_show(ctx: Context) -> Reply:
        rows = tuple((key, value, describe_setting(key)) for key, value in flatten(ctx.settings))
        return Reply(
            "Settings (change one with `/cocreate config set KEY VALUE`)",
            table=Table("Settings", ("key", "value", "what it does"), rows),
        )

    @registry.command(
        "cocreate",
        "config set",
        "Change one setting",
        Option("key", "The setting", required=True, max_length=80, autocomplete="config_key"),
        Option(
            "value", "The new value (none to clear)", required=True, max_length=500, greedy=True
        ),
        moderator=True,
    )
    async def config_set(ctx: Context, key: str, value: str) -> Reply:
        try:
            updated = apply_setting(ctx.settings, key, value)
        except SettingError as exc:
            raise UserError(str(exc)) from None
        await storage.communities.save_settings(ctx.community_id, updated)
        await write_audit(storage.audit, ctx, "config.set", key, value)
        shown = dict(flatten(updated))[key.strip().lower()]
        text = f"{key} is now {shown}."
        if key.strip().lower() == "ideas_channel" and updated.ideas_channel:
            # the way to retry cards the platform refused until the outbox gave up
            reposted = await idea_cards.repost_cards(ctx, updated.ideas_channel)
            if reposted:
                text += (
                    f" {plural(reposted, 'idea card')} that could not be posted "
                    f"{'is' if reposted == 1 else 'are'} being posted there now."
                )
        scheme = updated.vote_scheme()
        if scheme != ctx.settings.vote_scheme():
            # each idea keeps the voting it was created with: nothing is reinterpreted
            keep = await storage.ideas.count_other_scheme(ctx.community_id, scheme)
            text += " It applies to ideas submitted from now on"
            if keep == 1:
                text += "; 1 existing idea keeps the voting it started with"
            elif keep:
                text += f"; {keep} existing ideas keep the voting they started with"
            text += "."
        return Reply(text)

    @registry.command(
        "cocreate",
        "setup",
        "Use this channel for idea cards, announcements and prompts",
        moderator=True,
    )
    async def setup(ctx: Context) -> Reply:
        updated = ctx.settings.model_copy(
            update={
                "ideas_channel": ctx.channel_id,
                "announcements_channel": ctx.channel_id,
                "prompts_channel": ctx.channel_id,
            }
        )
        await storage.communities.save_settings(ctx.community_id, updated)
        await write_audit(storage.audit, ctx, "config.setup", ctx.channel_id)
        return Reply(
            "Done: idea cards, announcements and prompts will go to this channel. "
            "Fine-tune with `/cocreate config set`."
        )

    @registry.command(
        "cocreate", "export", "This community's data as CSV files in a zip", moderator=True
    )
    async def export(ctx: Context) -> Reply:
        # the reads are part of the command's short transaction; the zip is built after the
        # commit, in a worker thread, so a large export holds neither the database nor the loop
        tables = await storage.export_tables(ctx.community_id)
        await write_audit(storage.audit, ctx, "data.export")
        counts = join_names(
            [plural(len(rows), EXPORT_NOUNS[name]) for name, (_, rows) in tables.items()]
        )
        filename = f"cocreate-export-{ctx.now.strftime('%Y%m%d-%H%M')}.zip"

        async def attach_zip(reply: Reply) -> Reply:
            content = await asyncio.to_thread(export_zip, tables)
            return replace(reply, attachment=Attachment(filename, content, "application/zip"))

        ctx.finish_after_commit(attach_zip)
        return Reply(f"Export ready: {counts}.")

    @registry.command(
        "cocreate",
        "dashboard",
        "A private sign-in link to the moderator dashboard",
        moderator=True,
    )
    async def dashboard(ctx: Context) -> Reply:
        asked = sign_in_limit.attempt((ctx.community_id, ctx.actor.member_id), ctx.now.timestamp())
        if not asked.allowed:
            window = plural(int(SIGN_IN_LINKS.per // 60), "minute")
            raise UserError(
                f"You asked for {plural(SIGN_IN_LINKS.count, 'sign-in link')} in the last "
                f"{window}. Please use the newest one in your direct messages, or ask again in "
                f"{plural(asked.retry_after_minutes, 'minute')}."
            )
        await sign_in.request(ctx)
        await write_audit(storage.audit, ctx, "dashboard.link")
        minutes = plural(int(LINK_LIFETIME.total_seconds() // 60), "minute")
        return Reply(
            "A sign-in link to the moderator dashboard is on its way to you by direct message. "
            f"It works once, for {minutes}."
        )

    @registry.command(
        "cocreate",
        "audit",
        "Recent moderator actions",
        Option("limit", "How many", "integer", min_value=1, max_value=100),
        moderator=True,
    )
    async def audit(ctx: Context, limit: int = 20) -> Reply:
        entries = await storage.audit.recent(ctx.community_id, limit)
        names = await member_names(storage.members, ctx.community_id, (e.actor_id for e in entries))
        rows = tuple(
            (
                e.created_at.strftime("%Y-%m-%d %H:%M"),
                names.get(e.actor_id) or e.actor_id,
                e.action.replace(".", " ").replace("_", " ")
                + (f" (on the {e.via})" if e.via else ""),
                _target(e.target),
                e.detail,
            )
            for e in entries
        )
        return Reply(
            "Audit log", table=Table("Audit log", ("when", "who", "what", "on", "detail"), rows)
        )


def _target(target: str) -> str:
    """An audit target ("idea:3") as people write it ("idea #3")."""
    kind, sep, ref = target.partition(":")
    return f"{kind} #{ref}" if sep and ref.isdigit() else target.replace(":", " ")


def topic_help(registry: Registry, topic: str, moderator: bool) -> str:
    """A topic's verbs, one line each, from the command registry (so it cannot drift)."""
    if topic not in registry.topics:
        known = join_names([f"/{t}" for t in registry.topics], "or")
        raise UserError(f"There is no /{topic} command. Try {known}.")
    lines = [f"/{topic}: {registry.topics[topic]}"]
    for command in registry.in_topic(topic):
        if moderator or not command.moderator:
            who = " (moderators)" if command.moderator else ""
            lines.append(f"• `{command.usage()}` — {command.description}{who}")
    if len(lines) == 1:
        lines.append(f"Only moderators use /{topic}.")
    return "\n".join(lines)


def export_zip(tables: dict[str, tuple[list[str], list[dict[str, Any]]]]) -> bytes:
    """One CSV per table in a zip, safe to open in a spreadsheet."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (columns, rows) in tables.items():
            archive.writestr(f"{name}.csv", records_csv(columns, rows))
    return buffer.getvalue()
