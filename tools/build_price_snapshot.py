"""Build mlcost's shipped price snapshot from the dated price files in ``shared/data/prices``.

Why a script: the snapshot in ``src/mlcost/pricing/data/snapshot.json`` is generated data. This
is the only way it is made, so anyone can check every number against the dated upstream files
(whose origins and quirks are described in ``shared/data/prices/README.md``) and regenerate it.
The output is deterministic (no timestamps, sorted keys): rebuilding from the same files gives a
byte-identical snapshot, which a test checks.

What goes in (nothing else; no price is derived from another region, family, size or from EC2):

* specs (vCPU, memory, GPUs, accelerator) per instance type: the Vantage GPU CSV for GPU and
  Neuron types, else the Spot Advisor ``instance_types`` (CPU types), else the Studio-Notebook CSV;
* ``studio-notebook`` prices: the Studio-Notebook list prices (AWS feed, 2025-06-16), all regions;
* ``hosting`` prices: FMBench's ``pricing_fallback.yml`` (us-east-1, no later than 2025-01-26),
  except the P-family lines (p3, p4d, p5), which predate AWS's June 2025 P4/P5 price cut;
* ``ec2`` Linux on-demand prices: the 2025-06-13 CSV, overridden by the newer 2025-11-30 Vantage
  CSV where it has the type and region;
* EC2 spot evidence: Vantage spot_avg + savings % (2025-11-30) where present, else the Spot
  Instance Advisor savings % and interruption band (early 2024).

Usage::

    python tools/build_price_snapshot.py [--prices-dir ../shared/data/prices] [--output PATH]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PRICES_DIR = REPO_ROOT / ".." / "shared" / "data" / "prices"
DEFAULT_OUTPUT = REPO_ROOT / "src" / "mlcost" / "pricing" / "data" / "snapshot.json"

#: Families the snapshot keeps (the task list, plus those the files also cover for ML work).
FAMILIES = frozenset(
    [
        "t3",
        "m5",
        "m5d",
        "m6i",
        "m7i",
        "c5",
        "c6i",
        "c7i",
        "r5",
        "r6i",
        "g4dn",
        "g5",
        "g6",
        "g6e",
        "p3",
        "p3dn",
        "p4d",
        "p4de",
        "p5",
        "p5e",
        "inf1",
        "inf2",
        "trn1",
        "trn1n",
        "trn2",
    ]
)
#: FMBench's P-family hosting lines are pre-June-2025-cut prices (README 1d): left out.
FMBENCH_STALE_FAMILIES = frozenset({"p3", "p4d", "p5"})

STUDIO_CSV = "sagemaker/sagemaker_studio_notebook_2025-06-16.csv"
FMBENCH_YML = "sagemaker/fmbench_pricing_fallback_2025-01-26.yml"
EC2_OD_CSV = "ec2/ec2_ondemand_linux_2025-06-13.csv"
VANTAGE_CSV = "ec2/ec2_gpu_linux_2025-11-30.csv"
ADVISOR_JSON = "ec2/ec2_spot_advisor_snapshot_pre-2024-02-28.raw.json"
ADVISOR_CSV = "ec2/ec2_spot_advisor_linux_pre-2024-02-28.csv"

SOURCES: dict[str, dict[str, str]] = {
    "studio": {
        "label": "AWS pricing-page feed sagemaker-instances-studionotebook.json (Studio-Notebook)",
        "file": STUDIO_CSV,
        "origin": "github.com/QuinnyPig/aws-price-watcher raw/sagemaker-instances-studionotebook.json"
        " @10405a13; AWS b0.p.awsstatic.com meteredUnitMaps/sagemaker",
        "date": "2025-06-16",
    },
    "fmbench": {
        "label": "FMBench pricing_fallback.yml (SageMaker real-time hosting, us-east-1)",
        "file": FMBENCH_YML,
        "origin": "github.com/aws-samples/foundation-model-benchmarking-tool"
        " fmbench/configs/pricing_fallback.yml @39ce6b9c",
        "date": "2025-01-26",
        "date_note": "prices dated no later than 2025-01-26",
    },
    "ec2_od": {
        "label": "AWS EC2 pricing-page feed ec2.json (Linux on-demand, shared tenancy)",
        "file": EC2_OD_CSV,
        "origin": "github.com/QuinnyPig/aws-price-watcher processed/ec2.json @07c8174c",
        "date": "2025-06-13",
    },
    "vantage": {
        "label": "Vantage instances.json (ec2instances.info; AWS price list and spot feeds)",
        "file": VANTAGE_CSV,
        "origin": "github.com/tsaol/aws-gpu data/gpu_instances_raw.json @2d0108c7",
        "date": "2025-11-30",
    },
    "advisor": {
        "label": "Spot Instance Advisor estimate, early 2024",
        "file": ADVISOR_CSV,
        "origin": "AWS spot-advisor-data.json via github.com/ETOgaosion/bamboo"
        " data/spot-advisor-data.json @0faa479f",
        "date": "2024-02-28",
        "date_note": "feed undated; contents date it between 2023-12 and 2024-02-28",
    },
}


#: An AWS Region code ("us-east-1", "us-gov-west-1"); Local Zone and Wavelength codes
#: ("us-east-1-bos-1", "us-west-2-wl1-lax1") in the Vantage file are left out, as in the CSVs.
REGION_CODE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


def family_of(instance_type: str) -> str:
    """``ml.g5.xlarge`` and ``g5.xlarge`` are both family ``g5``."""
    return instance_type.removeprefix("ml.").split(".")[0]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _num(text: str) -> str:
    """A spec number as a canonical decimal string ("16", "0.5")."""
    value = Decimal(text).normalize()
    return format(value, "f")


def _accelerator(gpu_model: str | None) -> str | None:
    if not gpu_model:
        return None
    if gpu_model.startswith("NVIDIA"):
        return "nvidia"
    if gpu_model.startswith("AWS Inferentia") or gpu_model.startswith("AWS Trainium"):
        return "neuron"
    return None


def _gpu_model(instance_type: str, vantage_model: str) -> str:
    """Vantage labels Trainium chips "AWS Inferentia"; the type name says Trainium (trn*)."""
    if family_of(instance_type).startswith("trn") and vantage_model == "AWS Inferentia":
        return "AWS Trainium"
    return vantage_model


def parse_fmbench_instance_prices(text: str) -> dict[str, str]:
    """The ``pricing.instance_based`` block of FMBench's YAML, prices kept as written.

    A YAML loader would turn "21.50" into a float; the exact strings matter, and the block is
    a flat ``name: number`` list, so it is read line by line.
    """
    out: dict[str, str] = {}
    in_block = False
    for line in text.splitlines():
        if re.match(r"^\s{2}instance_based:\s*$", line):
            in_block = True
            continue
        if in_block and re.match(r"^\s{2}\S", line):
            break
        m = re.match(r"^\s{4}([A-Za-z0-9.\-:]+):\s*([0-9.]+)\s*$", line) if in_block else None
        if m:
            out[m.group(1)] = m.group(2)
    return out


def _specs(d: Path, wanted: set[str]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    specs: dict[str, dict[str, Any]] = {}
    conflicts: list[str] = []
    for row in _rows(d / VANTAGE_CSV):
        t = row["instance_type"]
        if family_of(t) not in FAMILIES or t in specs:
            continue
        model = _gpu_model(t, row["gpu_model"])
        specs[t] = {
            "vcpu": int(row["vcpu"]),
            "memory_gib": _num(row["memory_gib"]),
            "gpu_count": int(row["gpu_count"]),
            "gpu_model": model,
            "gpu_memory_gib": _num(row["gpu_memory_gib_total"]),
            "accelerator": _accelerator(model),
            "source": "vantage",
        }
    advisor_types = json.loads((d / ADVISOR_JSON).read_text())["instance_types"]
    for t, info in advisor_types.items():
        if family_of(t) not in FAMILIES:
            continue
        vcpu, mem = int(info["cores"]), _num(str(info["ram_gb"]))
        if t in specs:
            if (specs[t]["vcpu"], specs[t]["memory_gib"]) != (vcpu, mem):
                conflicts.append(f"{t}: vantage {specs[t]['vcpu']}/{specs[t]['memory_gib']}")
            continue
        specs[t] = {"vcpu": vcpu, "memory_gib": mem, "gpu_count": 0, "gpu_model": None}
        specs[t] |= {"gpu_memory_gib": "0", "accelerator": None, "source": "advisor"}
    for row in _rows(d / STUDIO_CSV):
        t = row["instance_type"].removeprefix("ml.")
        if family_of(t) not in FAMILIES:
            continue
        vcpu, mem = int(row["vcpu"]), _num(row["memory_gib"])
        if t in specs:
            if (specs[t]["vcpu"], specs[t]["memory_gib"]) != (vcpu, mem):
                conflicts.append(f"{t}: studio {vcpu}/{mem} vs {specs[t]['source']}")
            continue
        specs[t] = {"vcpu": vcpu, "memory_gib": mem, "gpu_count": 0, "gpu_model": None}
        specs[t] |= {"gpu_memory_gib": "0", "accelerator": None, "source": "studio"}
    # Keep only types that something prices (or gives spot evidence for).
    return {t: specs[t] for t in sorted(specs) if t in wanted}, sorted(set(conflicts))


def build(prices_dir: Path) -> dict[str, Any]:
    """Read the dated files under ``prices_dir`` and return the snapshot as a JSON-able dict."""
    d = Path(prices_dir)
    prices: dict[str, dict[str, dict[str, list[str]]]] = {}

    def put(usage: str, region: str, itype: str, value: str, source: str) -> None:
        prices.setdefault(usage, {}).setdefault(region, {})[itype] = [value, source]

    for row in _rows(d / STUDIO_CSV):
        if family_of(row["instance_type"]) in FAMILIES:
            assert row["component"] == "Studio-Notebook", row
            put(
                "studio-notebook",
                row["region_code"],
                row["instance_type"],
                row["usd_per_hour"],
                "studio",
            )

    fmbench = parse_fmbench_instance_prices((d / FMBENCH_YML).read_text(encoding="utf-8"))
    left_out: list[str] = []
    for itype, value in fmbench.items():
        if not itype.startswith("ml."):
            continue  # EC2 lines (we have dated EC2 feeds) and a Bedrock entry
        fam = family_of(itype)
        if fam in FMBENCH_STALE_FAMILIES:
            left_out.append(f"{itype} {value} (pre-June-2025 P-family price)")
        elif fam in FAMILIES:
            put("hosting", "us-east-1", itype, value, "fmbench")

    for row in _rows(d / EC2_OD_CSV):
        if row["family"] in FAMILIES:
            put(
                "ec2",
                row["region_code"],
                row["instance_type"],
                row["usd_per_hour_linux_ondemand"],
                "ec2_od",
            )

    spot: dict[str, dict[str, list[str | None]]] = {}
    for row in _rows(d / VANTAGE_CSV):
        t, region = row["instance_type"], row["region_code"]
        if family_of(t) not in FAMILIES or not REGION_CODE.match(region):
            continue
        if row["usd_per_hour_linux_ondemand"]:
            put("ec2", region, t, row["usd_per_hour_linux_ondemand"], "vantage")
        if row["spot_savings_pct_vs_ondemand"]:
            band = row["spot_interruption_band"] or None
            spot.setdefault(region, {})[t] = [
                row["spot_savings_pct_vs_ondemand"],
                band,
                row["spot_avg"] or None,
                "vantage",
            ]
    for row in _rows(d / ADVISOR_CSV):
        t, region = row["instance_type"], row["region_code"]
        if row["family"] in FAMILIES and t not in spot.get(region, {}):
            spot.setdefault(region, {})[t] = [
                row["spot_savings_pct_vs_ondemand"],
                row["interruption_frequency"],
                None,
                "advisor",
            ]

    wanted = {t.removeprefix("ml.") for u in prices.values() for r in u.values() for t in r}
    wanted |= {t for r in spot.values() for t in r}
    specs, conflicts = _specs(d, wanted)

    return {
        "schema": 1,
        "generated_by": "tools/build_price_snapshot.py (do not edit by hand)",
        "sources": SOURCES,
        "notes": {
            "fmbench_left_out": sorted(left_out),
            "spec_conflicts": conflicts,
        },
        "specs": specs,
        "prices": {
            u: {r: dict(sorted(t.items())) for r, t in sorted(v.items())}
            for u, v in sorted(prices.items())
        },
        "spot": {r: dict(sorted(t.items())) for r, t in sorted(spot.items())},
    }


def dumps(snapshot: dict[str, Any]) -> str:
    """The snapshot's on-disk form: compact, sorted, one trailing newline."""
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prices-dir", type=Path, default=DEFAULT_PRICES_DIR)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if not (args.prices_dir / "README.md").is_file():
        print(
            f"error: {args.prices_dir} is not the shared price folder (no README.md) — "
            "pass --prices-dir pointing at shared/data/prices",
            file=sys.stderr,
        )
        return 2
    snapshot = build(args.prices_dir)
    text = dumps(snapshot)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    n = sum(len(t) for u in snapshot["prices"].values() for t in u.values())
    print(f"wrote {args.output} ({len(text):,} bytes, {n} prices, {len(snapshot['specs'])} specs)")
    for conflict in snapshot["notes"]["spec_conflicts"]:
        print(f"spec conflict (first source kept): {conflict}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
