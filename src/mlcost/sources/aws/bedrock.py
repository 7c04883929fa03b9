"""Bedrock Provisioned Throughput as a resource kind.

ListProvisionedModelThroughputs carries every field a check needs (units, model, status,
commitment and its end), 1,000 a page (the API's maximum), so nothing is described one by
one; a re-check lists by name (``nameContains``). Tags come from Bedrock's
ListTagsForResource (``{"key", "value"}`` pairs), one call each. Traffic is CloudWatch
``AWS/Bedrock`` ``Invocations`` (Sum) with dimension ``ModelId`` = the provisioned model's
ARN, the id it is invoked by.
"""

from __future__ import annotations

from typing import Any

from mlcost.model import MetricLabel, ProvisionedThroughput, Resource, ResourceKind
from mlcost.sources.aws.descriptors import (
    KindSpec,
    ListCall,
    RegionContext,
    SeriesSpec,
    Tagging,
)
from mlcost.sources.aws.kinds import register

BEDROCK_NAMESPACE = "AWS/Bedrock"


def build_provisioned_throughput(ctx: RegionContext, item: dict[str, Any]) -> ProvisionedThroughput:
    arn = item.get("provisionedModelArn", "")
    tags: dict[str, str] = {}
    if arn:
        try:
            response = ctx.client("bedrock").list_tags_for_resource(resourceARN=arn)
            tags = {t["key"]: t.get("value", "") for t in response.get("tags", [])}
        except Exception as exc:  # recorded; the resource is still judged
            ctx.error("bedrock", "ListTagsForResource", exc)
    return ProvisionedThroughput(
        kind=ResourceKind.BEDROCK_PROVISIONED_THROUGHPUT,
        id=item["provisionedModelName"],
        arn=arn,
        region=ctx.region,
        created=item.get("creationTime"),
        tags=tags,
        status=item.get("status", ""),
        model_arn=item.get("modelArn", ""),
        foundation_model_arn=item.get("foundationModelArn", ""),
        model_units=int(item.get("modelUnits") or 0),
        commitment=item.get("commitmentDuration"),
        commitment_expires=item.get("commitmentExpirationTime"),
    )


def _model_id(r: Resource) -> list[tuple[tuple[str, str], ...]]:
    return [(("ModelId", r.arn),)] if r.arn else []


register(
    KindSpec(
        kind=ResourceKind.BEDROCK_PROVISIONED_THROUGHPUT,
        service="bedrock",
        id_field="provisionedModelName",
        arn_field="provisionedModelArn",
        status_field="status",
        listing=ListCall(
            "list_provisioned_model_throughputs",
            "provisionedModelSummaries",
            page_size=1000,
            # a re-check lists by name (nameContains; exact match kept client-side)
            targets=lambda ids: {"nameContains": ids[0]} if len(ids) == 1 else {},
        ),
        tags=Tagging.INLINE,
        lookups=("list_tags_for_resource",),
        series=(
            SeriesSpec(
                MetricLabel.INVOCATIONS,
                BEDROCK_NAMESPACE,
                ("Invocations",),
                "Sum",
                dimensions=_model_id,
            ),
        ),
        build=build_provisioned_throughput,
        model=ProvisionedThroughput,
    )
)
