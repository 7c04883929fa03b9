"""The savings-plan optimiser: exact on hand-worked cases, equal to brute force, never worse
than the rule of thumb, and it refuses to plan without a known discount rate."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlcost.billing import savings_plan as sp
from mlcost.errors import UserError


def brute_force(spend: np.ndarray, ratio: np.ndarray) -> float:
    """Best net savings over every candidate commitment.

    Net savings is concave piecewise-linear in the commitment with kinks where, in some hour,
    the commitment exactly pays for the cheapest-under-the-plan families (cumulative sums
    of ratio x spend in ascending ratio order), so its maximum is at one of those points.
    """
    order = np.argsort(ratio, kind="stable")
    candidates = {0.0}
    for t in range(spend.shape[1]):
        candidates.update(np.cumsum(ratio[order] * spend[order, t]).tolist())
    return max(sp.evaluate(c, spend, ratio).net_savings for c in candidates)


def test_hand_worked_single_family() -> None:
    # 4 hours of $10, $10, $10, $2 on-demand; plan price 0.6 x on-demand.
    # commit c <= 1.2 ($2 at plan price): savings 4 * (c/0.6 - c) = 2.667c -> 3.2 at c=1.2
    # commit c in (1.2, 6]: 3 hours save c/0.6 - c, one hour pays c for 2 of usage:
    #   3*(0.667c) + (2 - c) = c + 2 -> 8 at c = 6; beyond 6 every hour loses.
    spend = np.array([[10.0, 10.0, 10.0, 2.0]])
    ratio = np.array([0.6])
    c = sp.solve_lp(spend, ratio)
    assert c == pytest.approx(6.0, abs=1e-6)
    out = sp.evaluate(c, spend, ratio)
    assert out.net_savings == pytest.approx(8.0, abs=1e-6)
    assert out.utilisation == pytest.approx((6 * 3 + 1.2) / 24)  # 0.8
    thumb = sp.rule_of_thumb(spend, ratio)
    assert thumb == pytest.approx(1.2)
    assert sp.evaluate(thumb, spend, ratio).net_savings == pytest.approx(3.2)


def test_higher_discount_family_is_covered_first() -> None:
    # one hour, $10 of a 50%-off family and $10 of a 20%-off family, commitment $5:
    # it buys the whole 50%-off usage ($10 on-demand), saving $5.
    spend = np.array([[10.0], [10.0]])
    out = sp.evaluate(5.0, spend, np.array([0.5, 0.8]))
    assert out.net_savings == pytest.approx(5.0)
    assert out.coverage == pytest.approx(0.5)


spend_matrix = st.integers(1, 3).flatmap(
    lambda k: st.integers(1, 8).flatmap(
        lambda t: st.lists(
            st.lists(
                st.floats(0, 50, allow_nan=False).map(lambda v: round(v, 2)), min_size=t, max_size=t
            ),
            min_size=k,
            max_size=k,
        )
    )
)
ratios = st.lists(st.floats(0.3, 0.95).map(lambda v: round(v, 3)), min_size=3, max_size=3)


@settings(max_examples=150, deadline=None)
@given(spend_matrix, ratios)
def test_lp_matches_brute_force_and_beats_rule_of_thumb(
    rows: list[list[float]], rs: list[float]
) -> None:
    spend = np.array(rows)
    ratio = np.array(rs[: spend.shape[0]])
    best = sp.evaluate(sp.solve_lp(spend, ratio), spend, ratio).net_savings
    assert best == pytest.approx(brute_force(spend, ratio), abs=1e-6)
    thumb = sp.evaluate(sp.rule_of_thumb(spend, ratio), spend, ratio).net_savings
    assert best >= thumb - 1e-6


def _rates(tmp_path: Path, **kw: object) -> Path:
    data = {
        "plan": "sagemaker",
        "term_years": 1,
        "payment": "no-upfront",
        "source": "user-supplied test rates, 2025-06-01",
        "discounts": {"g5": 0.4},
    }
    data.update(kw)
    p = tmp_path / "rates.json"
    p.write_text(json.dumps(data))
    return p


def test_plan_refuses_family_without_rate(tmp_path: Path) -> None:
    rates = sp.load_rates(_rates(tmp_path))
    with pytest.raises(UserError, match="p4d"):
        sp.plan(np.ones((2, 3)), ["g5", "p4d"], rates)


def test_plan_with_default_rate_reports_curve(tmp_path: Path) -> None:
    rates = sp.load_rates(_rates(tmp_path, discounts={"*": "0.4"}))
    assert rates.discounts == {"*": Decimal("0.4")}
    res = sp.plan(np.array([[10.0, 10.0, 10.0, 2.0]]), ["g5"], rates, curve_points=5)
    assert res.optimal.commitment == pytest.approx(6.0)
    assert [round(o.commitment, 3) for o in res.curve] == [0.0, 1.5, 3.0, 4.5, 6.0]
    assert res.term_savings(res.optimal, 1) == pytest.approx(8.0 / 4 * 8760)


@pytest.mark.parametrize(
    "kw, needle",
    [
        ({"source": " "}, "source"),
        ({"discounts": {"g5": 1.5}}, "fraction"),
        ({"plan": "x"}, "valid"),
    ],
)
def test_bad_rates_files(tmp_path: Path, kw: dict, needle: str) -> None:
    with pytest.raises(UserError, match=needle):
        sp.load_rates(_rates(tmp_path, **kw))
