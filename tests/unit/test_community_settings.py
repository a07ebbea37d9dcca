from __future__ import annotations

import pytest

from config.community import (
    CommunitySettings,
    SettingError,
    apply_setting,
    flatten,
    setting_keys,
)


def test_defaults_are_sensible() -> None:
    s = CommunitySettings()
    assert not s.public_board
    assert s.vote_mode == "up" and s.vote_emojis() == ("👍",)
    assert not s.allow_self_votes and s.points.vote_cast.value == 1


@pytest.mark.parametrize(
    ("key", "raw", "check"),
    [
        ("vote_mode", "updown", lambda s: s.vote_emojis() == ("👍", "👎")),
        ("points.vote_cast.daily_cap", "5", lambda s: s.points.vote_cast.daily_cap == 5),
        ("points.vote_cast.daily_cap", "none", lambda s: s.points.vote_cast.daily_cap is None),
        ("milestones", "50, 10", lambda s: s.milestones == [10, 50]),
        ("review_queue", "on", lambda s: s.review_queue is True),
        ("public_board", "on", lambda s: s.public_board is True),
        # "off" clears an optional value, but it turns a switch off
        ("review_queue", "off", lambda s: s.review_queue is False),
        ("public_board", "off", lambda s: s.public_board is False),
        ("board_name", "Acme Snacks", lambda s: s.board_name == "Acme Snacks"),
        ("timezone", "Europe/Paris", lambda s: s.timezone == "Europe/Paris"),
        ("ideas_channel", "C123", lambda s: s.ideas_channel == "C123"),
        ("ideas_channel", "none", lambda s: s.ideas_channel is None),
        ("VOTE_MODE", "scale", lambda s: s.vote_scheme().value("3️⃣") == 3),
    ],
)
def test_apply_setting_valid(key: str, raw: str, check) -> None:  # type: ignore[no-untyped-def]
    assert check(apply_setting(CommunitySettings(), key, raw))


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("vote_mode", "sideways", "vote_mode can't be “sideways”: it takes up, updown or scale"),
        ("timezone", "Mars/Olympus", "not a timezone I know"),
        ("no_such_key", "1", "no setting called"),
        ("min_member_days", "-1", "a whole number from 0 to 3,650"),
        ("review_queue", "maybe", "it takes yes or no"),
        ("points.vote_cast.value", "none", "needs a value"),
        ("emoji_down", "👍", "must differ"),
        ("scale_emojis", "a,b", "five different emojis"),
        ("points", "3", "no setting called"),
    ],
)
def test_apply_setting_invalid_changes_nothing(key: str, raw: str, message: str) -> None:
    before = CommunitySettings()
    snapshot = before.model_dump()
    with pytest.raises(SettingError, match=message):
        apply_setting(before, key, raw)
    assert before.model_dump() == snapshot


def test_flatten_lists_every_key_once() -> None:
    rows = flatten(CommunitySettings())
    keys = [k for k, _ in rows]
    assert keys == setting_keys() and len(set(keys)) == len(keys)
    assert ("vote_mode", "up") in rows and ("ideas_channel", "(not set)") in rows


def test_optional_numbers_can_be_cleared_required_ones_cannot() -> None:
    assert apply_setting(CommunitySettings(), "review_threshold", "none").review_threshold is None
    with pytest.raises(SettingError, match="needs a value"):
        apply_setting(CommunitySettings(), "min_member_days", "none")
    with pytest.raises(SettingError, match="needs a value"):
        apply_setting(CommunitySettings(), "vote_mode", "none")


PYDANTIC_WORDS = ("Input should", "Value error", "validation error", "type=", "pydantic")


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("vote_mode", "sideways"),
        ("min_member_days", "-1"),
        ("min_member_days", "lots"),
        ("review_queue", "maybe"),
        ("milestones", "a,b"),
        ("milestones", "0"),
        ("review_threshold", "x"),
        ("points.vote_cast.daily_cap", "-2"),
        ("reminder_hours", "999"),
        ("emoji_down", "👍"),
        ("timezone", "Mars/Olympus"),
        ("moderator_role", "[1]"),
        ("points.vote_cast.value", "none"),
    ],
)
def test_bad_setting_is_one_sentence_naming_the_setting_and_what_it_takes(
    key: str, raw: str
) -> None:
    with pytest.raises(SettingError) as caught:
        apply_setting(CommunitySettings(), key, raw)
    text = str(caught.value)
    assert key in text and text.endswith(".") and "\n" not in text
    assert not any(word in text for word in PYDANTIC_WORDS), text
    assert f"'{raw}'" not in text and "{" not in text, text
