"""Slack payloads (recorded shapes from Slack's docs) -> neutral events: pure functions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.slack import translate
from bot.errors import UserError
from bot.events import (
    Actor,
    CommandInvoked,
    PromptAnswered,
    ReactionAdded,
    ReactionRemoved,
    ThreadMessagePosted,
)
from tests.command_model import command_model

PAYLOADS = Path(__file__).parent / "payloads"
REGISTRY = command_model()


def load(name: str) -> dict[str, Any]:
    return dict(json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8")))


def actor(body: dict[str, Any]) -> Actor:
    user = translate.user_of(body) or str((body.get("event") or {}).get("user", ""))
    return Actor(translate.community_id(translate.team_of(body)), user)


def test_a_reaction_keeps_the_envelope_event_id_and_maps_the_emoji_explicitly() -> None:
    body = load("reaction_added")
    event = translate.reaction(body, actor(body))
    assert isinstance(event, ReactionAdded)
    assert event.event_id == "slack:Ev0PV52K21"
    assert (event.channel_id, event.message_id) == ("C061EG9SL", "1464196127.000002")
    assert event.emoji == "👍"
    assert event.community_id == "slack:T061EG9R6"
    body["event"]["type"] = "reaction_removed"
    assert isinstance(translate.reaction(body, actor(body)), ReactionRemoved)


def test_reactions_on_files_and_unknown_emoji_are_not_votes() -> None:
    body = load("reaction_added")
    body["event"]["item"] = {"type": "file", "file": "F1"}
    assert translate.reaction(body, actor(body)) is None
    body = load("reaction_added")
    body["event"]["reaction"] = "partyparrot"
    event = translate.reaction(body, actor(body))
    assert event is not None and event.emoji == ":partyparrot:"


def test_thread_replies_become_comments_and_other_messages_are_dropped() -> None:
    body = load("thread_reply")
    event = translate.thread_message(body, actor(body))
    assert isinstance(event, ThreadMessagePosted)
    assert (event.thread_id, event.message_id) == ("1464196127.000002", "1464196200.000100")
    for change in (
        {"thread_ts": None},
        {"ts": "1464196127.000002"},  # the parent itself
        {"bot_id": "B1"},
        {"subtype": "message_changed"},
        {"subtype": "channel_join"},
    ):
        assert (
            translate.thread_message({**body, "event": {**body["event"], **change}}, actor(body))
            is None
        )


def test_slash_command_text_is_unescaped_and_parsed_by_the_command_model() -> None:
    body = load("slash_command")
    event = translate.slash_command(REGISTRY, body, actor(body))
    assert isinstance(event, CommandInvoked)
    assert (event.topic, event.verb) == ("points", "grant")
    assert event.options == {
        "member": "<@U0BEN|ben>",
        "amount": "50",
        "reason": "great & timely <!here>",
    }
    assert event.event_id == "slack:cmd:13345224609.738474920.8088930838d88f008e0"
    assert event.channel_id == "C2147483705"


@pytest.mark.parametrize(
    ("command", "text", "form"),
    [
        ("/idea", "", "idea submit"),
        ("/idea", "submit", "idea submit"),
        ("/prompt", "", "prompt create"),
        ("/prompt", "create", "prompt create"),
    ],
)
def test_commands_with_a_form_open_it_when_given_nothing(
    command: str, text: str, form: str
) -> None:
    outcome = translate.slash_command(REGISTRY, {"command": command, "text": text}, actor({}))
    assert isinstance(outcome, translate.OpenForm) and outcome.command.path == form


def test_bare_commands_with_a_default_run_it_and_bad_text_is_a_user_error() -> None:
    outcome = translate.slash_command(REGISTRY, {"command": "/leaderboard", "text": ""}, actor({}))
    assert isinstance(outcome, CommandInvoked) and outcome.verb == "show"
    with pytest.raises(UserError):
        translate.slash_command(REGISTRY, {"command": "/idea", "text": "fly"}, actor({}))


def test_a_multi_select_answers_a_prompt_with_every_chosen_option() -> None:
    body = load("block_actions_select")
    event = translate.prompt_answer(body, body["actions"][0], actor(body))
    assert isinstance(event, PromptAnswered)
    assert (event.prompt_id, event.values) == (7, ("Red", "Blue"))
    assert event.event_id == "slack:act:12466734323.1395872398"
    other = {**body["actions"][0], "action_id": "somebody_elses_button"}
    assert translate.prompt_answer(body, other, actor(body)) is None


def test_a_submitted_form_becomes_the_command_with_only_filled_options() -> None:
    body = load("view_submission")
    event = translate.form_submission(REGISTRY, body, actor(body))
    assert (event.topic, event.verb, event.channel_id) == ("idea", "submit", "C0CA5")
    assert event.options == {"title": "Pumpkin chai"}
    assert event.event_id == "slack:view:12345.98765.abcd2358fdea"


def test_a_stale_form_for_an_unknown_command_is_refused() -> None:
    body = load("view_submission")
    body["view"]["private_metadata"] = json.dumps({"topic": "idea", "verb": "fly"})
    with pytest.raises(UserError):
        translate.form_submission(REGISTRY, body, actor(body))
