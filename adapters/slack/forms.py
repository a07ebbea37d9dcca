"""Modals: a command's options as a form, and the free-text answer to a prompt.

The form is built from the one command model (``bot.commands``), so a new option appears in
Slack's modal without touching this adapter. A submitted form becomes the same option dict the
text parser produces, and the engine checks it with the same rules.
"""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.blocks import Block, clip, plain
from bot.commands.spec import Command, Option

COMMAND_CALLBACK = "cocreate_command"
PROMPT_TEXT_CALLBACK = "cocreate_prompt_text"
ACTION = "value"
TITLE_TEXT = 24
LABEL_TEXT = 2000
HINT_TEXT = 2000
INPUT_MAX = 3000
SELECT_OPTIONS = 100
PROMPT_TEXT_MAX = 2000


def command_modal(command: Command, channel_id: str) -> dict[str, Any]:
    """views.open payload for ``command`` (``private_metadata`` says what to run, and where)."""
    meta = {"topic": command.topic, "verb": command.verb, "channel": channel_id}
    title = "Submit an idea" if command.path == "idea submit" else command.path.capitalize()
    return {
        "type": "modal",
        "callback_id": COMMAND_CALLBACK,
        "private_metadata": json.dumps(meta),
        "title": plain(title, TITLE_TEXT),
        "submit": plain("Submit", TITLE_TEXT),
        "close": plain("Cancel", TITLE_TEXT),
        "blocks": [_input(opt) for opt in command.options][:100],
    }


def _input(opt: Option) -> Block:
    block: Block = {
        "type": "input",
        "block_id": opt.name,
        "optional": not opt.required,
        "label": plain(opt.name.replace("_", " ").capitalize(), LABEL_TEXT),
        "hint": plain(opt.description, HINT_TEXT),
        "element": _element(opt),
    }
    return block


def _element(opt: Option) -> dict[str, Any]:
    if opt.kind == "member":
        return {"type": "users_select", "action_id": ACTION}
    if opt.kind == "integer":
        element: dict[str, Any] = {
            "type": "number_input",
            "action_id": ACTION,
            "is_decimal_allowed": False,
        }
        if opt.min_value is not None:
            element["min_value"] = str(opt.min_value)
        if opt.max_value is not None:
            element["max_value"] = str(opt.max_value)
        return element
    if opt.kind in ("choice", "boolean"):
        values = opt.choices if opt.kind == "choice" else ("yes", "no")
        return {
            "type": "static_select",
            "action_id": ACTION,
            "options": [
                {"text": plain(v.replace("_", " "), 75), "value": v}
                for v in values[:SELECT_OPTIONS]
            ],
        }
    if opt.autocomplete is not None:
        # options come from the engine's suggestions while the member types (block_suggestion)
        return {
            "type": "external_select",
            "action_id": f"{ACTION}:{opt.autocomplete}",
            "min_query_length": 0,
        }
    element = {
        "type": "plain_text_input",
        "action_id": ACTION,
        "multiline": opt.kind == "text",
        "max_length": min(opt.max_length or INPUT_MAX, INPUT_MAX),
    }
    if opt.min_length:
        element["min_length"] = opt.min_length
    return element


def form_target(view: dict[str, Any]) -> tuple[str, str, str]:
    """(topic, verb, channel) a submitted command form was opened for."""
    meta = json.loads(view.get("private_metadata") or "{}")
    return str(meta.get("topic", "")), str(meta.get("verb", "")), str(meta.get("channel", ""))


def form_options(command: Command, values: dict[str, Any]) -> dict[str, Any]:
    """The options a member filled in, as strings/ints the engine's coercion accepts."""
    options: dict[str, Any] = {}
    for opt in command.options:
        state = values.get(opt.name) or {}
        if not state:
            continue
        value = _state_value(next(iter(state.values())))
        if value not in (None, ""):
            options[opt.name] = value
    return options


def _state_value(state: dict[str, Any]) -> Any:
    kind = state.get("type")
    if kind in ("static_select", "external_select"):
        selected = state.get("selected_option") or {}
        return selected.get("value")
    if kind == "users_select":
        return state.get("selected_user")
    return state.get("value")


def prompt_text_modal(prompt_id: int, question: str, channel_id: str) -> dict[str, Any]:
    meta = {"prompt": prompt_id, "channel": channel_id}
    return {
        "type": "modal",
        "callback_id": PROMPT_TEXT_CALLBACK,
        "private_metadata": json.dumps(meta),
        "title": plain(f"Prompt #{prompt_id}", TITLE_TEXT),
        "submit": plain("Send", TITLE_TEXT),
        "close": plain("Cancel", TITLE_TEXT),
        "blocks": [
            {
                "type": "input",
                "block_id": "answer",
                "label": plain(clip(question, LABEL_TEXT), LABEL_TEXT),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ACTION,
                    "multiline": True,
                    "max_length": PROMPT_TEXT_MAX,
                },
            }
        ],
    }


def prompt_text_answer(view: dict[str, Any]) -> tuple[int, str, str]:
    """(prompt id, answer text, channel) from a submitted free-text answer."""
    meta = json.loads(view.get("private_metadata") or "{}")
    values = view.get("state", {}).get("values", {})
    answer = values.get("answer", {}).get(ACTION, {}).get("value") or ""
    return int(meta.get("prompt", 0)), str(answer), str(meta.get("channel", ""))
