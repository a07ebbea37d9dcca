from __future__ import annotations

import pytest

from bot.commands.spec import coerce_options
from bot.commands.text import parse_command
from bot.errors import UserError
from tests.command_model import command_model

REGISTRY = command_model()


def parse(topic: str, text: str) -> tuple[str, dict[str, object]]:
    parsed = parse_command(REGISTRY, topic, text)
    return parsed.command.verb, coerce_options(parsed.command, parsed.options)


def test_named_and_quoted_options() -> None:
    verb, opts = parse("idea", 'submit title:"Oat latte" description="Creamy and light"')
    assert verb == "submit"
    assert opts == {"title": "Oat latte", "description": "Creamy and light"}


def test_positional_options_in_declared_order_and_greedy_reason() -> None:
    verb, opts = parse("idea", "status 3 declined too costly for now")
    assert verb == "status"
    assert opts == {"idea": 3, "status": "declined", "reason": "too costly for now"}


def test_two_word_verbs() -> None:
    verb, opts = parse("cocreate", "config set vote_mode updown")
    assert verb == "config set" and opts == {"key": "vote_mode", "value": "updown"}


def test_member_mentions_are_normalised() -> None:
    _, opts = parse("idea", "list author:<@!1234>")
    assert opts["author"] == "1234"


@pytest.mark.parametrize(
    ("topic", "text", "message"),
    [
        ("idea", "explode", "has no `explode`"),
        ("nope", "list", "Unknown command"),
        ("idea", 'submit title:"unclosed', "quote is not closed"),
        ("idea", "show twelve", "whole number"),
        ("idea", "show 1 2", "Too many values"),
        ("idea", "status 1 sideways", "must be one of"),
        ("idea", "list colour:red", "no option"),
    ],
)
def test_bad_command_text_is_a_friendly_error(topic: str, text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse(topic, text)


@pytest.mark.parametrize(
    "text",
    ["submit title:A title:B", 'submit title:"Oat latte" description:x title="Mint tea"'],
)
def test_an_option_given_twice_is_an_error_not_last_wins(text: str) -> None:
    with pytest.raises(UserError, match="You gave title twice"):
        parse("idea", text)


def test_invisible_text_counts_as_not_given() -> None:
    with pytest.raises(UserError, match="The title you gave is empty"):
        parse("idea", 'submit title:"\u200b\u2060\ufeff \u202e"')
    with pytest.raises(UserError, match="`/idea submit` is missing `title`"):
        parse("idea", "submit")
    _, opts = parse("idea", 'submit title:"\u202eOat latte\u202c\u200b"')
    assert opts == {"title": "Oat latte"}
