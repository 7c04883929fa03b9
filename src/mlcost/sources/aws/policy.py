"""The IAM policy a scan needs, derived from the kinds' descriptors.

Why derived: the calls a scan makes are data on each ``KindSpec`` (listing, fallback,
describe, tags, lookups, enrichments) and on its series (GetMetricData, ListMetrics), so the
least-privilege policy is computed from the same data the collector walks and cannot drift
from the code (Cloud Custodian's ``get_permissions`` idea). Read-only by construction.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import botocore.session
from botocore import xform_name

from mlcost.sources.aws.descriptors import Needs
from mlcost.sources.aws.kinds import REGISTRY

#: boto3 client name -> IAM service prefix, where they differ.
IAM_PREFIX = {
    "application-autoscaling": "application-autoscaling",
    "sagemaker-runtime": "sagemaker",
}

#: Calls every scan makes whatever the checks: the account id (sts:GetCallerIdentity needs
#: no permission, so it is not listed).
ALWAYS: tuple[tuple[str, str], ...] = ()


@functools.cache
def _api_names(service: str) -> dict[str, str]:
    """snake_case method name -> API operation name for one service (botocore's model)."""
    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(name): name for name in model.operation_names}


#: Calls whose IAM action is not named after the API operation (AWS Budgets: "Actions
#: defined by AWS Budget Service" - DescribeBudgets needs ViewBudget, Create/DeleteBudget
#: ModifyBudget).
IAM_ACTION = {
    ("budgets", "DescribeBudgets"): "budgets:ViewBudget",
    ("budgets", "DescribeBudget"): "budgets:ViewBudget",
    ("budgets", "CreateBudget"): "budgets:ModifyBudget",
    ("budgets", "DeleteBudget"): "budgets:ModifyBudget",
}


def iam_action(service: str, operation: str) -> str:
    """``("sagemaker", "describe_endpoint")`` -> ``"sagemaker:DescribeEndpoint"``."""
    api = _api_names(service).get(operation, operation)
    if (service, api) in IAM_ACTION:
        return IAM_ACTION[(service, api)]
    return f"{IAM_PREFIX.get(service, service)}:{api}"


def scan_actions(needs: Needs) -> list[str]:
    """Every IAM action a scan with these needs may call (sorted, de-duplicated)."""
    calls: set[tuple[str, str]] = set(ALWAYS)
    for kind, spec in REGISTRY.items():
        if kind not in needs.kinds:
            continue
        labels = needs.labels.get(kind, frozenset())
        calls.update(spec.operations(labels))
        series = [s for s in spec.series if s.label in labels]
        if series:
            calls.add(("cloudwatch", "get_metric_data"))
        if any(s.discovered for s in series):
            calls.add(("cloudwatch", "list_metrics"))
    return sorted({iam_action(service, op) for service, op in calls})


#: What ``--region all`` calls to list the account's enabled regions: not part of every scan,
#: so ``mlcost policy self --all-regions`` adds it.
REGION_DISCOVERY: tuple[tuple[str, str], ...] = (("ec2", "describe_regions"),)


def statement(sid: str, calls: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """An Allow statement for these (boto3 client, method) calls, as IAM actions."""
    actions = sorted({iam_action(service, op) for service, op in calls})
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": "*"}


def scan_policy(needs: Needs) -> dict[str, Any]:
    """An IAM policy document allowing exactly :func:`scan_actions`."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "MlcostScanReadOnly",
                "Effect": "Allow",
                "Action": scan_actions(needs),
                "Resource": "*",
            }
        ],
    }
