"""The one place mlcost starts moto, with the fixes that make it behave like AWS.

Stock moto 5.2.5 is minutes slow and silently wrong on CloudWatch reads, lacks several
SageMaker calls and rejects current instance types (see /work/shared/MOTO.md). The
product's code must call AWS the way AWS wants, so the emulator is fixed instead, here:

* :func:`patch_moto` installs every fix on moto's classes (works under ``mock_aws`` and in
  a server, since both run moto's code in this process);
* :func:`start_server` runs ``ThreadedMotoServer`` on 127.0.0.1 with the fixes;
* :func:`load_metric_data` bulk-loads datapoints into the fast CloudWatch index without
  HTTP (tens of thousands of points in milliseconds);
* :func:`backdate` / :func:`set_job_times` set what AWS would have recorded in the past
  (moto creates everything "now").

The product never imports this module outside :mod:`mlcost.demo` and tests.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from mlcost.demo import (
    bedrock_ext,
    ce_ext,
    cloudtrail_ext,
    cloudwatch_ext,
    ec2_ext,
    iam_ext,
    sagemaker_ext,
    savingsplans_ext,
)

DEFAULT_ACCOUNT_ID = "123456789012"

_patch_lock = threading.Lock()
_patched = False


def patch_moto() -> None:
    """Apply all fixes to moto's in-process classes. Idempotent and thread-safe."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        cloudwatch_ext.apply()
        sagemaker_ext.apply()
        iam_ext.apply()
        ec2_ext.apply()
        cloudtrail_ext.apply()
        bedrock_ext.apply()
        ce_ext.apply()
        savingsplans_ext.apply()
        _patched = True


class EmulatorServer:
    """A running moto server on 127.0.0.1 with mlcost's fixes; a context manager.

    Point boto3 at :attr:`endpoint_url` (or set ``AWS_ENDPOINT_URL`` to it). Any access key
    works; the account id is moto's default ``123456789012``.
    """

    def __init__(self, port: int = 0) -> None:
        from moto.server import ThreadedMotoServer

        patch_moto()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self._running = False
        self.endpoint_url = ""

    def start(self) -> EmulatorServer:
        if not self._running:
            # werkzeug logs every request at INFO; a demo scan makes hundreds.
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
            self._server.start()
            host, port = self._server.get_host_and_port()
            self.endpoint_url = f"http://{host}:{port}"
            self._running = True
        return self

    def stop(self) -> None:
        """Stop serving. moto's state stays in memory until :func:`reset`."""
        if self._running:
            self._server.stop()
            self._running = False

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_server(port: int = 0, *, fresh: bool = True) -> EmulatorServer:
    """Start the patched moto server on 127.0.0.1 (``port=0``: a free port) and return it.

    moto's state is global to the process; ``fresh=True`` (the default) empties it first,
    so a second demo in the same process does not collide with the first one's resources.

    Use as ``with start_server() as emu: boto3.client(..., endpoint_url=emu.endpoint_url)``
    or call ``.stop()`` yourself.
    """
    if fresh:
        reset()
    return EmulatorServer(port).start()


def reset() -> None:
    """Forget every emulated resource and metric (moto's global reset)."""
    from moto.core.base_backend import BackendDict

    BackendDict.reset()


def client_kwargs(endpoint_url: str | None, region: str) -> dict[str, Any]:
    """boto3 client arguments for the emulator: endpoint, region and dummy credentials.

    With ``endpoint_url=None`` (in-process ``mock_aws``) only the region is set.
    """
    kwargs: dict[str, Any] = {"region_name": region}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
        kwargs["aws_access_key_id"] = os.environ.get("AWS_ACCESS_KEY_ID", "testing")
        kwargs["aws_secret_access_key"] = os.environ.get("AWS_SECRET_ACCESS_KEY", "testing")
    return kwargs


# ----------------------------------------------------------------- CloudWatch


def load_metric_data(
    region: str,
    namespace: str,
    metric: str,
    dimensions: dict[str, str],
    timestamps: Sequence[datetime | float],
    values: Sequence[float],
    account_id: str = DEFAULT_ACCOUNT_ID,
    unit: str | None = None,
) -> None:
    """Bulk-load raw datapoints (one sample each) into the emulator's CloudWatch index.

    Equivalent to ``PutMetricData`` of the same points but without HTTP or moto's slow
    list, so a 21-day hourly org of hundreds of series loads in well under a second.
    Timestamps are datetimes (naive = UTC) or epoch seconds.
    """
    patch_moto()
    cloudwatch_ext.index_for(account_id, region).add_points(
        namespace, metric, dimensions, timestamps, values, unit
    )


# ----------------------------------------------------------------- time travel


def _sagemaker(region: str, account_id: str) -> Any:
    from moto.sagemaker.models import sagemaker_backends

    return sagemaker_backends[account_id][region]


def _find(collection: dict[str, Any], name: str, what: str, region: str) -> Any:
    try:
        return collection[name]
    except KeyError:
        raise KeyError(f"No {what} named {name!r} in {region}: create it first") from None


def backdate(
    kind: str,
    name: str,
    created: datetime,
    region: str,
    account_id: str = DEFAULT_ACCOUNT_ID,
) -> None:
    """Set a resource's creation time (and last-modified time) as if created at ``created``.

    ``kind``: ``notebook-instance``, ``endpoint``, ``endpoint-config``, ``training-job``,
    ``processing-job``, ``transform-job``, ``notebook-lifecycle-config`` or
    ``ec2-instance`` (``name`` is the instance id; sets ``LaunchTime``).
    """
    created = _utc(created)
    if kind == "ec2-instance":
        from moto.ec2.models import ec2_backends

        backend = ec2_backends[account_id][region]
        for reservation in backend.reservations.values():
            for instance in reservation.instances:
                if instance.id == name:
                    instance.launch_time = created
                    return
        raise KeyError(f"No EC2 instance {name!r} in {region}: create it first")
    sm = _sagemaker(region, account_id)
    collections = {
        "notebook-instance": sm.notebook_instances,
        "endpoint": sm.endpoints,
        "endpoint-config": sm.endpoint_configs,
        "training-job": sm.training_jobs,
        "processing-job": sm.processing_jobs,
        "transform-job": sm.transform_jobs,
        "notebook-lifecycle-config": sm.notebook_instance_lifecycle_configurations,
    }
    if kind not in collections:
        raise ValueError(
            f"Unknown kind {kind!r}; use one of {sorted([*collections, 'ec2-instance'])}"
        )
    obj = _find(collections[kind], name, kind, region)
    obj.creation_time = created
    obj.last_modified_time = created


def set_job_times(
    kind: str,
    name: str,
    start: datetime,
    end: datetime | None,
    region: str,
    *,
    status: str | None = None,
    billable_seconds: int | None = None,
    failure_reason: str | None = None,
    secondary_status: tuple[str, datetime] | None = None,
    account_id: str = DEFAULT_ACCOUNT_ID,
) -> None:
    """Give a job the timeline AWS would report: created at ``start``, ran until ``end``.

    ``secondary_status`` (training only): the job's current SecondaryStatus and when it
    began, e.g. ``("Downloading", t)`` for a job stuck downloading its data since ``t``.

    For training jobs this sets ``TrainingStartTime``/``TrainingEndTime``,
    ``TrainingTimeInSeconds`` (end - start) and ``BillableTimeInSeconds`` (per instance;
    defaults to the training time, i.e. on-demand; pass less for managed spot). Processing
    and transform jobs get ``ProcessingStartTime``/``ProcessingEndTime`` or
    ``TransformStartTime``/``TransformEndTime``. ``end=None`` leaves the job InProgress.
    """
    start, end = _utc(start), _utc(end) if end else None
    sm = _sagemaker(region, account_id)
    seconds = int((end - start).total_seconds()) if end else None
    if seconds is not None and seconds < 0:
        raise ValueError(f"Job {name!r} ends ({end}) before it starts ({start})")
    if kind == "training-job":
        job = _find(sm.training_jobs, name, kind, region)
        job.training_start_time = start
        job.training_end_time = end
        job.training_time_in_seconds = seconds
        job.billable_time_in_seconds = billable_seconds if billable_seconds is not None else seconds
        job.training_job_status = status or ("Completed" if end else "InProgress")
        job.secondary_status = job.training_job_status
        job.secondary_status_transitions = [
            {
                "Status": "Starting",
                "StartTime": start,
                "EndTime": start,
                "StatusMessage": "Preparing the instances for training",
            },
            {
                "Status": "Training",
                "StartTime": start,
                **({"EndTime": end} if end else {}),
                "StatusMessage": "Training image download completed. Training in progress.",
            },
        ]
        if end is None and secondary_status is None:
            job.secondary_status = "Training"
        if secondary_status is not None:
            current, since = secondary_status[0], _utc(secondary_status[1])
            job.secondary_status = current
            job.secondary_status_transitions = [
                {
                    "Status": "Starting",
                    "StartTime": start,
                    "EndTime": since,
                    "StatusMessage": "Launching requested ML instances",
                },
                {"Status": current, "StartTime": since, "StatusMessage": f"{current}"},
            ]
    elif kind == "processing-job":
        job = _find(sm.processing_jobs, name, kind, region)
        job.processing_start_time = start
        job.processing_end_time = end
        job.processing_job_status = status or ("Completed" if end else "InProgress")
    elif kind == "transform-job":
        job = _find(sm.transform_jobs, name, kind, region)
        job.transform_start_time = start
        job.transform_end_time = end
        job.transform_job_status = status or ("Completed" if end else "InProgress")
    else:
        raise ValueError(
            f"Unknown job kind {kind!r}; use training-job, processing-job or transform-job"
        )
    if failure_reason:
        job.failure_reason = failure_reason
    job.creation_time = start
    job.last_modified_time = end or start


def set_status(
    kind: str, name: str, status: str, region: str, account_id: str = DEFAULT_ACCOUNT_ID
) -> None:
    """Put a notebook instance or endpoint in a state moto cannot reach by itself
    (e.g. ``Failed``, ``Creating``) for fixtures."""
    sm = _sagemaker(region, account_id)
    if kind == "notebook-instance":
        _find(sm.notebook_instances, name, kind, region).status = status
    elif kind == "endpoint":
        _find(sm.endpoints, name, kind, region).endpoint_status = status
    else:
        raise ValueError(f"Unknown kind {kind!r}; use notebook-instance or endpoint")


def set_studio_app_times(
    domain_id: str,
    owner: str,
    app_type: str,
    app_name: str,
    region: str,
    *,
    created: datetime,
    last_user_activity: datetime | None = None,
    last_health_check: datetime | None = None,
    account_id: str = DEFAULT_ACCOUNT_ID,
) -> None:
    """Give a Studio app (``owner``: its space or user profile name) the times DescribeApp
    would report: created at ``created``; ``LastUserActivityTimestamp`` and
    ``LastHealthCheckTimestamp`` (AWS refreshes both at each health check when nobody uses
    the app, so by default both are "now" and say nothing about use)."""
    apps = sagemaker_ext._studio(_sagemaker(region, account_id))["apps"]
    app = apps.get((domain_id, owner, app_type, app_name))
    if app is None:
        raise KeyError(f"No Studio app {app_type}/{app_name} of {owner} in {domain_id}")
    app["CreationTime"] = _utc(created)
    if last_user_activity is not None:
        app["LastUserActivityTimestamp"] = _utc(last_user_activity)
    if last_health_check is not None:
        app["LastHealthCheckTimestamp"] = _utc(last_health_check)


def backdate_studio_domain(
    domain_id: str, created: datetime, region: str, account_id: str = DEFAULT_ACCOUNT_ID
) -> None:
    """Set a Studio domain's creation and last-modified time."""
    domain = _sagemaker(region, account_id).domains[domain_id]
    domain.creation_time = domain.last_modified_time = _utc(created)


def backdate_mlflow_tracking_server(
    name: str,
    created: datetime,
    region: str,
    *,
    last_modified: datetime | None = None,
    account_id: str = DEFAULT_ACCOUNT_ID,
) -> None:
    """Set an MLflow tracking server's CreationTime and LastModifiedTime."""
    server = sagemaker_ext._mlflow(_sagemaker(region, account_id))[name]
    server["CreationTime"] = _utc(created)
    server["LastModifiedTime"] = _utc(last_modified or created)


def record_mlflow_ui_session(
    name: str, when: datetime, region: str, account_id: str = DEFAULT_ACCOUNT_ID
) -> None:
    """CloudTrail's record of someone opening the tracking server's MLflow UI."""
    cloudtrail_ext.record_event(
        account_id,
        region,
        event_name="CreatePresignedMlflowTrackingServerUrl",
        event_source="sagemaker.amazonaws.com",
        when=when,
        request_parameters={
            "trackingServerName": name,
            "sessionExpirationDurationInSeconds": 43200,
        },
    )


def backdate_provisioned_throughput(
    name: str,
    created: datetime,
    region: str,
    *,
    commitment_ends: datetime | None = None,
    account_id: str = DEFAULT_ACCOUNT_ID,
) -> None:
    """Set a Bedrock provisioned model's creation time (and its commitment's end)."""
    from moto.bedrock.models import bedrock_backends

    created = created if created.tzinfo else created.replace(tzinfo=UTC)
    bedrock_ext.set_times(
        bedrock_backends[account_id][region], name, created=created, expires=commitment_ends
    )


def _utc(value: datetime) -> datetime:
    """Naive UTC, as moto stores its own times (it compares them with parsed request times)."""
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
