"""`mlcost prices refresh` against a stubbed Price List API (botocore Stubber, real shapes)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from mlcost.cli import app
from mlcost.cli import prices as prices_cli
from mlcost.model import Usage
from mlcost.pricing import price, reload
from mlcost.pricing import refresh as rf

PUBLISHED = "2026-10-01T17:22:08Z"


def _item(
    service: str, family: str, attributes: dict[str, str], usd: str, unit: str = "Hrs"
) -> str:
    """One PriceList entry as the API returns it: a JSON *string*."""
    sku = "ABCDEFGHJKLMNPQR"
    return json.dumps(
        {
            "product": {"productFamily": family, "attributes": attributes, "sku": sku},
            "serviceCode": service,
            "terms": {
                "OnDemand": {
                    f"{sku}.JRTCKXETXF": {
                        "priceDimensions": {
                            f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
                                "unit": unit,
                                "endRange": "Inf",
                                "description": f"${usd} per hour",
                                "appliesTo": [],
                                "rateCode": f"{sku}.JRTCKXETXF.6YS6EN2CT7",
                                "beginRange": "0",
                                "pricePerUnit": {"USD": usd},
                            }
                        },
                        "sku": sku,
                        "effectiveDate": "2026-10-01T00:00:00Z",
                        "offerTermCode": "JRTCKXETXF",
                        "termAttributes": {},
                    }
                }
            },
            "version": "20261001172208",
            "publicationDate": PUBLISHED,
        }
    )


def _sm(component: str, usagetype: str, itype: str, usd: str) -> str:
    attrs = {
        "servicecode": "AmazonSageMaker",
        "location": "EU (Ireland)",
        "locationType": "AWS Region",
        "regionCode": "eu-west-1",
        "instanceName": itype,
        "component": component,
        "usagetype": usagetype,
        "operation": "RunInstance",
        "vCpu": "4",
        "memory": "16 GiB",
    }
    return _item("AmazonSageMaker", "ML Instance", attrs, usd)


def _ec2(itype: str, usd: str) -> str:
    attrs = {
        "servicecode": "AmazonEC2",
        "location": "EU (Ireland)",
        "regionCode": "eu-west-1",
        "instanceType": itype,
        "operatingSystem": "Linux",
        "tenancy": "Shared",
        "preInstalledSw": "NA",
        "capacitystatus": "Used",
        "marketoption": "OnDemand",
        "usagetype": f"EU-BoxUsage:{itype}",
        "operation": "RunInstances",
    }
    return _item("AmazonEC2", "Compute Instance", attrs, usd)


def _page(items: list[str], next_token: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = {"FormatVersion": "aws_v1", "PriceList": items}
    if next_token:
        page["NextToken"] = next_token
    return page


def _stubbed_client() -> tuple[Any, Stubber]:
    client = boto3.client(
        "pricing",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    stubber = Stubber(client)
    sm = {**rf.get_products_params("AmazonSageMaker", "eu-west-1"), "MaxResults": 100}
    ec2 = {**rf.get_products_params("AmazonEC2", "eu-west-1"), "MaxResults": 100}
    stubber.add_response(
        "get_products",
        _page(
            [
                _sm("Training", "EU-Train:ml.g5.xlarge", "ml.g5.xlarge", "1.6120000000"),
                _sm("Hosting", "EU-Host:ml.g5.xlarge", "ml.g5.xlarge", "1.5900000000"),
                # managed spot training must never be read as the on-demand training price
                _sm("Training", "EU-Train-Spot:ml.g5.xlarge", "ml.g5.xlarge", "0.4836000000"),
            ],
            next_token="page-2",
        ),
        sm,
    )
    stubber.add_response(
        "get_products",
        _page(
            [
                _sm("Batch Transform", "EU-Tsform:ml.m5.xlarge", "ml.m5.xlarge", "0.2560000000"),
                _sm("Notebook", "EU-Notebk:ml.t3.medium", "ml.t3.medium", "0.0000000000"),
            ]
        ),
        {**sm, "NextToken": "page-2"},
    )
    stubber.add_response("get_products", _page([_ec2("g5.xlarge", "1.1230000000")]), ec2)
    return client, stubber


def test_get_products_filters_are_term_match_on_real_attribute_names() -> None:
    params = rf.get_products_params("AmazonEC2", "us-west-2")
    fields = {f["Field"]: f["Value"] for f in params["Filters"]}
    assert fields == {
        "regionCode": "us-west-2",
        "operatingSystem": "Linux",
        "tenancy": "Shared",
        "preInstalledSw": "NA",
        "capacitystatus": "Used",
    }
    assert {f["Type"] for f in params["Filters"]} == {"TERM_MATCH"}


def test_fetch_parses_pages_and_maps_components() -> None:
    client, stubber = _stubbed_client()
    pages: list[tuple[str, str, int]] = []
    with stubber:
        data = rf.fetch(client, ["eu-west-1"], on_page=lambda s, r, n: pages.append((s, r, n)))
        stubber.assert_no_pending_responses()
    assert pages == [
        ("AmazonSageMaker", "eu-west-1", 3),
        ("AmazonSageMaker", "eu-west-1", 2),
        ("AmazonEC2", "eu-west-1", 1),
    ]
    sid = f"aws-price-list:AmazonSageMaker:{PUBLISHED}"
    assert data["prices"]["training"]["eu-west-1"] == {"ml.g5.xlarge": ["1.6120000000", sid]}
    assert data["prices"]["hosting"]["eu-west-1"]["ml.g5.xlarge"][0] == "1.5900000000"
    assert data["prices"]["batch-transform"]["eu-west-1"]["ml.m5.xlarge"][0] == "0.2560000000"
    assert "notebook" not in data["prices"]  # a $0 line is not a price
    assert data["prices"]["ec2"]["eu-west-1"]["g5.xlarge"][0] == "1.1230000000"
    assert data["sources"][sid]["date"] == "2026-10-01"


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        (
            {"component": "Studio-Notebook", "usagetype": "USE1-Studio:ml.t3.medium"},
            Usage.STUDIO_NOTEBOOK,
        ),
        (
            {"component": "Processing", "usagetype": "USE1-Processing:ml.m5.xlarge"},
            Usage.PROCESSING,
        ),
        ({"usagetype": "USE1-Notebk:ml.t3.medium"}, Usage.NOTEBOOK),
        ({"component": "Hosting", "usagetype": "USE1-AsyncInf:ml.g5.xlarge"}, None),
        ({"component": "Hosting", "usagetype": "USE1-Train:ml.g5.xlarge"}, None),
        ({"component": "Feature Store", "usagetype": "USE1-FS:WriteRequestUnits"}, None),
    ],
)
def test_sagemaker_usage_mapping(attrs: dict[str, str], expected: Usage | None) -> None:
    assert rf.sagemaker_usage(attrs) is expected


def test_cli_refresh_writes_catalogue_that_overrides_snapshot(
    isolated_prices_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # snapshot first: eu-west-1 training is a Studio substitution at 1.57
    before = price("ml.g5.xlarge", "eu-west-1", Usage.TRAINING)
    assert (before.usd_per_hour, before.basis) == (Decimal("1.57"), "substitution")
    client, stubber = _stubbed_client()
    monkeypatch.setattr(prices_cli, "make_pricing_client", lambda: client)
    with stubber:
        result = CliRunner().invoke(app, ["prices", "refresh", "--region", "eu-west-1"])
    assert result.exit_code == 0, result.output
    assert (isolated_prices_dir / "catalogue.json").is_file()
    after = price("ml.g5.xlarge", "eu-west-1", Usage.TRAINING)
    assert (after.usd_per_hour, after.basis, after.date) == (Decimal("1.612"), "list", "2026-10-01")
    assert "Price List API" in after.source
    assert price("g5.xlarge", "eu-west-1", Usage.EC2).usd_per_hour == Decimal("1.123")
    # not in the refresh: still the snapshot
    assert price("ml.g5.xlarge", "us-east-1", Usage.HOSTING).usd_per_hour == Decimal("1.4084")


def test_refresh_merges_with_earlier_refresh(tmp_path: Path) -> None:
    first = {
        "schema": 1,
        "kind": "refreshed",
        "sources": {"a": {"label": "x", "date": "2026-01-01"}},
        "prices": {"ec2": {"us-east-1": {"g5.xlarge": ["1.0", "a"]}}},
    }
    second = {
        "schema": 1,
        "kind": "refreshed",
        "sources": {"b": {"label": "y", "date": "2026-02-01"}},
        "prices": {"ec2": {"eu-west-1": {"g5.xlarge": ["1.1", "b"]}}},
    }
    rf.write(first, tmp_path)
    path = rf.write(second, tmp_path)
    merged = json.loads(path.read_text())
    assert merged["prices"]["ec2"] == {
        "us-east-1": {"g5.xlarge": ["1.0", "a"]},
        "eu-west-1": {"g5.xlarge": ["1.1", "b"]},
    }
    assert set(merged["sources"]) == {"a", "b"}
    reload()
