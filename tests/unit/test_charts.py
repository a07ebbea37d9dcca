"""Charts as data: the NPS arithmetic, a chart's description, and a chart kept with an outbox
message survives storage as it was."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ports.prompts import Prompt
from bot.replies import Chart, Message, Table
from bot.services.insights import DAYS, display_name, points_per_rule, votes_per_day
from bot.services.outbox import decode, encode
from bot.services.prompt_results import distribution_chart, nps_score, nps_split, summarise

scores = st.lists(st.integers(min_value=0, max_value=10), max_size=200)


@given(scores)
def test_nps_split_puts_every_score_in_one_group(values: list[int]) -> None:
    promoters, passives, detractors = nps_split(values)
    assert promoters + passives + detractors == len(values)
    assert promoters == sum(1 for v in values if v >= 9)
    assert detractors == sum(1 for v in values if v <= 6)


@given(scores)
def test_nps_is_promoters_minus_detractors_in_percent(values: list[int]) -> None:
    score = nps_score(values)
    if not values:
        assert score is None
        return
    promoters, _, detractors = nps_split(values)
    exact = 100 * promoters / len(values) - 100 * detractors / len(values)
    assert score is not None and -100 <= score <= 100
    assert abs(score - exact) <= 0.5


def prompt(kind: str, options: tuple[str, ...] = (), anonymous: bool = False) -> Prompt:
    now = datetime(2026, 1, 5, tzinfo=UTC)
    return Prompt(
        id=7,
        community_id="console:test",
        kind=kind,  # type: ignore[arg-type]
        question="How  likely\nare you to recommend us?",
        options=options,
        anonymous=anonymous,
        subject=None,
        audience_role=None,
        closes_at=None,
        closed_at=None,
        channel_id=None,
        message_id=None,
        created_by="mod",
        created_at=now,
    )


@given(scores)
def test_an_nps_chart_counts_what_the_summary_counts(values: list[int]) -> None:
    distribution = tuple((str(s), values.count(s)) for s in range(11))
    chart = distribution_chart(prompt("nps"), distribution)
    assert chart is not None and chart.kind == "nps"
    assert chart.total == len(values) and chart.values == nps_split(values)
    assert chart.score == nps_score(values)
    assert chart.title == "Prompt #7: How likely are you to recommend us?"


def test_a_text_prompt_has_no_chart_and_a_summary_without_answers_has_none() -> None:
    assert distribution_chart(prompt("text"), ()) is None
    assert summarise(prompt("single", ("Red", "Blue")), []).chart is None


def test_a_chart_describes_itself_in_words() -> None:
    chart = Chart("nps", "Recommend us?", ("Promoters", "Passives", "Detractors"), (1, 0, 2))
    assert chart.describe() == "Recommend us?. Promoters: 1; Passives: 0; Detractors: 2."
    votes = Chart("bars", "Results", ("#1 Oat",), (1,), "vote", None)
    assert votes.describe() == "Results. #1 Oat: 1 vote."
    assert Chart("bars", "Empty", (), ()).describe() == "Empty. Nothing yet."
    with pytest.raises(ValueError, match="one value per label"):
        Chart("bars", "Odd", ("a", "b"), (1,))


def test_a_chart_survives_the_outbox() -> None:
    chart = Chart(
        "nps", "Prompt #1: <b>Recommend</b> “us”?", ("P", "Pa", "D"), (3, 0, 1), "response", 50
    )
    message = Message("Results", table=Table("Results", ("a",), (("1",),)), chart=chart)
    assert decode(encode(message)) == message
    assert decode(encode(Message("plain"))) == Message("plain")


def test_a_chart_this_version_cannot_read_is_left_out_not_fatal() -> None:
    stored = json.dumps({"text": "Results", "chart": {"kind": "pie", "title": "x"}})
    assert decode(stored) == Message("Results")
    broken = json.dumps({"text": "Results", "chart": {"kind": "bars", "labels": ["a"]}})
    assert decode(broken) == Message("Results")


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=24 * 40), st.integers(1, 50)), max_size=60
    ),
    st.sampled_from(["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati"]),
)
def test_votes_per_day_keep_every_vote_of_the_window(
    offsets: list[tuple[int, int]], zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)
    first_day = date(2026, 1, 1)
    start = datetime.combine(first_day, datetime.min.time(), zone).astimezone(UTC)
    hours = sorted({start + timedelta(hours=h): n for h, n in offsets}.items())
    days = votes_per_day(hours, first_day, zone)
    assert len(days) == DAYS and days[0].day == first_day
    assert [d.day for d in days] == [first_day + timedelta(days=n) for n in range(DAYS)]
    inside = sum(
        n for hour, n in hours if hour.astimezone(zone).date() < first_day + timedelta(DAYS)
    )
    assert sum(d.votes for d in days) == inside


def test_points_per_rule_use_names_and_net_reversals() -> None:
    rows = [("idea_submitted", 30), ("vote_cast", 5), ("manual", 0), ("thread_comment", -0)]
    assert [(r.rule, r.points) for r in points_per_rule(rows)] == [
        ("submitting an idea", 30),
        ("casting a vote", 5),
    ]


def test_a_contributor_is_never_shown_by_platform_id() -> None:
    assert display_name("Ana", "U123") == "Ana"
    assert display_name("U123", "U123") != "U123"
    assert display_name(None, "U123") != "U123"
