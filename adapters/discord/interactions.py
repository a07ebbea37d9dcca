"""Answering interactions within Discord's three seconds.

The engine gets ``defer_after`` seconds (2 by default) to answer; most commands take a few
milliseconds and are answered directly, with the reply's own privacy. Slow work (a close that
recounts every card, an export) is deferred privately first and the answer follows when ready;
a public answer is then posted as a follow-up so the channel still sees it.
"""

from __future__ import annotations

import asyncio
import logging

import discord

from adapters import chartimage
from adapters.discord import ids, render
from adapters.discord import limits as L
from bot.commands.spec import Command, Option
from bot.events import InboundEvent
from bot.ports.adapter import Sink
from bot.replies import Reply

log = logging.getLogger(__name__)

NOTHING_TEXT = "Already done; nothing changed."
DEFER_AFTER = 2.0
#: Discord drops an unsent form after 15 minutes; the submit is routed by custom id anyway
FORM_TIMEOUT = 900.0


async def answer(
    interaction: discord.Interaction,
    sink: Sink,
    event: InboundEvent,
    defer_after: float = DEFER_AFTER,
) -> Reply:
    """Hand ``event`` to the engine and answer ``interaction`` with its reply, in time."""
    task = asyncio.ensure_future(sink(event))
    try:
        reply = await asyncio.wait_for(asyncio.shield(task), defer_after)
    except TimeoutError:
        await _safely(interaction.response.defer(ephemeral=True, thinking=True))
        reply = await task
        await _safely(_follow_up(interaction, reply))
        return reply
    await _safely(_respond(interaction, reply))
    return reply


async def _respond(interaction: discord.Interaction, reply: Reply) -> None:
    if _shows_nothing(reply):
        if interaction.type == discord.InteractionType.component:
            await interaction.response.defer()  # acknowledged, nothing to show
            return
        reply = Reply(NOTHING_TEXT)
    kwargs = render.reply(reply, await chartimage.drawn(reply.chart)).kwargs()
    await interaction.response.send_message(ephemeral=reply.ephemeral, **kwargs)


async def _follow_up(interaction: discord.Interaction, reply: Reply) -> None:
    if _shows_nothing(reply):
        reply = Reply(NOTHING_TEXT)
    rendered = render.reply(reply, await chartimage.drawn(reply.chart))
    if reply.ephemeral:
        await interaction.edit_original_response(
            content=rendered.content,
            embeds=rendered.embeds,
            attachments=rendered.files,
            allowed_mentions=render.NO_PINGS,
        )
        return
    # the deferral is private; the channel should still see a public answer
    await interaction.edit_original_response(content="Done.", allowed_mentions=render.NO_PINGS)
    await interaction.followup.send(ephemeral=False, **rendered.kwargs())


def _shows_nothing(reply: Reply) -> bool:
    return reply.silent and not (
        reply.text or reply.table or reply.card or reply.attachment or reply.chart
    )


async def _safely(call: object) -> None:
    """A member who dismissed the interaction, or a token that expired, is not an error of
    ours: log and move on (the engine has already done the work)."""
    try:
        await call  # type: ignore[misc]
    except discord.HTTPException as exc:
        log.warning("interaction answer failed", extra={"status": exc.status, "error": exc.text})


# -- forms ---------------------------------------------------------------------------------


def command_form(command: Command) -> discord.ui.Modal:
    """The form ``/idea submit`` (or any ``form_when_empty`` command) opens with no options:
    one text input per option, at most five, as Discord allows."""
    modal = discord.ui.Modal(
        title=L.one_line(command.description, L.MODAL_TITLE),
        custom_id=ids.command_form(command.topic, command.verb),
        timeout=FORM_TIMEOUT,
    )
    for option in command.options[: L.MODAL_INPUTS]:
        modal.add_item(_text_input(option))
    return modal


def _text_input(option: Option) -> discord.ui.TextInput[discord.ui.Modal]:
    hint = option.description
    if option.choices:
        hint = f"{hint}: {', '.join(option.choices)}"
    elif option.kind == "boolean":
        hint = f"{hint} (yes or no)"
    maximum = min(option.max_length or L.TEXT_INPUT_MAX, L.TEXT_INPUT_MAX)
    return discord.ui.TextInput(
        label=L.one_line(option.name.capitalize(), L.TEXT_INPUT_LABEL),
        custom_id=option.name,
        placeholder=L.one_line(hint, L.TEXT_INPUT_PLACEHOLDER),
        style=discord.TextStyle.paragraph if option.kind == "text" else discord.TextStyle.short,
        required=option.required,
        min_length=option.min_length if option.kind in ("string", "text") else None,
        max_length=maximum,
    )


def answer_form(prompt_id: int, question: str) -> discord.ui.Modal:
    """The free-text form behind a text prompt's Answer button."""
    modal = discord.ui.Modal(
        title=L.one_line(f"Feedback #{prompt_id}", L.MODAL_TITLE),
        custom_id=ids.written_form(prompt_id),
        timeout=FORM_TIMEOUT,
    )
    modal.add_item(
        discord.ui.TextInput(
            label="Your answer",
            custom_id="answer",
            placeholder=L.one_line(question or "Your answer", L.TEXT_INPUT_PLACEHOLDER),
            style=discord.TextStyle.paragraph,
            required=True,
            max_length=2000,
        )
    )
    return modal
