"""Translation from recorded Discord payloads to neutral events, and back to Discord's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import pytest

from adapters.discord import ids, render
from adapters.discord import limits as L
from adapters.discord import translate as tr
from bot.events import (
    AutocompleteRequested,
    CommandInvoked,
    PromptAnswered,
    ReactionAdded,
    ReactionRemoved,
)
from bot.replies import IdeaCard, Message, PromptView, Reply, Table
from tests.command_model import command_model

PAYLOADS = Path(__file__).parent / "payloads"
BOT = "1230000000000000001"
REGISTRY = command_model()


def payload(name: str) -> dict[str, Any]:
    return dict(json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8")))


def test_reaction_add_becomes_a_vote_with_the_member_behind_it() -> None:
    event = tr.reaction(payload("reaction_add"), added=True, event_id="e1", bot_id=BOT)
    assert isinstance(event, ReactionAdded)
    assert (event.channel_id, event.message_id, event.emoji) == (
        "1230000000000000003",
        "1230000000000000002",
        "👍",
    )
    actor = event.actor
    assert actor.community_id == "discord:41771983423143937"
    assert (actor.member_id, actor.display_name) == ("80351110224678912", "Nel")
    assert actor.roles == frozenset({"41771983423143936"})
    assert actor.joined_at == datetime(2023, 3, 1, 12, tzinfo=UTC)
    # the account's age, from its id, as discord.py itself decodes it
    assert actor.account_created_at == discord.utils.snowflake_time(80351110224678912)


def test_reactions_by_bots_are_marked_for_the_engine_to_ignore() -> None:
    data = payload("reaction_add")
    itself = tr.reaction(data, added=True, event_id="e", bot_id="80351110224678912")
    assert itself is not None and itself.actor.is_bot
    known = tr.reaction(data, added=True, event_id="e", bot_id=BOT, known_bot=True)
    assert known is not None and known.actor.is_bot
    bot_user = json.loads(json.dumps(data))
    bot_user["member"]["user"]["bot"] = True
    named = tr.reaction(bot_user, added=True, event_id="e", bot_id=BOT)
    assert named is not None and named.actor.is_bot
    # any emoji is passed on: only the engine knows which are a card's votes
    star = json.loads(json.dumps(data))
    star["emoji"] = {"id": None, "name": "⭐"}
    event = tr.reaction(star, added=True, event_id="e", bot_id=BOT)
    assert event is not None and event.emoji == "⭐" and not event.actor.is_bot
    del data["guild_id"]
    assert tr.reaction(data, added=True, event_id="e", bot_id=BOT) is None


def test_a_custom_emoji_removal_reads_as_members_type_it() -> None:
    event = tr.reaction(payload("reaction_remove_custom"), added=False, event_id="e", bot_id=BOT)
    assert isinstance(event, ReactionRemoved)
    assert event.emoji == "<:upvote:1100000000000000000>"
    assert event.actor.roles == frozenset()


def test_gateway_event_ids_tell_replays_from_repeated_actions() -> None:
    first = ids.gateway_event("session-a", 41, "x")
    assert first == ids.gateway_event("session-a", 41, "y")  # the same dispatch replayed
    assert first != ids.gateway_event("session-a", 43, "x")  # add again, later: a new event
    assert first != ids.gateway_event("session-b", 41, "x")  # another session
    assert ids.gateway_event(None, None, "u1") != ids.gateway_event(None, None, "u2")


def test_thread_message_needs_no_content() -> None:
    event = tr.thread_message(payload("message_create_thread"), parent_id="1230000000000000003")
    assert event is not None
    assert event.event_id == "discord:message:1230000000000000010"
    assert (event.thread_id, event.channel_id) == ("1230000000000000002", "1230000000000000003")
    system = payload("message_create_thread")
    system["type"] = 18  # "thread created" notice
    assert tr.thread_message(system) is None
    webhook = payload("message_create_thread")
    webhook["webhook_id"] = "1"
    assert tr.thread_message(webhook) is None


def test_a_subcommand_group_is_a_two_word_verb() -> None:
    found = tr.command(payload("command_config_set"), REGISTRY)
    assert found is not None
    command, event = found
    assert isinstance(event, CommandInvoked)
    assert (command.topic, command.verb) == ("cocreate", "config set")
    assert event.options == {"key": "vote_mode", "value": "updown"}
    assert event.event_id == "discord:interaction:1230000000000000020"
    assert event.actor.is_admin  # the payload's permissions include Manage Server


def test_autocomplete_names_the_kind_of_value() -> None:
    found = tr.autocomplete(payload("autocomplete_idea"), REGISTRY)
    assert found is not None
    kind, request = found
    assert kind == "integer"
    assert isinstance(request, AutocompleteRequested)
    assert (request.kind, request.prefix) == ("idea", "oat")
    assert not request.actor.is_admin


def test_a_form_with_label_wrappers_becomes_the_command() -> None:
    found = tr.form_command(payload("modal_submit_label"), REGISTRY)
    assert found is not None
    assert found[1].options == {"title": "Oat latte", "description": "Creamy"}


def test_components_outside_a_server_or_not_ours_are_ignored() -> None:
    assert tr.prompt_answer(payload("select_in_dm")) is None
    inside = payload("modal_submit_label")
    inside["data"] = {"custom_id": "cocreate:choose:7", "values": ["Red"], "component_type": 3}
    answered = tr.prompt_answer(inside)
    assert isinstance(answered, PromptAnswered) and answered.values == ("Red",)
    inside["data"]["custom_id"] = "otherbot:choose:7"
    assert tr.prompt_answer(inside) is None


@pytest.mark.parametrize(
    ("custom_id", "expected"),
    [
        (ids.answer_button(3, "4"), ids.Parsed("answer", 3, "4")),
        (ids.answer_select(3), ids.Parsed("choose", 3)),
        (ids.write_button(9), ids.Parsed("write", 9)),
        (
            ids.command_form("cocreate", "config set"),
            ids.Parsed("form", topic="cocreate", verb="config set"),
        ),
        ("cocreate:answer:x:4", None),
        ("cocreate:choose:3:extra", None),
        ("something:else", None),
    ],
)  # fmt: skip
def test_custom_ids_round_trip(custom_id: str, expected: ids.Parsed | None) -> None:
    assert ids.parse(custom_id) == expected
    assert len(custom_id) <= 100


def test_limits_cut_safely() -> None:
    assert L.cut("abc", 3) == "abc"
    assert L.cut("abcdef", 4) == "abc…"
    assert L.one_line("a\n b", 10) == "a b"
    block = L.code_block([f"row {n} " + "x" * 50 for n in range(200)], 1000)
    assert len(block) <= 1000 and block.endswith("\n```") and "more" in block


async def test_render_keeps_every_part_within_discords_limits() -> None:
    huge = "y" * 9000
    card = IdeaCard(1, huge, huge, "1", huge, "new", huge, huge, ("👍",))
    out = render.message(
        Message(text=huge, card=card, table=Table(huge, ("a",), tuple((huge,) for _ in range(500))))
    )
    assert out.content is not None and len(out.content) <= L.CONTENT
    embed = out.embeds[0]
    assert len(embed.title or "") <= L.EMBED_TITLE
    assert all(len(f.value or "") <= L.FIELD_VALUE for f in embed.fields)
    assert sum(len(e) for e in out.embeds) <= L.EMBED_TOTAL
    assert out.kwargs()["allowed_mentions"].to_dict() == {"parse": []}


async def test_prompt_controls_carry_the_prompt_id() -> None:
    nps = PromptView(5, "nps", "Recommend us?", None, (), False, None)
    view = render.prompt_view(nps)
    assert view is not None and view.timeout is None
    rows = view.to_components()
    assert len(rows) == 3
    assert rows[0]["components"][0]["custom_id"] == ids.answer_button(5, "0")
    closed = PromptView(5, "rating", "Q", None, (), False, None, closed=True)
    assert render.prompt_view(closed) is None
    reply = render.reply(Reply("Prompt #5 created", prompt=nps))
    assert reply.view is None and reply.embeds[0].description == "Recommend us?"
