"""The emulator answers Savings Plans DescribeSavingsPlansOfferingRates (moto has no
savingsplans service) with AWS's shape and no rate at all: it invents none."""

from __future__ import annotations

import boto3
from moto import mock_aws

from mlcost.demo.emulator import patch_moto, start_server

KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
REQUEST = {
    "savingsPlanTypes": ["SageMaker"],
    "products": ["SageMaker"],
    "filters": [{"name": "instanceType", "values": ["ml.g5.xlarge"]}],
    "maxResults": 1000,
}


def test_the_server_offers_no_rate():
    with start_server() as emu:
        client = boto3.client(
            "savingsplans", region_name="us-east-1", endpoint_url=emu.endpoint_url, **KEYS
        )
        response = client.describe_savings_plans_offering_rates(**REQUEST)
        assert response["searchResults"] == [] and "nextToken" not in response
        # every other call still reaches moto
        sts = boto3.client("sts", region_name="us-east-1", endpoint_url=emu.endpoint_url, **KEYS)
        assert sts.get_caller_identity()["Account"] == "123456789012"


def test_in_process_offers_no_rate():
    patch_moto()
    with mock_aws():
        client = boto3.client("savingsplans", region_name="eu-west-1", **KEYS)
        assert client.describe_savings_plans_offering_rates(**REQUEST)["searchResults"] == []
