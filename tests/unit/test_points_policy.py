"""The one ledger policy, as pure functions: nothing taken below zero, nothing lost track of."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.services.points import plan_reversal, reversal_reason, takeable

points = st.integers(-1_000_000, 1_000_000)
balances = st.integers(0, 2_000_000)


@given(balance=balances, wanted=st.integers(0, 2_000_000))
def test_takeable_never_takes_more_than_is_there(balance: int, wanted: int) -> None:
    taken = takeable(balance, wanted)
    assert 0 <= taken <= wanted and balance - taken >= 0
    assert taken == wanted or balance - taken == 0  # it stops only at zero


@given(original=points, balance=balances)
def test_a_reversal_takes_back_what_is_there_and_records_the_rest(
    original: int, balance: int
) -> None:
    plan = plan_reversal(original, balance)
    assert balance + plan.amount >= 0
    if original <= 0:  # giving held points back is always whole
        assert (plan.amount, plan.shortfall) == (-original, 0)
    else:
        assert plan.taken + plan.shortfall == original and plan.amount <= 0


def test_the_shortfall_is_written_in_words() -> None:
    assert reversal_reason("vote received", 0) == "reversed: vote received"
    assert reversal_reason("idea submitted", 1) == (
        "reversed: idea submitted (1 point not taken back: already spent or held)"
    )
