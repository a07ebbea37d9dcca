"""The sliding-window limiter: exactly "N in any M seconds", a wait to name, bounded memory."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ratelimit import Rate, RateLimiter


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_three_per_ten_minutes_then_a_wait_that_counts_down() -> None:
    t = Ticks()
    limiter = RateLimiter(Rate(3, 600), t)
    assert [limiter.attempt("ada").allowed for _ in range(3)] == [True, True, True]
    refused = limiter.attempt("ada")
    assert not refused.allowed and refused.retry_after == 600
    assert refused.retry_after_seconds == 600 and refused.retry_after_minutes == 10
    t.now += 599.5
    later = limiter.attempt("ada")
    assert not later.allowed and later.retry_after_seconds == 1 and later.retry_after_minutes == 1
    t.now += 0.5
    assert limiter.attempt("ada").allowed


def test_keys_are_independent_and_refusals_are_not_counted() -> None:
    t = Ticks()
    limiter = RateLimiter(Rate(1, 60), t)
    assert limiter.attempt("a").allowed
    for _ in range(50):  # hammering does not push the wait out
        assert not limiter.attempt("a").allowed
    assert limiter.attempt("b").allowed
    t.now += 60
    assert limiter.attempt("a").allowed


def test_peek_records_nothing_and_record_counts() -> None:
    t = Ticks()
    limiter = RateLimiter(Rate(2, 10), t)
    for _ in range(5):
        assert limiter.peek("k").allowed
    limiter.record("k")
    limiter.record("k")
    assert not limiter.peek("k").allowed


def test_memory_is_bounded_expired_keys_first() -> None:
    t = Ticks()
    limiter = RateLimiter(Rate(1, 10), t, max_keys=3)
    limiter.attempt("old")
    t.now += 20  # "old" has left its window
    for key in ("a", "b", "c"):
        limiter.attempt(key)
    assert len(limiter) == 3
    assert not limiter.attempt("a").allowed  # still remembered: the expired key went first
    limiter.attempt("d")  # nothing expired: the least recently used ("b") goes
    assert len(limiter) == 3
    assert limiter.attempt("b").allowed


def test_a_rate_must_make_sense() -> None:
    with pytest.raises(ValueError):
        Rate(0, 10)
    with pytest.raises(ValueError):
        Rate(1, 0)


@given(
    count=st.integers(1, 5),
    per=st.integers(1, 100),
    gaps=st.lists(st.sampled_from([0, 0, 0.5, 1, 3, 7, 20, 150]), min_size=1, max_size=60),
)
def test_never_more_than_count_in_any_window(count: int, per: int, gaps: list[float]) -> None:
    t = Ticks()
    limiter = RateLimiter(Rate(count, per), t)
    allowed: list[float] = []
    for gap in gaps:
        t.now += gap
        decision = limiter.attempt("k")
        if decision.allowed:
            allowed.append(t.now)
        else:
            # the wait it names is exactly right: allowed then, not a moment before
            assert decision.retry_after > 0
            assert limiter.peek("k").allowed is False
    for i, start in enumerate(allowed):
        inside = [s for s in allowed[i:] if s < start + per]
        assert len(inside) <= count
    # and it is not stricter than it says: once the wait has passed, an attempt is allowed
    wait = limiter.peek("k").retry_after
    t.now += wait
    assert limiter.peek("k").allowed
