"""Choose the hourly savings-plan commitment that maximises net savings, exactly.

A commitment of ``c`` $/h buys, each hour, savings-plan-priced usage worth up to ``c``. Usage
of rate key ``k`` (an instance family, or the usage type of usage without one, such as
``ServerlessInf:Mem-4GB``) costs ``r_k`` x on-demand under the plan, where
``r_k = 1 - discount_k``. In hour ``t`` with on-demand-equivalent spend ``s[k, t]`` the plan
covers on-demand dollars ``x[k, t] <= s[k, t]`` with ``sum_k r_k x[k, t] <= c``, and the bill is
``c + sum_k (s[k, t] - x[k, t])``. Net savings ``sum x - T c`` is maximised by a linear
programme (solved with SciPy's HiGHS), so the answer is the optimum, not a heuristic. AWS
applies a plan to the usage with the highest discount first; the LP reaches the same
allocation because covering the cheapest-under-the-plan usage first maximises ``sum x``.

Discount rates are **not** in the bundled price data. They come from the user (a rates file
naming its source and date) or from the bill itself (covered lines' savings-plan effective
cost vs on-demand cost). With no rate for a family that has spend, we refuse.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from mlcost.errors import UserError

HOURS_PER_YEAR = 8760


class PlanType(StrEnum):
    SAGEMAKER = "sagemaker"
    COMPUTE = "compute"
    EC2_INSTANCE = "ec2-instance"


@dataclass(frozen=True, slots=True)
class Rates:
    """Discounts (fraction off on-demand, 0..1) per rate key (instance family, or usage type
    such as ``ServerlessInf:Mem-4GB``); ``*`` is the default."""

    plan: PlanType
    term_years: int
    payment: str  # no-upfront | partial-upfront | all-upfront
    discounts: dict[str, Decimal]
    source: str  # where the rates came from, with its date

    def ratio(self, family: str) -> float:
        """Plan price / on-demand price for a family, or a UserError if no rate is known."""
        d = self.discounts.get(family, self.discounts.get("*"))
        if d is None:
            raise UserError(
                f"no {self.plan.value} savings-plan discount rate known for {family!r}",
                "give one in the rates file (or a '*' default) with its source; mlcost never invents rates",
            )
        return float(1 - d)


#: Savings-plan terms AWS sells, in years, and its payment options.
TERM_YEARS = (1, 3)
PAYMENTS = ("no-upfront", "partial-upfront", "all-upfront")

_RATES_SHAPE = (
    'expected {"plan": "sagemaker|compute|ec2-instance", "term_years": 1, '
    '"payment": "no-upfront", "source": "...", "discounts": {"g5": 0.3, "*": 0.25}}'
)


def _bad_rates(path: Path, what: str) -> UserError:
    return UserError(f"{path}: not a valid rates file: {what}", _RATES_SHAPE)


def _discount(path: Path, family: object, value: object) -> Decimal:
    """One discount: a finite number in [0, 1), given as a JSON number or numeric string."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _bad_rates(path, f"the discount for {family!r} is {value!r}, not a number")
    try:
        d = Decimal(str(value).strip())
    except ArithmeticError:
        raise _bad_rates(path, f"the discount for {family!r} is {value!r}, not a number") from None
    if not d.is_finite() or not Decimal(0) <= d < Decimal(1):
        raise UserError(
            f"{path}: discount for {family!r} is {value}, expected a fraction in [0, 1)",
            "e.g. 0.3 for 30% off on-demand",
        )
    return d


def load_rates(path: Path) -> Rates:
    """Read a rates file: ``{"plan", "term_years", "payment", "source", "discounts": {family: d}}``.

    Every field is checked by name, so a wrong file says which field is wrong (not a bare
    ``KeyError('source')``): discounts finite fractions, the term 1 or 3 years, the payment
    one of AWS's three options.
    """
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such rates file", "check the path") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder, not a rates file", "pass the JSON file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise _bad_rates(path, f"not JSON ({err})") from None
    if not isinstance(raw, dict):
        raise _bad_rates(path, f"the top level is a {type(raw).__name__}, not an object")
    missing = [k for k in ("plan", "source", "discounts") if k not in raw]
    if missing:
        raise _bad_rates(path, f"missing {', '.join(repr(k) for k in missing)}")
    try:
        plan = PlanType(raw["plan"])
    except (ValueError, TypeError):
        raise _bad_rates(
            path, f"plan {raw['plan']!r} is not one of sagemaker, compute, ec2-instance"
        ) from None
    if not isinstance(raw["discounts"], dict) or not raw["discounts"]:
        raise _bad_rates(path, "'discounts' must be an object of family -> fraction")
    discounts = {str(k): _discount(path, k, v) for k, v in raw["discounts"].items()}
    source = raw["source"].strip() if isinstance(raw["source"], str) else ""
    if not source:
        raise UserError(f"{path}: rates need a 'source' (where and when they were published)")
    term = raw.get("term_years", 1)
    if isinstance(term, bool) or term not in TERM_YEARS:
        raise UserError(
            f"{path}: term_years is {term!r}, expected 1 or 3",
            "savings plans are sold for 1 or 3 years",
        )
    payment = raw.get("payment", "no-upfront")
    if payment not in PAYMENTS:
        raise UserError(
            f"{path}: payment is {payment!r}, expected one of {', '.join(PAYMENTS)}",
        )
    return Rates(
        plan=plan,
        term_years=int(term),
        payment=payment,
        discounts=discounts,
        source=source,
    )


@dataclass(slots=True)
class Outcome:
    """What a commitment does to the observed hours."""

    commitment: float  # $/h
    net_savings: float  # over the observed hours
    utilisation: float  # used / committed (1.0 when nothing is committed)
    coverage: float  # on-demand dollars covered / on-demand-equivalent spend


@dataclass(slots=True)
class PlanResult:
    plan: PlanType
    hours: int
    optimal: Outcome
    rule_of_thumb: Outcome
    curve: list[Outcome] = field(default_factory=list)
    families: list[str] = field(default_factory=list)

    def term_savings(self, outcome: Outcome, term_years: int) -> float:
        """Expected net savings over the term, if the observed hours are representative."""
        return outcome.net_savings / self.hours * HOURS_PER_YEAR * term_years if self.hours else 0.0


def evaluate(commitment: float, spend: np.ndarray, ratio: np.ndarray) -> Outcome:
    """Apply a commitment hour by hour, highest discount (lowest ratio) first.

    ``spend`` is families x hours of on-demand-equivalent dollars; ``ratio`` per family.
    """
    order = np.argsort(ratio, kind="stable")
    s = spend[order]
    r = ratio[order]
    budget = np.full(s.shape[1], float(commitment))
    covered = np.zeros(s.shape[1])
    for k in range(s.shape[0]):
        take = np.minimum(s[k], budget / r[k]) if r[k] > 0 else s[k]
        covered += take
        budget = np.maximum(budget - take * r[k], 0.0)
    hours = s.shape[1]
    used = commitment * hours - budget.sum()
    total = float(spend.sum())
    return Outcome(
        commitment=float(commitment),
        net_savings=float(covered.sum() - commitment * hours),
        utilisation=float(used / (commitment * hours)) if commitment > 0 else 1.0,
        coverage=float(covered.sum() / total) if total else 0.0,
    )


def solve_lp(spend: np.ndarray, ratio: np.ndarray) -> float:
    """The commitment ($/h) maximising net savings, by LP (HiGHS). ``spend``: families x hours."""
    # SciPy is imported here, not at module level: every `mlcost` command imports the CLI,
    # and only the planner needs the solver.
    from scipy import sparse
    from scipy.optimize import linprog

    n_k, n_t = spend.shape
    if n_t == 0 or not spend.any():
        return 0.0
    n_x = n_k * n_t  # x[k, t] flattened k-major
    # minimise T*c - sum(x)
    cost = np.concatenate([[float(n_t)], -np.ones(n_x)])
    # per hour t: sum_k r_k x[k,t] - c <= 0
    rows = np.repeat(np.arange(n_t), n_k)
    cols = 1 + (np.arange(n_k)[None, :] * n_t + np.arange(n_t)[:, None]).ravel()
    vals = np.tile(ratio, n_t)
    a_x = sparse.csr_matrix((vals, (rows, cols)), shape=(n_t, 1 + n_x))
    a_c = sparse.csr_matrix(
        (-np.ones(n_t), (np.arange(n_t), np.zeros(n_t, int))), shape=(n_t, 1 + n_x)
    )
    bounds = [(0, None)] + [(0, float(v)) for v in spend.ravel()]
    res = linprog(cost, A_ub=a_x + a_c, b_ub=np.zeros(n_t), bounds=bounds, method="highs")
    if res.status != 0:
        raise RuntimeError(f"savings-plan LP did not solve: {res.message}")
    return float(res.x[0])


def rule_of_thumb(spend: np.ndarray, ratio: np.ndarray) -> float:
    """The usual advice: commit the lowest hourly spend (at plan prices), so the plan is always used."""
    if spend.shape[1] == 0:
        return 0.0
    return float((ratio[:, None] * spend).sum(axis=0).min())


def plan(
    spend: np.ndarray, families: list[str], rates: Rates, curve_points: int = 21
) -> PlanResult:
    """Optimal vs rule-of-thumb commitment, and the commitment/savings/utilisation curve."""
    ratio = np.array([rates.ratio(f) for f in families], dtype=float)
    hours = spend.shape[1]
    # AWS sells commitments in $0.001/h steps; round down so utilisation never gets worse
    best = np.floor(solve_lp(spend, ratio) * 1000) / 1000
    thumb = np.floor(rule_of_thumb(spend, ratio) * 1000) / 1000
    top = float((ratio[:, None] * spend).sum(axis=0).max()) if hours else 0.0
    grid = np.linspace(0.0, top, curve_points) if top > 0 else np.array([0.0])
    return PlanResult(
        plan=rates.plan,
        hours=hours,
        optimal=evaluate(best, spend, ratio),
        rule_of_thumb=evaluate(thumb, spend, ratio),
        curve=[evaluate(float(c), spend, ratio) for c in grid],
        families=families,
    )


def result_json(res: PlanResult, rates: Rates) -> dict[str, Any]:
    def out(o: Outcome) -> dict[str, Any]:
        return {
            "commitment_usd_per_hour": round(o.commitment, 3),
            "net_savings_usd_observed": round(o.net_savings, 2),
            "net_savings_usd_term": round(res.term_savings(o, rates.term_years), 2),
            "utilisation": round(o.utilisation, 4),
            "coverage": round(o.coverage, 4),
        }

    return {
        "plan": res.plan.value,
        "term_years": rates.term_years,
        "payment": rates.payment,
        "rates_source": rates.source,
        "discounts": {k: str(v) for k, v in rates.discounts.items()},
        "observed_hours": res.hours,
        "families": res.families,
        "optimal": out(res.optimal),
        "rule_of_thumb": out(res.rule_of_thumb),
        "curve": [out(o) for o in res.curve],
    }
