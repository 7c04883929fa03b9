"""Credentials, regions, endpoints and progress: what the user meets before any resource."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import UTC, datetime

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sources_aws_fakes import ROLE, FakeCloudWatch, make_endpoints

from mlcost.errors import UserError
from mlcost.sources.aws import CallCounter, collect_inventory

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_no_credentials_is_a_user_error_with_what_to_do(aws_env: None, monkeypatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    session = boto3.Session(region_name="us-east-1")
    counter = CallCounter().attach(session)
    with pytest.raises(UserError) as caught:
        collect_inventory(["us-east-1"], 7, session=session, now=NOW)
    assert caught.value.problem == "no AWS credentials found"
    assert "aws configure" in (caught.value.hint or "")
    assert counter.counts == {"sts.GetCallerIdentity": 1}  # it stopped at the first call


def test_unknown_region_is_a_user_error_before_any_call(session: boto3.Session) -> None:
    counter = CallCounter().attach(session)
    with pytest.raises(UserError, match="us-east-9"):
        collect_inventory(["us-east-1", "us-east-9"], 7, session=session, now=NOW)
    assert counter.total() == 0


@pytest.mark.parametrize(("days", "workers"), [(0, 8), (7, 0)])
def test_bad_arguments_are_user_errors(session: boto3.Session, days: int, workers: int) -> None:
    with pytest.raises(UserError):
        collect_inventory(["us-east-1"], days, session=session, now=NOW, max_workers=workers)


def test_aws_endpoint_url_alone_points_every_client_at_an_emulator(
    aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """boto3 >= 1.28 honours AWS_ENDPOINT_URL itself; the source adds nothing of its own."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        seed = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=url)
        seed.create_notebook_instance(
            NotebookInstanceName="via-endpoint-url", InstanceType="ml.t3.medium", RoleArn=ROLE
        )
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        inv = collect_inventory(["us-east-1"], 7, now=NOW)  # default session: env chain
    finally:
        server.stop()
    assert [r.id for r in inv.resources] == ["via-endpoint-url", "123456789012"]  # + account
    assert inv.account == "123456789012"
    assert inv.errors == []


class RecordingProgress:
    def __init__(self) -> None:
        self.tasks: dict[int, tuple[str, int | None]] = {}
        self.done: dict[int, int] = {}

    def add_task(self, description: str, total: int | None) -> Hashable:
        task = len(self.tasks)
        self.tasks[task] = (description, total)
        self.done[task] = 0
        return task

    def advance(self, task_id: Hashable, n: int = 1) -> None:
        self.done[task_id] += n  # type: ignore[index]


def test_progress_has_one_task_per_region_and_phase_advanced_to_its_total(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    make_endpoints(session, "us-east-1", ["a", "b"])
    progress = RecordingProgress()
    collect_inventory(["us-east-1", "eu-west-1"], 21, session=session, now=NOW, progress=progress)
    by_name = {desc: (total, progress.done[t]) for t, (desc, total) in progress.tasks.items()}
    assert set(by_name) == {
        "us-east-1: inventory",
        "us-east-1: metrics",
        "eu-west-1: inventory",
        "eu-west-1: metrics",
    }
    # 2 endpoints x 3 series = 6 queries: one call over the whole 21 days (6 x 505 hourly
    # datapoints fit one response)
    assert by_name["us-east-1: metrics"] == (1, 1)
    assert by_name["eu-west-1: metrics"] == (0, 0)
    # inventory: one list or Search page per kind a check reads (the first region also
    # reads the global kinds, IAM), one more for each List call's still-running pass
    # (processing jobs) + two endpoints built
    from mlcost.checks import needs_for
    from mlcost.sources.aws.descriptors import ListCall
    from mlcost.sources.aws.kinds import REGISTRY

    kinds = needs_for(None).kinds
    second = sum(
        1
        for k in kinds
        if isinstance(REGISTRY[k].listing, ListCall) and REGISTRY[k].listing.running
    )
    assert second == 1
    assert by_name["us-east-1: inventory"] == (None, len(kinds) + second + 2)


def test_a_single_worker_still_finishes_with_the_same_inventory(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    """Listing never waits on its own pool, so one worker cannot deadlock."""
    make_endpoints(session, "us-east-1", ["a", "b", "c"])
    one = collect_inventory(["us-east-1"], 7, session=session, now=NOW, max_workers=1)
    many = collect_inventory(["us-east-1"], 7, session=session, now=NOW, max_workers=8)
    assert (
        [r.id for r in one.resources]
        == [r.id for r in many.resources]
        == ["a", "b", "c", "123456789012"]
    )
    assert {k: [s.name for s in v] for k, v in one.metrics.items()} == {
        k: [s.name for s in v] for k, v in many.metrics.items()
    }
