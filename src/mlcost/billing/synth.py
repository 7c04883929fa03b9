"""Deterministic synthetic billing exports (CUR 2.0 and FOCUS 1.0) for tests and benchmarks.

No public CUR 2.0 export exists (see shared/data/README.md), so tests and the scale benchmark
need a generator that writes files shaped like AWS's: CUR 2.0 snake_case columns
("Data Exports table dictionary: CUR 2.0"), ``product`` and ``resource_tags`` map columns
(tag keys ``user_team`` / ``user_project``), SageMaker usage types as AWS names them
(``USE1-Notebk:ml.t3.medium``, ``USE1-Train:...``, ``USE1-Host:...``, ``USE1-AsyncInf:...``,
``USE1-ServerlessInf:Mem-4GB``, ``USE1-Tsform:...``), EC2 ``BoxUsage:`` (no prefix in
us-east-1) and ODCR ``UnusedBox:`` lines, and savings-plan lines
(``SavingsPlanCoveredUsage`` / ``SavingsPlanNegation`` / ``SavingsPlanRecurringFee``).

The hourly rates below are **synthetic, illustrative figures of the right magnitude**, not
AWS prices: they only exist inside generated test bills and are never used to price a
finding. Everything is a pure function of ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from mlcost.billing.formats import FOCUS_REQUIRED  # re-exported for tests

#: The usage-type prefix AWS puts before a usage type, per region (us-east-1 EC2 has none).
REGION_PREFIX = {"us-east-1": "USE1", "us-west-2": "USW2", "eu-west-1": "EU"}

SP_DISCOUNT = 0.36  # synthetic: the generated SP covers 36% below the generated OD rate


@dataclass(frozen=True, slots=True)
class Workload:
    """One kind of billed resource: what AWS would write in the usage-type column."""

    product_code: str
    stage_usage: str  # e.g. "Train", "Host", "BoxUsage"
    instance_type: str | None
    rate: float  # synthetic USD per unit (instance-hour; GB-hour for serverless/storage)
    activity: float  # probability the resource is billed in a given hour
    sp_covered: bool = False


WORKLOADS: tuple[Workload, ...] = (
    Workload("AmazonSageMaker", "Notebk", "ml.t3.medium", 0.05, 0.6),
    Workload("AmazonSageMaker", "Notebk", "ml.g4dn.xlarge", 0.74, 0.4),
    Workload("AmazonSageMaker", "Studio:KernelGateway", "ml.g5.xlarge", 1.41, 0.3),
    Workload("AmazonSageMaker", "Train", "ml.p4d.24xlarge", 25.25, 0.15),
    Workload("AmazonSageMaker", "Train", "ml.g5.12xlarge", 7.09, 0.3),
    Workload("AmazonSageMaker", "Processing", "ml.m5.4xlarge", 0.92, 0.2),
    Workload("AmazonSageMaker", "Host", "ml.g5.xlarge", 1.41, 0.97, sp_covered=True),
    Workload("AmazonSageMaker", "Host", "ml.m5.xlarge", 0.23, 0.9),
    Workload("AmazonSageMaker", "AsyncInf", "ml.g5.2xlarge", 1.52, 0.5),
    Workload("AmazonSageMaker", "ServerlessInf:Mem-4GB", None, 0.288, 0.5),
    Workload("AmazonSageMaker", "Tsform", "ml.c5.9xlarge", 2.16, 0.1),
    Workload("AmazonEC2", "BoxUsage", "g5.xlarge", 1.006, 0.8),
    Workload("AmazonEC2", "BoxUsage", "p4d.24xlarge", 21.96, 0.2),
    Workload("AmazonEC2", "UnusedBox", "p4d.24xlarge", 21.96, 0.25),
    Workload("AmazonEC2", "BoxUsage", "m5.large", 0.096, 0.9),
    Workload("AmazonS3", "TimedStorage-ByteHrs", None, 0.0000319, 1.0),
)
TEAMS = ("vision", "nlp", "recsys", "")  # "" = untagged
PROJECTS = ("alpha", "beta")
REGIONS = ("us-east-1", "us-west-2")
SP_ARN = "arn:aws:savingsplans::111122223333:savingsplan/7d6f3c1e-0000-4000-8000-000000000001"


def usage_type(w: Workload, region: str) -> str:
    """The usage type AWS writes: region prefix, usage, instance type."""
    prefix = REGION_PREFIX[region]
    if w.product_code == "AmazonEC2" and region == "us-east-1":
        head = w.stage_usage  # us-east-1 EC2 usage types carry no region prefix
    else:
        head = f"{prefix}-{w.stage_usage}"
    if w.instance_type is None:
        return head
    sep = "-" if w.stage_usage.startswith("Studio:") else ":"
    return f"{head}{sep}{w.instance_type}"


def _operation(w: Workload) -> str:
    return {
        "Notebk": "RunInstance",
        "Train": "CreateTrainingJob",
        "Host": "RunInstance",
        "BoxUsage": "RunInstances",
        "UnusedBox": "RunInstances:0002",
    }.get(w.stage_usage, "Usage")


def generate_cur2(
    seed: int = 7,
    start: datetime = datetime(2025, 6, 1, tzinfo=UTC),
    hours: int = 72,
    resources_per_workload: int = 2,
    resource_seed: int | None = None,
    product_attributes: int = 0,
) -> pa.Table:
    """A CUR 2.0 hourly export as an Arrow table (about
    ``len(WORKLOADS) * resources_per_workload * hours * mean activity`` rows plus SP lines).

    The savings plan covers the ``sp_covered`` workloads: every covered hour writes a
    ``SavingsPlanCoveredUsage`` line (the on-demand cost) and a ``SavingsPlanNegation`` line
    (its negative), and every hour writes one ``SavingsPlanRecurringFee`` line whose
    commitment is the covered fleet's full SP cost, so utilisation < 100% in hours where
    a covered resource was off.

    ``resource_seed`` fixes each resource's tags (team, project) independently of ``seed``, so
    the days of one month written with different seeds keep every resource's tags, as a real
    bill does; without it the tags come from ``seed``.

    ``product_attributes`` adds that many attributes to each line's ``product`` map. A real
    CUR 2.0 map holds every legacy-CUR product column the static schema lacks (an EC2 or
    SageMaker instance line has dozens: vcpu, memory, gpu, tenancy, ...); by default the map
    holds only ``region`` and ``product_name``.
    """
    rng = np.random.default_rng(seed)
    n_w = len(WORKLOADS)
    # resource table: (workload, region, team, project, id)
    res_w = np.repeat(np.arange(n_w), resources_per_workload)
    n_res = len(res_w)
    res_region = np.arange(n_res) % len(REGIONS)  # each workload runs in every region
    res_team = rng.integers(0, len(TEAMS), n_res)
    res_project = rng.integers(0, len(PROJECTS), n_res)
    if resource_seed is not None:  # drawn above anyway, so the rest of ``rng`` is unchanged
        tag_rng = np.random.default_rng(resource_seed)
        res_team = tag_rng.integers(0, len(TEAMS), n_res)
        res_project = tag_rng.integers(0, len(PROJECTS), n_res)
    activity = np.array([WORKLOADS[i].activity for i in res_w])

    hour = np.repeat(np.arange(hours), n_res)
    res = np.tile(np.arange(n_res), hours)
    keep = rng.random(hour.size) < activity[res]
    hour, res = hour[keep], res[keep]
    w_idx = res_w[res]
    covered = np.array([WORKLOADS[i].sp_covered for i in range(n_w)])[w_idx]
    rate = np.array([w.rate for w in WORKLOADS])[w_idx]
    is_serverless = np.array([w.stage_usage.startswith("ServerlessInf") for w in WORKLOADS])[w_idx]
    is_storage = np.array([w.product_code == "AmazonS3" for w in WORKLOADS])[w_idx]
    # instance-hours are whole hours; serverless GB-hours and storage GB vary
    amount = np.where(is_serverless, np.round(rng.random(hour.size) * 4, 3), 1.0)
    amount = np.where(is_storage, np.round(500 + rng.random(hour.size) * 100, 1), amount)
    cost = np.round(rate * amount, 10)

    n = hour.size
    line_type = np.where(covered, "SavingsPlanCoveredUsage", "Usage").astype(object)
    sp_eff = np.where(covered, np.round(cost * (1 - SP_DISCOUNT), 10), 0.0)
    sp_rate = np.where(covered, np.round(rate * (1 - SP_DISCOUNT), 10), 0.0)
    sp_arn = np.where(covered, SP_ARN, None).astype(object)

    # negation lines mirror the covered lines
    neg = np.flatnonzero(covered)
    # recurring fee: one per hour; commitment = SP cost of the whole covered fleet
    covered_fleet = [
        i for i in range(n_res) if WORKLOADS[res_w[i]].sp_covered
    ]  # resources under the plan
    commitment = float(
        np.round(sum(WORKLOADS[res_w[i]].rate * (1 - SP_DISCOUNT) for i in covered_fleet), 10)
    )
    used_per_hour = np.bincount(hour, weights=sp_eff, minlength=hours)

    hours_all = np.concatenate([hour, hour[neg], np.arange(hours)])
    res_all = np.concatenate([res, res[neg], np.full(hours, -1)])
    types_all = np.concatenate(
        [
            line_type,
            np.full(neg.size, "SavingsPlanNegation", object),
            np.full(hours, "SavingsPlanRecurringFee", object),
        ]
    )
    cost_all = np.concatenate(
        [cost, -cost[neg], np.full(hours, commitment if covered_fleet else 0.0)]
    )
    amount_all = np.concatenate([amount, amount[neg], np.full(hours, 1.0)])
    od_all = np.concatenate([cost, np.zeros(neg.size), np.zeros(hours)])
    sp_eff_all = np.concatenate([sp_eff, np.zeros(neg.size), np.zeros(hours)])
    sp_rate_all = np.concatenate([sp_rate, sp_rate[neg], np.zeros(hours)])
    sp_arn_all = np.concatenate([sp_arn, sp_arn[neg], np.full(hours, SP_ARN, object)])
    total_commit = np.concatenate([np.zeros(n + neg.size), np.full(hours, commitment)])
    used_commit = np.concatenate([np.zeros(n + neg.size), np.round(used_per_hour, 10)])
    if not covered_fleet:  # no plan: drop the fee lines
        m = np.concatenate([np.ones(n + neg.size, bool), np.zeros(hours, bool)])
        hours_all, res_all, types_all, cost_all, amount_all = (
            a[m] for a in (hours_all, res_all, types_all, cost_all, amount_all)
        )
        od_all, sp_eff_all, sp_rate_all, sp_arn_all, total_commit, used_commit = (
            a[m] for a in (od_all, sp_eff_all, sp_rate_all, sp_arn_all, total_commit, used_commit)
        )

    rows = hours_all.size
    fee = res_all < 0
    r_safe = np.where(fee, 0, res_all)
    w_all = res_w[r_safe]
    region_all = np.where(fee, 0, res_region[r_safe])

    # string columns via small lookup tables (fast at 10M rows)
    ut_table = np.array([[usage_type(w, reg) for reg in REGIONS] for w in WORKLOADS], dtype=object)
    utype = ut_table[w_all, region_all]
    utype = np.where(fee, "MachineLearningSP:1yrNoUpfront", utype).astype(object)
    product_code = np.array([w.product_code for w in WORKLOADS], object)[w_all]
    product_code = np.where(fee, "MachineLearningSavingsPlans", product_code).astype(object)
    itype = np.array([w.instance_type or "" for w in WORKLOADS], object)[w_all]
    itype = np.where(fee, "", itype).astype(object)
    itype_product = np.char.replace(itype.astype(str), "ml.", "").astype(object)
    op = np.array([_operation(w) for w in WORKLOADS], object)[w_all]
    region_names = np.array(REGIONS, object)[region_all]
    starts = np.datetime64(start.replace(tzinfo=None), "us") + hours_all.astype(
        "timedelta64[h]"
    ).astype("timedelta64[us]")
    ends = starts + np.timedelta64(1, "h").astype("timedelta64[us]")
    resource_ids = np.array(
        [
            f"arn:aws:sagemaker:{REGIONS[res_region[i]]}:111122223333:resource/{WORKLOADS[res_w[i]].stage_usage.split(':')[0].lower()}-{i:05d}"
            if WORKLOADS[res_w[i]].product_code == "AmazonSageMaker"
            else f"i-{0x0AB0000000000000 + i:017x}"
            for i in range(n_res)
        ],
        object,
    )
    rid = np.where(fee, SP_ARN, resource_ids[r_safe]).astype(object)

    # map columns: built once per resource / (workload, region), then gathered by index
    res_tags = [
        ([("user_team", TEAMS[res_team[i]])] if TEAMS[res_team[i]] else [])
        + [("user_project", PROJECTS[res_project[i]])]
        for i in range(n_res)
    ] + [[]]  # last entry: the fee line, untagged
    tags = pa.array(res_tags, pa.map_(pa.string(), pa.string())).take(
        pa.array(np.where(fee, n_res, r_safe))
    )
    names = {
        "AmazonSageMaker": "Amazon SageMaker",
        "AmazonEC2": "Amazon Elastic Compute Cloud",
        "AmazonS3": "Amazon Simple Storage Service",
    }
    extra_attrs = [(f"attribute_{i:02d}", f"value {i}") for i in range(product_attributes)]
    prod_maps = [
        [("region", reg), *extra_attrs, ("product_name", names[w.product_code])]
        for w in WORKLOADS
        for reg in REGIONS
    ] + [[*extra_attrs, ("product_name", "Savings Plans for Machine Learning")]]
    product = pa.array(prod_maps, pa.map_(pa.string(), pa.string())).take(
        pa.array(np.where(fee, len(prod_maps) - 1, w_all * len(REGIONS) + region_all))
    )
    family = np.array(
        [
            (
                "GPU instance"
                if (w.instance_type or "").removeprefix("ml.")[:1] in "gp"
                else "Compute Instance"
            )
            if w.instance_type
            else "Storage"
            for w in WORKLOADS
        ],
        object,
    )[w_all]
    period_start = datetime(start.year, start.month, 1)
    period_end = (period_start + timedelta(days=32)).replace(day=1)
    ids = np.char.add("li-", np.arange(rows).astype(str)).astype(object)
    rate_all = np.where(fee, commitment, np.array([w.rate for w in WORKLOADS])[w_all])
    cols = {
        "identity_line_item_id": pa.array(ids, pa.string()),
        # the line's hour, as CUR 2.0 writes it: 2025-06-01T00:00:00Z/2025-06-01T01:00:00Z
        "identity_time_interval": pc.binary_join_element_wise(
            pc.strftime(pa.array(starts), "%Y-%m-%dT%H:00:00Z"),
            pc.strftime(pa.array(ends), "%Y-%m-%dT%H:00:00Z"),
            "/",
        ),
        "bill_payer_account_id": pa.array(np.full(rows, "111122223333"), pa.string()),
        "bill_billing_period_start_date": pa.array(
            np.full(rows, np.datetime64(period_start, "us"))
        ),
        "bill_billing_period_end_date": pa.array(np.full(rows, np.datetime64(period_end, "us"))),
        "line_item_usage_account_id": pa.array(np.full(rows, "111122223333"), pa.string()),
        "line_item_line_item_type": pa.array(types_all, pa.string()),
        "line_item_usage_start_date": pa.array(starts),
        "line_item_usage_end_date": pa.array(ends),
        "line_item_product_code": pa.array(product_code, pa.string()),
        "line_item_usage_type": pa.array(utype, pa.string()),
        "line_item_operation": pa.array(np.where(fee, "", op).astype(object), pa.string()),
        "line_item_resource_id": pa.array(rid, pa.string()),
        "line_item_usage_amount": pa.array(amount_all, pa.float64()),
        "line_item_unblended_rate": pa.array(
            np.round(rate_all, 10).astype(str).astype(object), pa.string()
        ),
        "line_item_unblended_cost": pa.array(np.round(cost_all, 10), pa.float64()),
        "line_item_currency_code": pa.array(np.full(rows, "USD"), pa.string()),
        "product": product,
        "product_instance_type": pa.array(itype_product, pa.string()),
        "product_product_family": pa.array(
            np.where(fee, "Savings Plan", family).astype(object), pa.string()
        ),
        "product_region_code": pa.array(region_names, pa.string()),
        "product_servicecode": pa.array(product_code, pa.string()),
        "pricing_public_on_demand_cost": pa.array(np.round(od_all, 10), pa.float64()),
        "pricing_term": pa.array(np.where(fee, "", "OnDemand").astype(object), pa.string()),
        "savings_plan_savings_plan_a_r_n": pa.array(sp_arn_all, pa.string()),
        "savings_plan_savings_plan_rate": pa.array(sp_rate_all, pa.float64()),
        "savings_plan_savings_plan_effective_cost": pa.array(sp_eff_all, pa.float64()),
        "savings_plan_total_commitment_to_date": pa.array(total_commit, pa.float64()),
        "savings_plan_used_commitment": pa.array(used_commit, pa.float64()),
        "resource_tags": tags,
    }
    return pa.table(cols)


# FOCUS 1.0 mandatory columns this generator writes (and the ingest validates).


def cur2_to_focus(cur: pa.Table) -> pa.Table:
    """The same charges as AWS's FOCUS 1.0 export would state them.

    Covered usage is billed through the commitment (BilledCost 0, EffectiveCost the SP
    cost); negation lines do not exist in FOCUS; the recurring fee is a ``Purchase`` with
    EffectiveCost 0, and unused commitment an ``Unused`` usage row carrying its cost. So
    BilledCost sums to CUR's unblended total and EffectiveCost to CUR's amortised total.
    """
    d = {
        c: cur.column(c).to_numpy(zero_copy_only=False)
        for c in cur.column_names
        if c not in ("product", "resource_tags")
    }
    lt = d["line_item_line_item_type"]
    keep = lt != "SavingsPlanNegation"
    covered = lt == "SavingsPlanCoveredUsage"
    fee = lt == "SavingsPlanRecurringFee"
    unblended = d["line_item_unblended_cost"]
    billed = np.where(covered, 0.0, unblended)
    effective = np.where(
        covered, d["savings_plan_savings_plan_effective_cost"], np.where(fee, 0.0, unblended)
    )
    listc = np.where(covered, unblended, np.where(fee, 0.0, unblended))
    unused = np.round(
        d["savings_plan_total_commitment_to_date"] - d["savings_plan_used_commitment"], 10
    )

    def pick(a: np.ndarray) -> np.ndarray:
        return a[keep]

    tags_py = cur.column("resource_tags").to_pylist()
    import json

    tags_json = np.array(
        [json.dumps({k.removeprefix("user_"): v for k, v in t}) if t else None for t in tags_py],
        object,
    )
    service_name = np.array(
        [
            {
                "AmazonSageMaker": "Amazon SageMaker",
                "AmazonEC2": "Amazon Elastic Compute Cloud",
                "AmazonS3": "Amazon Simple Storage Service",
            }.get(p, "Savings Plans for Machine Learning")
            for p in d["line_item_product_code"]
        ],
        object,
    )
    category = np.where(fee, "Purchase", "Usage").astype(object)
    commit_status = np.where(covered, "Used", None).astype(object)
    main = {
        "BilledCost": pick(np.round(billed, 10)),
        "EffectiveCost": pick(np.round(effective, 10)),
        "ListCost": pick(np.round(listc, 10)),
        "ContractedCost": pick(np.round(listc, 10)),
        "ChargeCategory": pick(category),
        "CommitmentDiscountStatus": pick(commit_status),
        "CommitmentDiscountId": pick(
            np.where(covered | fee, d["savings_plan_savings_plan_a_r_n"], None).astype(object)
        ),
        "CommitmentDiscountType": pick(
            np.where(covered | fee, "Savings Plan", None).astype(object)
        ),
        "ChargePeriodStart": pick(d["line_item_usage_start_date"]),
        "ChargePeriodEnd": pick(d["line_item_usage_end_date"]),
        "ServiceName": pick(service_name),
        "x_ServiceCode": pick(d["line_item_product_code"]),
        "x_UsageType": pick(d["line_item_usage_type"]),
        "RegionId": pick(d["product_region_code"]),
        "ResourceId": pick(d["line_item_resource_id"]),
        "ConsumedQuantity": pick(d["line_item_usage_amount"]),
        "Tags": pick(tags_json),
    }
    # unused-commitment rows (FOCUS states unused commitment as its own charge)
    um = fee & (unused > 0)
    extra = {
        "BilledCost": np.zeros(um.sum()),
        "EffectiveCost": unused[um],
        "ListCost": np.zeros(um.sum()),
        "ContractedCost": np.zeros(um.sum()),
        "ChargeCategory": np.full(um.sum(), "Usage", object),
        "CommitmentDiscountStatus": np.full(um.sum(), "Unused", object),
        "CommitmentDiscountId": d["savings_plan_savings_plan_a_r_n"][um],
        "CommitmentDiscountType": np.full(um.sum(), "Savings Plan", object),
        "ChargePeriodStart": d["line_item_usage_start_date"][um],
        "ChargePeriodEnd": d["line_item_usage_end_date"][um],
        "ServiceName": np.full(um.sum(), "Savings Plans for Machine Learning", object),
        "x_ServiceCode": np.full(um.sum(), "MachineLearningSavingsPlans", object),
        "x_UsageType": d["line_item_usage_type"][um],
        "RegionId": d["product_region_code"][um],
        "ResourceId": d["line_item_resource_id"][um],
        "ConsumedQuantity": np.zeros(um.sum()),
        "Tags": np.full(um.sum(), None, object),
    }
    cols = {k: np.concatenate([main[k], extra[k]]) for k in main}
    n = len(cols["BilledCost"])
    period_start = (
        cur.column("bill_billing_period_start_date").to_numpy()[0]
        if cur.num_rows
        else np.datetime64("2025-06-01", "us")
    )
    period_end = (
        cur.column("bill_billing_period_end_date").to_numpy()[0]
        if cur.num_rows
        else np.datetime64("2025-07-01", "us")
    )
    const = {
        "BillingAccountId": "111122223333",
        "BillingAccountName": "ml-platform",
        "BillingCurrency": "USD",
        "ChargeClass": None,
        "InvoiceIssuerName": "Amazon Web Services, Inc.",
        "ProviderName": "AWS",
        "PublisherName": "Amazon Web Services, Inc.",
        "ServiceCategory": "AI and Machine Learning",
    }
    out: dict[str, pa.Array] = {}
    for name in sorted(set(FOCUS_REQUIRED) | set(cols)):
        if name in cols:
            out[name] = pa.array(cols[name])
        elif name == "BillingPeriodStart":
            out[name] = pa.array(np.full(n, period_start))
        elif name == "BillingPeriodEnd":
            out[name] = pa.array(np.full(n, period_end))
        elif name == "ChargeDescription":
            out[name] = pa.array(cols["x_UsageType"], pa.string())
        else:
            out[name] = pa.array([const[name]] * n, pa.string())
    return pa.table(out)


def write(table: pa.Table, path: Path) -> Path:
    """Write parquet, or CSV (maps as JSON strings, as AWS's CSV exports do) by suffix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        pq.write_table(table, path)
        return path
    import json

    cols = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_map(col.type):
            cols[name] = pa.array(
                [json.dumps(dict(v)) if v is not None else None for v in col.to_pylist()],
                pa.string(),
            )
        else:
            cols[name] = col
    if path.name.endswith(".csv.gz"):
        with pa.CompressedOutputStream(str(path), "gzip") as out:
            pacsv.write_csv(pa.table(cols), out)
    else:
        pacsv.write_csv(pa.table(cols), path)
    return path


def write_cur2_month(
    path: Path,
    seed: int = 7,
    days: int = 30,
    resources_per_workload: int = 2,
    start: datetime = datetime(2025, 6, 1, tzinfo=UTC),
    product_attributes: int = 0,
) -> int:
    """Write a large CUR 2.0 parquet one day at a time (bounded memory); returns the row count.

    Day ``d`` is ``generate_cur2(seed * 1000 + d, ..., resource_seed=seed)``, so the file is
    a pure function of the arguments and each resource keeps its tags all month.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer: pq.ParquetWriter | None = None
    rows = 0
    try:
        for d in range(days):
            t = generate_cur2(
                seed=seed * 1000 + d,
                start=start + timedelta(days=d),
                hours=24,
                resources_per_workload=resources_per_workload,
                resource_seed=seed,
                product_attributes=product_attributes,
            )
            ids = pc.binary_join_element_wise(f"d{d}-", t.column("identity_line_item_id"), "")
            t = t.set_column(0, "identity_line_item_id", ids)
            if writer is None:
                writer = pq.ParquetWriter(path, t.schema)
            writer.write_table(t, row_group_size=1_000_000)
            rows += t.num_rows
    finally:
        if writer is not None:
            writer.close()
    return rows
