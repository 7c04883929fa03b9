"""The generator writes deterministic, AWS-shaped CUR 2.0 and FOCUS data."""

from __future__ import annotations

import math
import re

import pyarrow.compute as pc

from mlcost.billing import synth


def test_same_seed_same_bill_other_seed_other_bill() -> None:
    a = synth.generate_cur2(seed=3, hours=24)
    assert a.equals(synth.generate_cur2(seed=3, hours=24))
    assert not a.equals(synth.generate_cur2(seed=4, hours=24))


def test_usage_types_follow_aws_naming() -> None:
    t = synth.generate_cur2(seed=1, hours=48)
    types = set(t.column("line_item_usage_type").to_pylist())
    sm = re.compile(
        r"^(USE1|USW2)-(Notebk|Train|Host|AsyncInf|Processing|Tsform):ml\.[a-z0-9]+\.[0-9a-z]+$"
    )
    assert any(sm.match(u) for u in types)
    assert "BoxUsage:g5.xlarge" in types  # us-east-1 EC2: no region prefix
    assert "USW2-BoxUsage:g5.xlarge" in types
    assert {"UnusedBox:p4d.24xlarge", "USE1-ServerlessInf:Mem-4GB"} <= types
    lt = set(t.column("line_item_line_item_type").to_pylist())
    assert lt == {
        "Usage",
        "SavingsPlanCoveredUsage",
        "SavingsPlanNegation",
        "SavingsPlanRecurringFee",
    }


def test_negation_lines_cancel_covered_usage() -> None:
    t = synth.generate_cur2(seed=2, hours=48)
    lt = t.column("line_item_line_item_type")
    cost = t.column("line_item_unblended_cost")
    covered = pc.sum(pc.filter(cost, pc.equal(lt, "SavingsPlanCoveredUsage"))).as_py()
    negated = pc.sum(pc.filter(cost, pc.equal(lt, "SavingsPlanNegation"))).as_py()
    assert covered > 0
    assert math.isclose(covered, -negated, rel_tol=1e-12)


def test_focus_states_the_same_bill() -> None:
    cur = synth.generate_cur2(seed=5, hours=24)
    focus = synth.cur2_to_focus(cur)
    assert set(synth.FOCUS_REQUIRED) <= set(focus.column_names)
    billed = pc.sum(focus.column("BilledCost")).as_py()
    unblended = pc.sum(cur.column("line_item_unblended_cost")).as_py()
    assert math.isclose(billed, unblended, rel_tol=1e-9)
    assert "SavingsPlanNegation" not in focus.column("ChargeCategory").to_pylist()


def test_a_month_keeps_each_resources_tags(tmp_path) -> None:
    """Days are drawn with different seeds, but a resource's tags do not change from day to day
    (as on a real bill): each resource id carries exactly one tag set over the month."""
    import duckdb

    path = tmp_path / "month.parquet"
    synth.write_cur2_month(path, days=3, resources_per_workload=2)
    con = duckdb.connect()
    per_resource = con.execute(
        "SELECT line_item_resource_id, count(DISTINCT resource_tags::VARCHAR), "
        "count(DISTINCT line_item_usage_start_date::DATE) "
        f"FROM read_parquet('{path}') WHERE line_item_resource_id LIKE 'arn:%resource/%' "
        "OR line_item_resource_id LIKE 'i-%' GROUP BY 1"
    ).fetchall()
    assert per_resource
    assert {n_tags for _, n_tags, _ in per_resource} == {1}
    assert max(days for _, _, days in per_resource) == 3  # the same ids recur on other days
