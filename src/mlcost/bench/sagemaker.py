"""`mlcost bench --endpoint NAME`: load a SageMaker real-time endpoint through the runtime API.

InvokeEndpoint for a plain body; InvokeEndpointWithResponseStream when the body asks for
``"stream": true`` (each ``PayloadPart`` is one chunk's arrival, as the HTTP backend counts SSE
chunks). boto3 is synchronous, so each call runs in a thread pool sized to the load
(``max_pool_connections`` the same), and the client makes **no retries**: a retried request
would hide the error and count two attempts' time as one latency.

The endpoint's instance type and count are read once (DescribeEndpoint → its endpoint config's
production variants), so the cost per 1,000 needs no ``--instance-type``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ReadTimeoutError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from mlcost.bench.backends import Body
from mlcost.bench.metrics import Sample
from mlcost.errors import UserError

CONTENT_TYPE = "application/json"

#: Threads (and pooled connections) at most: a SageMaker endpoint is loaded at tens to
#: hundreds of requests a second, not thousands.
MAX_THREADS = 128


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    instance_type: str
    instances: int
    #: an asynchronous endpoint (its config has AsyncInferenceConfig): its requests are
    #: counted by ``InvocationsProcessed``, as the checks read them
    asynchronous: bool = False


def clients(region: str, workers: int) -> tuple[Any, Any]:
    """(sagemaker, sagemaker-runtime) clients; tests replace this with stubbed ones."""
    import boto3

    from mlcost.sources.aws.session import bounded

    runtime_config = bounded(
        Config(
            retries={"mode": "standard", "total_max_attempts": 1},
            max_pool_connections=min(max(workers, 10), MAX_THREADS),
        )
    )
    return (
        boto3.client("sagemaker", region_name=region, config=bounded()),
        boto3.client("sagemaker-runtime", region_name=region, config=runtime_config),
    )


#: Every call ``mlcost bench --endpoint`` makes, as (boto3 client, method): the source of
#: ``mlcost policy self --bench`` (the runtime's calls are ``sagemaker:`` actions in IAM).
#: What :func:`variants` reads (the planners borrow it).
VARIANT_CALLS: tuple[tuple[str, str], ...] = (
    ("sagemaker", "describe_endpoint"),
    ("sagemaker", "describe_endpoint_config"),
)
CALLS: tuple[tuple[str, str], ...] = (
    *VARIANT_CALLS,
    ("sagemaker-runtime", "invoke_endpoint"),
    ("sagemaker-runtime", "invoke_endpoint_with_response_stream"),
)


def variants(sagemaker: Any, endpoint: str) -> list[Variant]:
    """The endpoint's instance variants (type and current count); a ``UserError`` when it does
    not exist or is not InService."""
    try:
        described = sagemaker.describe_endpoint(EndpointName=endpoint)
    except ClientError as err:
        message = err.response.get("Error", {}).get("Message", str(err))
        raise UserError(
            f"cannot load endpoint {endpoint!r}: {message}",
            "check the name and --region (`aws sagemaker list-endpoints`)",
        ) from None
    if described.get("EndpointStatus") != "InService":
        raise UserError(
            f"endpoint {endpoint!r} is {described.get('EndpointStatus')}, not InService",
            "wait until it is InService",
        )
    config = sagemaker.describe_endpoint_config(EndpointConfigName=described["EndpointConfigName"])
    types = {v["VariantName"]: v.get("InstanceType") for v in config.get("ProductionVariants", [])}
    out = []
    for live in described.get("ProductionVariants", []):
        itype = types.get(live["VariantName"])
        if itype:  # serverless variants have no instance type
            count = live.get("CurrentInstanceCount", live.get("DesiredInstanceCount", 1))
            out.append(
                Variant(live["VariantName"], itype, int(count), "AsyncInferenceConfig" in config)
            )
    return out


def sender(
    runtime: Any, endpoint: str, workers: int
) -> tuple[Callable[[Body, Sample], Awaitable[None]], ThreadPoolExecutor]:
    """An async ``send(body, sample)`` over the runtime client, and its pool (to shut down)."""
    # more in flight than MAX_THREADS waits in the pool's queue: counted in the latency
    pool = ThreadPoolExecutor(
        max_workers=min(workers, MAX_THREADS), thread_name_prefix="mlcost-bench"
    )

    async def send(body: Body, sample: Sample) -> None:
        await asyncio.get_running_loop().run_in_executor(
            pool, invoke, runtime, endpoint, body, sample
        )

    return send, pool


def invoke(runtime: Any, endpoint: str, body: Body, sample: Sample) -> None:
    """One call, timed into ``sample``; a failure is recorded by kind, never raised."""
    args = {"EndpointName": endpoint, "Body": body.data, "ContentType": CONTENT_TYPE}
    try:
        if body.stream:
            answer = runtime.invoke_endpoint_with_response_stream(**args)
            last = None
            for event in answer["Body"]:
                if "PayloadPart" not in event:
                    sample.error = "stream_error"  # ModelStreamError / InternalStreamFailure
                    break
                if not event["PayloadPart"].get("Bytes"):
                    continue
                now = perf_counter()
                if last is None:
                    sample.first_token = now
                else:
                    sample.gaps.append(now - last)
                last = now
                sample.output_tokens = (sample.output_tokens or 0) + 1
        else:
            answer = runtime.invoke_endpoint(**args)
            answer["Body"].read()
    except ClientError as err:
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = err.response.get("Error", {}).get("Code", "error")
        sample.error = f"http_{status}" if status else f"aws_{code}"
    except ReadTimeoutError:
        sample.error = "timeout"
    except BotoConnectionError:
        sample.error = "connection"
    sample.ended = perf_counter()
