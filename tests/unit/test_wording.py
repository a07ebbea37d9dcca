"""The small grammar every reply uses: plurals, ordinals, articles, name lists, quotes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.wording import a_an, join_names, ordinal, page_of, past_the_end, plural, quoted
from config.community import RULE_NAMES, RULES, rule_name


def spelled_suffix(n: int) -> str:
    """The suffix rule as an English grammar book states it, written independently."""
    last_two = n % 100
    if last_two in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


@given(st.integers(min_value=0, max_value=10_000))
def test_ordinal_suffix_follows_the_rule(n: int) -> None:
    assert ordinal(n) == f"{n}{spelled_suffix(n)}"


def test_ordinal_examples() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 112)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd",
        "101st", "111th", "112th",
    ]  # fmt: skip


@given(st.integers(min_value=-1_000_000, max_value=1_000_000))
def test_plural_is_singular_exactly_for_one(n: int) -> None:
    text = plural(n, "vote")
    assert text == (f"{n:,} vote" if abs(n) == 1 else f"{n:,} votes")
    assert "(s)" not in text


def test_plural_spelling() -> None:
    assert plural(0, "idea") == "0 ideas"
    assert plural(1, "member") == "1 member"
    assert plural(2, "reply") == "2 replies"
    assert plural(2, "entry") == "2 entries"
    assert plural(1_500, "point") == "1,500 points"
    assert plural(2, "more minute") == "2 more minutes"


def test_articles() -> None:
    assert a_an("idea") == "an idea"
    assert a_an("reward") == "a reward"
    assert a_an("hour") == "an hour"
    assert a_an("unique prize") == "a unique prize"
    assert a_an("NPS prompt") == "an NPS prompt"


@given(st.lists(st.text(alphabet="abcXYZ", min_size=1, max_size=5), max_size=6))
def test_join_names_keeps_every_name_in_order(names: list[str]) -> None:
    joined = join_names(names)
    if len(names) >= 2:
        assert joined.endswith(f" and {names[-1]}")
        assert joined.count(", ") == len(names) - 2
    if not names:
        assert joined == ""
    for name in names:
        assert name in joined
    assert join_names(["A", "B", "C"]) == "A, B and C"
    assert join_names(["A"]) == "A"


def test_quotes_are_typographic_never_repr() -> None:
    assert quoted("Oat milk") == "“Oat milk”"
    assert quoted("it's") == "“it's”"


def test_pages() -> None:
    assert page_of(1, 3) == "page 1 of 3"
    assert page_of(1, 0) == "page 1 of 1"
    assert past_the_end("ideas", 9, 3) == "There are no ideas on page 9; there are 3 pages."
    assert past_the_end("ideas", 2, 1) == "There are no ideas on page 2; there is 1 page."


def test_every_rule_has_a_human_name() -> None:
    for rule in RULES:
        assert rule in RULE_NAMES
        assert "_" not in rule_name(rule)
    assert rule_name("vote_cast") == "casting a vote"
    assert rule_name("idea_submitted") == "submitting an idea"
