"""Bounded waits: a terminal failure state ends the wait at once, a state never reached ends
it at the timeout, and the progress display moves while it waits."""

from __future__ import annotations

import pytest
from botocore.exceptions import WaiterError

from mlcost.fix.context import StepFailed
from mlcost.fix.waiters import Waiter


class _Waiter:
    def __init__(self, outcomes: list[str | None]) -> None:
        self.outcomes = outcomes
        self.polls = 0

    def wait(self, **kwargs) -> None:
        assert kwargs["WaiterConfig"] == {"Delay": 0, "MaxAttempts": 1}
        outcome = self.outcomes[min(self.polls, len(self.outcomes) - 1)]
        self.polls += 1
        if outcome is not None:
            raise WaiterError(name="EndpointInService", reason=outcome, last_response={})


class _Client:
    def __init__(self, waiter: _Waiter) -> None:
        self.waiter = waiter

    def get_waiter(self, name: str) -> _Waiter:
        return self.waiter


class _Progress:
    def __init__(self) -> None:
        self.updates: list[float] = []
        self.finished = False

    def start(self, description: str, total: float) -> str:
        return description

    def update(self, task, elapsed: float) -> None:
        self.updates.append(elapsed)

    def finish(self, task) -> None:
        self.finished = True


def _waiter(progress: _Progress, timeout_s: float = 60.0) -> Waiter:
    clock = [0.0]
    return Waiter(
        timeout_s=timeout_s,
        delay_s=15.0,
        progress=progress,
        sleep=lambda s: clock.__setitem__(0, clock[0] + s),
        clock=lambda: clock[0],
    )


def test_reached_after_some_polls():
    waiter = _Waiter(["Max attempts exceeded", "Max attempts exceeded", None])
    progress = _Progress()
    _waiter(progress).wait(
        _Client(waiter), "endpoint_in_service", "creating x", {"EndpointName": "x"}
    )
    assert waiter.polls == 3
    assert progress.updates == [0.0, 15.0] and progress.finished


def test_terminal_failure_state_stops_at_once():
    waiter = _Waiter(["Waiter encountered a terminal failure state: EndpointStatus Failed"])
    progress = _Progress()
    with pytest.raises(StepFailed, match="terminal failure state"):
        _waiter(progress).wait(_Client(waiter), "endpoint_in_service", "creating x", {})
    assert waiter.polls == 1 and progress.finished


def test_never_reached_fails_at_the_timeout():
    waiter = _Waiter(["Max attempts exceeded"])
    with pytest.raises(StepFailed, match="not reached after 60 s"):
        _waiter(_Progress(), timeout_s=60).wait(
            _Client(waiter), "endpoint_deleted", "deleting x", {}
        )
    assert waiter.polls == 5  # t = 0, 15, 30, 45, 60


def _asg_member(state: str) -> dict:
    return {
        "InstanceId": "i-0a1b2c3d4e5f60718",
        "InstanceType": "g5.xlarge",
        "AutoScalingGroupName": "gpu-workers",
        "AvailabilityZone": "us-east-1a",
        "LifecycleState": state,
        "HealthStatus": "HEALTHY",
        "ProtectedFromScaleIn": False,
    }


def _standby_wait(states: list[str]) -> None:
    """Wait for Standby against these AWS-shaped DescribeAutoScalingInstances answers, and
    check that every one of them was polled."""
    import boto3
    from botocore.stub import Stubber

    from mlcost.fix.actions.ec2 import STANDBY

    client = boto3.client(
        "autoscaling", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stub = Stubber(client)
    ids = {"InstanceIds": ["i-0a1b2c3d4e5f60718"]}
    for state in states:
        stub.add_response(
            "describe_auto_scaling_instances", {"AutoScalingInstances": [_asg_member(state)]}, ids
        )
    with stub:
        _waiter(_Progress()).wait(client, "InstancesInStandby", "standby", ids, model=STANDBY)
        stub.assert_no_pending_responses()


def test_standby_is_waited_for_before_the_instance_is_stopped():
    """EnterStandby answers while the instance is still EnteringStandby (load balancer
    draining); the wait goes on until Standby."""
    _standby_wait(["EnteringStandby", "EnteringStandby", "Standby"])


def test_a_member_terminated_while_entering_standby_fails_the_wait():
    with pytest.raises(StepFailed, match="terminal failure state"):
        _standby_wait(["EnteringStandby", "Terminating"])
