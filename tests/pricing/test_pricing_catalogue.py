"""Lookups against values checked by hand in shared/data/prices (see each test's comment)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest

from mlcost.model import Usage
from mlcost.pricing import (
    SpotSavings,
    UnknownInstanceType,
    Unpriced,
    catalogue_info,
    price,
    priced_types,
    reload,
    spec,
    spot_savings,
)
from mlcost.pricing.catalogue import SNAPSHOT_PATH, SUBSTITUTION_CONFIDENCE

SUBSTITUTED = [Usage.NOTEBOOK, Usage.TRAINING, Usage.PROCESSING, Usage.BATCH_TRANSFORM]


def test_hosting_g5_xlarge_us_east_1_is_fmbench_list_price() -> None:
    # fmbench_pricing_fallback_2025-01-26.yml: "ml.g5.xlarge: 1.4084"
    q = price("ml.g5.xlarge", "us-east-1", Usage.HOSTING)
    assert q.usd_per_hour == Decimal("1.4084")
    assert q.basis == "list"
    assert q.substituted_from is None
    assert q.confidence == 1.0
    assert "FMBench" in q.source
    assert q.date == "2025-01-26"


def test_studio_notebook_is_exact_list_price() -> None:
    # sagemaker_studio_notebook_2025-06-16.csv: us-east-1,ml.g5.xlarge,...,1.4100000000
    q = price("ml.g5.xlarge", "us-east-1", Usage.STUDIO_NOTEBOOK)
    assert q.usd_per_hour == Decimal("1.41")
    assert (q.basis, q.date) == ("list", "2025-06-16")
    assert "studionotebook" in q.source


@pytest.mark.parametrize("usage", SUBSTITUTED)
def test_other_sagemaker_usages_are_labelled_studio_substitutions(usage: Usage) -> None:
    # eu-west-1 ml.g5.xlarge Studio-Notebook = 1.5700000000 in the 2025-06-16 CSV
    q = price("ml.g5.xlarge", "eu-west-1", usage)
    assert q.usd_per_hour == Decimal("1.57")
    assert q.basis == "substitution"
    assert q.substituted_from is Usage.STUDIO_NOTEBOOK
    assert q.confidence == SUBSTITUTION_CONFIDENCE < 1
    assert q.usage is usage
    ev = q.evidence()
    assert ev["basis"] == "substitution" and ev["substituted_from"] == "studio-notebook"


def test_hosting_without_fmbench_line_is_substitution() -> None:
    # FMBench has no ml.m5.2xlarge; Studio us-east-1 ml.m5.2xlarge = 0.4610000000
    q = price("ml.m5.2xlarge", "us-east-1", Usage.HOSTING)
    assert (q.usd_per_hour, q.basis) == (Decimal("0.461"), "substitution")


def test_p_family_hosting_never_uses_stale_fmbench_prices() -> None:
    # FMBench says ml.p4d.24xlarge 37.688, ml.p5.48xlarge 113.068, ml.p3.2xlarge 3.825 (pre-cut).
    q = price("ml.p4d.24xlarge", "us-east-1", Usage.HOSTING)
    assert q.usd_per_hour != Decimal("37.688")
    # the post-cut Studio-Notebook price (README 1b: $25.2513), labelled
    assert q.usd_per_hour == Decimal("25.2512883")
    assert q.basis == "substitution"
    # p3 was not cut (Studio also says 3.825), but the value must still come from the dated
    # Studio-Notebook file, labelled, not from FMBench
    q3 = price("ml.p3.2xlarge", "us-east-1", Usage.HOSTING)
    assert (q3.basis, q3.date) == ("substitution", "2025-06-16")
    assert "FMBench" not in q3.source
    with pytest.raises(Unpriced):  # no Studio ml.p5 line either: unpriced, not 113.068
        price("ml.p5.48xlarge", "us-east-1", Usage.HOSTING)
    left_out = catalogue_info()["snapshot"]["notes"]["fmbench_left_out"]
    assert any("ml.p5.48xlarge" in line for line in left_out)


def test_g6_is_hosting_priced_in_us_east_1_only() -> None:
    # FMBench "ml.g6.2xlarge: 1.222"; no g6 in the Studio file, so no substitution anywhere.
    assert price("ml.g6.2xlarge", "us-east-1", Usage.HOSTING).usd_per_hour == Decimal("1.222")
    with pytest.raises(Unpriced, match="no training list price"):
        price("ml.g6.2xlarge", "us-east-1", Usage.TRAINING)
    with pytest.raises(Unpriced, match="mlcost prices refresh"):
        price("ml.g6.2xlarge", "eu-west-1", Usage.HOSTING)


def test_ec2_prices_and_sources() -> None:
    # ec2_ondemand_linux_2025-06-13.csv: us-east-1,...,m5.xlarge,m5,0.1920000000
    m5 = price("m5.xlarge", "us-east-1", Usage.EC2)
    assert m5.usd_per_hour == Decimal("0.192")
    assert m5.date == "2025-06-13"
    # GPU type: both files have it; the newer Vantage 2025-11-30 file wins (g5.xlarge 1.006)
    g5 = price("g5.xlarge", "us-east-1", Usage.EC2)
    assert g5.usd_per_hour == Decimal("1.006")
    assert g5.date == "2025-11-30" and "Vantage" in g5.source
    # README 2b: p4d.24xlarge us-east-1 = 21.957642 (post June-2025 cut)
    assert price("p4d.24xlarge", "us-east-1", Usage.EC2).usd_per_hour == Decimal("21.957642")


def test_ml_type_has_no_ec2_price_and_bare_type_reads_as_ml() -> None:
    with pytest.raises(Unpriced, match="SageMaker instance type"):
        price("ml.g5.xlarge", "us-east-1", Usage.EC2)
    assert price("g5.xlarge", "us-east-1", Usage.HOSTING).instance_type == "ml.g5.xlarge"


def test_unknown_type_region_and_usage_fail_loudly() -> None:
    with pytest.raises(Unpriced, match="unknown instance type"):
        price("ml.zz9.huge", "us-east-1", Usage.HOSTING)
    with pytest.raises(Unpriced, match="region 'xx-nowhere-1'"):
        price("g5.xlarge", "xx-nowhere-1", Usage.EC2)
    with pytest.raises(ValueError):
        price("g5.xlarge", "us-east-1", "serverless")  # type: ignore[arg-type]
    with pytest.raises(UnknownInstanceType, match="zz9.huge"):
        spec("ml.zz9.huge")


def test_p5e_has_no_ec2_on_demand_price() -> None:
    # README 2b/2d: p5e is not sold on demand in these feeds
    with pytest.raises(Unpriced):
        price("p5e.48xlarge", "us-east-1", Usage.EC2)


def test_specs() -> None:
    p4d = spec("p4d.24xlarge")
    assert (p4d.vcpu, p4d.memory_gib, p4d.gpu_count) == (96, Decimal(1152), 8)
    assert (p4d.gpu_model, p4d.gpu_memory_gib, p4d.accelerator) == ("NVIDIA A100", 320, "nvidia")
    ml = spec("ml.p4d.24xlarge")
    assert ml.instance_type == "ml.p4d.24xlarge" and ml.family == "p4d"
    assert (ml.vcpu, ml.gpu_memory_gib) == (p4d.vcpu, p4d.gpu_memory_gib)
    inf2 = spec("inf2.48xlarge")  # 12 Inferentia2 chips, 384 GiB accelerator memory
    assert (inf2.gpu_count, inf2.gpu_memory_gib, inf2.accelerator) == (12, 384, "neuron")
    assert spec("ml.trn1.32xlarge").accelerator == "neuron"
    t3 = spec("ml.t3.medium")  # Spot Advisor instance_types: 2 cores, 4 GB
    assert (t3.vcpu, t3.memory_gib, t3.gpu_count, t3.accelerator) == (2, 4, 0, None)
    # Studio CSV says ml.c5.large has 8 GiB in some regions; the type has 4 GiB
    assert spec("c5.large").memory_gib == 4


def test_spot_savings() -> None:
    # ec2_gpu_linux_2025-11-30.csv: g5.xlarge,us-east-1,...,spot_avg 0.39388,>20%,56
    g5 = spot_savings("g5.xlarge", "us-east-1")
    assert isinstance(g5, SpotSavings)
    assert (g5.pct, g5.interruption_band, g5.spot_usd_per_hour) == (
        Decimal(56),
        ">20%",
        Decimal("0.39388"),
    )
    assert (g5.basis, g5.date) == ("spot-price-snapshot", "2025-11-30")
    # ec2_spot_advisor_linux_pre-2024-02-28.csv: us-east-1,m5.xlarge,m5,62,1,5-10%
    m5 = spot_savings("m5.xlarge", "us-east-1")
    assert m5 is not None
    assert (m5.pct, m5.interruption_band, m5.basis) == (Decimal(62), "5-10%", "advisor-estimate")
    assert m5.spot_usd_per_hour is None
    assert "Spot Instance Advisor estimate, early 2024" in m5.source
    assert spot_savings("ml.g5.xlarge", "us-east-1") == g5  # ml.* -> the EC2 proxy
    assert spot_savings("zz9.huge", "us-east-1") is None


def test_priced_types_matches_price() -> None:
    types = priced_types("us-east-1", Usage.TRAINING)
    assert "ml.g5.xlarge" in types and "ml.g6.2xlarge" not in types
    for t in types:
        price(t, "us-east-1", Usage.TRAINING)  # every listed type is priceable
    hosting = priced_types("us-east-1", Usage.HOSTING)
    assert "ml.g6.2xlarge" in hosting and "ml.p5.48xlarge" not in hosting
    assert priced_types("xx-nowhere-1", Usage.EC2) == []


def test_every_snapshot_price_names_a_dated_source() -> None:
    snap = json.loads(SNAPSHOT_PATH.read_text())
    for src in snap["sources"].values():
        assert src["label"] and src["date"][:2] == "20" and src["origin"]
    for by_region in snap["prices"].values():
        for by_type in by_region.values():
            for value, source_id in by_type.values():
                assert Decimal(value) > 0 and source_id in snap["sources"]
    assert SNAPSHOT_PATH.stat().st_size < 1_500_000
    regions = set(catalogue_info()["regions"])
    assert {"us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1", "eu-central-1"} <= regions


def test_refreshed_catalogue_overrides_snapshot(isolated_prices_dir: Path) -> None:
    isolated_prices_dir.mkdir()
    refreshed = {
        "schema": 1,
        "kind": "refreshed",
        "sources": {
            "api": {"label": "AWS Price List API AmazonSageMaker", "date": "2026-01-02"},
        },
        "prices": {"training": {"eu-west-1": {"ml.g5.xlarge": ["1.6", "api"]}}},
    }
    (isolated_prices_dir / "catalogue.json").write_text(json.dumps(refreshed))
    reload()
    q = price("ml.g5.xlarge", "eu-west-1", Usage.TRAINING)
    assert (q.usd_per_hour, q.basis, q.date) == (Decimal("1.6"), "list", "2026-01-02")
    assert "Price List API" in q.source
    # entries the refresh lacks still come from the snapshot
    assert price("ml.g5.xlarge", "eu-west-1", Usage.PROCESSING).basis == "substitution"
    assert catalogue_info()["refreshed"]["entries"] == 1


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_all_studio_rows_match_shared_csv(shared_prices: Path) -> None:
    rows = _csv(shared_prices / "sagemaker" / "sagemaker_studio_notebook_2025-06-16.csv")
    assert len(rows) == 1255
    for row in rows:
        q = price(row["instance_type"], row["region_code"], Usage.STUDIO_NOTEBOOK)
        assert q.usd_per_hour == Decimal(row["usd_per_hour"]), row


def test_ec2_rows_match_the_newest_shared_file(shared_prices: Path) -> None:
    vantage = {
        (r["region_code"], r["instance_type"]): r["usd_per_hour_linux_ondemand"]
        for r in _csv(shared_prices / "ec2" / "ec2_gpu_linux_2025-11-30.csv")
        if r["usd_per_hour_linux_ondemand"]
    }
    for row in _csv(shared_prices / "ec2" / "ec2_ondemand_linux_2025-06-13.csv"):
        key = (row["region_code"], row["instance_type"])
        expected = vantage.get(key, row["usd_per_hour_linux_ondemand"])
        assert price(row["instance_type"], row["region_code"], Usage.EC2).usd_per_hour == Decimal(
            expected
        ), key


def test_broken_refreshed_catalogue_is_a_user_error(isolated_prices_dir: Path) -> None:
    from mlcost.errors import UserError

    isolated_prices_dir.mkdir()
    (isolated_prices_dir / "catalogue.json").write_text("{not json")
    reload()
    with pytest.raises(UserError, match="mlcost prices refresh"):
        price("g5.xlarge", "us-east-1", Usage.EC2)
