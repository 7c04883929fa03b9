"""Notebook and EC2 fixes against moto, each with its undo."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from fix_helpers import REGION, ROLE, make_runner, scan, seed_notebook

from mlcost.agent import lifecycle
from mlcost.fix.findings import FindingSet
from mlcost.model import Finding, Fix, ResourceKind, Risk


def _status(name: str) -> dict:
    return boto3.client("sagemaker", region_name=REGION).describe_notebook_instance(
        NotebookInstanceName=name
    )


def test_stop_idle_notebook_then_undo_starts_it(aws, journal):
    seed_notebook("ana-gpu")
    found = scan(["idle-notebook"])
    [finding] = [f for f in found.findings if f.resource_id == "ana-gpu"]
    runner = make_runner(journal)

    [outcome] = runner.apply(found, [finding])

    assert outcome.state == "done", outcome.reason
    assert _status("ana-gpu")["NotebookInstanceStatus"] == "Stopped"
    assert runner.undo(outcome.fix_id).state == "done"
    assert _status("ana-gpu")["NotebookInstanceStatus"] == "InService"


def _script(name: str) -> bytes:
    sm = boto3.client("sagemaker", region_name=REGION)
    config = sm.describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=name
    )
    return base64.b64decode(config["OnStart"][0]["Content"])


def test_attach_autostop_to_running_notebook_restarts_it_and_undo_detaches(aws, journal):

    seed_notebook("bo-cpu", itype="ml.t3.medium", idle=False)
    found = scan(["notebook-no-autostop"])
    [finding] = [f for f in found.findings if f.resource_id == "bo-cpu"]
    lcc = finding.fix.params["LifecycleConfigName"]
    runner = make_runner(journal)

    [outcome] = runner.apply(found, [finding])

    assert outcome.state == "done", outcome.reason
    nb = _status("bo-cpu")
    assert (nb["NotebookInstanceStatus"], nb["NotebookInstanceLifecycleConfigName"]) == (
        "InService",
        lcc,
    )
    # the same script `mlcost agent lifecycle-config --target notebook` prints
    assert _script(lcc) == lifecycle.render("notebook", lifecycle.agent_args("notebook"))

    assert runner.undo(outcome.fix_id).state == "done"
    nb = _status("bo-cpu")
    assert nb["NotebookInstanceStatus"] == "InService"
    assert nb.get("NotebookInstanceLifecycleConfigName") is None


def test_attach_autostop_to_stopped_notebook_leaves_it_stopped_and_undo_restores_old_script(
    aws, journal
):
    sm = boto3.client("sagemaker", region_name=REGION)
    old = base64.b64encode(b"#!/bin/bash\necho old\n").decode()
    sm.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="team-autostop", OnStart=[{"Content": old}]
    )
    seed_notebook("cy-cpu", itype="ml.t3.medium", idle=False)
    sm.stop_notebook_instance(NotebookInstanceName="cy-cpu")
    finding = _finding(
        "notebook-no-autostop",
        ResourceKind.NOTEBOOK_INSTANCE,
        "cy-cpu",
        Fix(
            "attach-lifecycle-config",
            {"NotebookInstanceName": "cy-cpu", "LifecycleConfigName": "team-autostop"},
        ),
    )
    runner = make_runner(journal, recheck=lambda f, start: None)

    [outcome] = runner.apply(_set([finding]), [finding])

    assert outcome.state == "done", outcome.reason
    nb = _status("cy-cpu")
    assert (nb["NotebookInstanceStatus"], nb["NotebookInstanceLifecycleConfigName"]) == (
        "Stopped",
        "team-autostop",
    )
    assert lifecycle.MARKER.encode() in _script("team-autostop")
    assert runner.undo(outcome.fix_id).state == "done"
    assert _status("cy-cpu")["NotebookInstanceStatus"] == "Stopped"
    assert _script("team-autostop") == b"#!/bin/bash\necho old\n"


def _finding(check: str, kind: ResourceKind, rid: str, fix: Fix, arn: str = "") -> Finding:
    return Finding(
        id=f"test-{rid}",
        check=check,
        resource_kind=kind,
        resource_id=rid,
        resource_arn=arn,
        region=REGION,
        title="test",
        evidence={},
        monthly_cost_usd=None,
        monthly_savings_usd=None,
        fix=fix,
        risk=Risk.REVIEW,
        confidence=0.9,
    )


def _set(findings: list[Finding]) -> FindingSet:
    return FindingSet(
        generated_at=datetime.now(UTC),
        source="aws",
        regions=[REGION],
        lookback_days=14,
        findings=findings,
        origin="test",
    )


def _gpu_instance(tags: list[dict] | None = None) -> str:
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    spec = {"ResourceType": "instance", "Tags": tags or [{"Key": "Name", "Value": "gpu-box"}]}
    return ec2.run_instances(
        ImageId=image, InstanceType="g5.xlarge", MinCount=1, MaxCount=1, TagSpecifications=[spec]
    )["Instances"][0]["InstanceId"]


def _state(instance_id: str) -> str:
    ec2 = boto3.client("ec2", region_name=REGION)
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0][
        "State"
    ]["Name"]


def _idle_ec2(instance_id: str) -> None:
    from mlcost.demo import emulator

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    hours = [now - timedelta(hours=h) for h in range(1, 14 * 24)]
    emulator.backdate("ec2-instance", instance_id, now - timedelta(days=30), REGION)
    for ns, metric in (("AWS/EC2", "CPUUtilization"), ("MLCost/Agent", "GPUUtilization")):
        emulator.load_metric_data(
            REGION, ns, metric, {"InstanceId": instance_id}, hours, [0.5] * len(hours)
        )
    emulator.load_metric_data(
        REGION, "MLCost/Agent", "Busy", {"InstanceId": instance_id}, hours, [0.0] * len(hours)
    )


def test_stop_idle_ec2_instance_then_undo_starts_it(aws, journal):
    instance_id = _gpu_instance()
    _idle_ec2(instance_id)
    found = scan(["idle-ec2-gpu"])
    [finding] = [f for f in found.findings if f.resource_id == instance_id]
    assert finding.fix.action == "stop-instances"
    runner = make_runner(journal)

    [outcome] = runner.apply(found, [finding])

    assert outcome.state == "done", outcome.reason
    assert _state(instance_id) == "stopped"
    assert runner.undo(outcome.fix_id).state == "done"
    assert _state(instance_id) == "running"


def test_scale_down_auto_scaling_group_puts_the_idle_member_in_standby_and_undo_returns_it(
    aws, journal
):
    ec2 = boto3.client("ec2", region_name=REGION)
    asg = boto3.client("autoscaling", region_name=REGION)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    asg.create_launch_configuration(
        LaunchConfigurationName="gpu-lc", ImageId=image, InstanceType="g5.xlarge"
    )
    asg.create_auto_scaling_group(
        AutoScalingGroupName="gpu-workers",
        LaunchConfigurationName="gpu-lc",
        MinSize=2,
        MaxSize=4,
        DesiredCapacity=2,
        AvailabilityZones=[f"{REGION}a"],
    )
    group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["gpu-workers"])
    idle = group["AutoScalingGroups"][0]["Instances"][0]["InstanceId"]
    finding = _finding(
        "idle-ec2-gpu",
        ResourceKind.EC2_INSTANCE,
        idle,
        Fix(
            "scale-down-auto-scaling-group",
            {"AutoScalingGroupName": "gpu-workers", "InstanceIds": [idle]},
        ),
    )
    runner = make_runner(journal, recheck=lambda f, start: None)

    [outcome] = runner.apply(_set([finding]), [finding])

    assert outcome.state == "done", outcome.reason
    after = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["gpu-workers"])
    group = after["AutoScalingGroups"][0]
    members = {i["InstanceId"]: i["LifecycleState"] for i in group["Instances"]}
    assert (group["DesiredCapacity"], members[idle], _state(idle)) == (1, "Standby", "stopped")
    assert len(members) == 2  # nothing launched in its place, nothing terminated

    assert runner.undo(outcome.fix_id).state == "done"
    group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["gpu-workers"])[
        "AutoScalingGroups"
    ][0]
    members = {i["InstanceId"]: i["LifecycleState"] for i in group["Instances"]}
    assert (group["DesiredCapacity"], group["MinSize"], members[idle], _state(idle)) == (
        2,
        2,
        "InService",
        "running",
    )


@pytest.mark.parametrize("journal", ["sqlite"], indirect=True)
def test_scale_down_nodegroup_lowers_desired_size_and_undo_restores_it(aws, journal):
    eks = boto3.client("eks", region_name=REGION)
    eks.create_cluster(
        name="ml",
        roleArn=ROLE,
        resourcesVpcConfig={"subnetIds": ["subnet-1"]},
    )
    eks.create_nodegroup(
        clusterName="ml",
        nodegroupName="gpu",
        nodeRole=ROLE,
        subnets=["subnet-1"],
        scalingConfig={"minSize": 2, "maxSize": 5, "desiredSize": 3},
    )
    finding = _finding(
        "idle-ec2-gpu",
        ResourceKind.EC2_INSTANCE,
        "i-0123456789abcdef0",
        Fix(
            "scale-down-nodegroup",
            {"nodegroupName": "gpu", "clusterName": "ml", "InstanceIds": ["i-0123456789abcdef0"]},
        ),
    )
    runner = make_runner(journal, recheck=lambda f, start: None)

    [outcome] = runner.apply(_set([finding]), [finding])

    assert outcome.state == "done", outcome.reason
    scaling = eks.describe_nodegroup(clusterName="ml", nodegroupName="gpu")["nodegroup"]
    assert scaling["scalingConfig"] == {"minSize": 2, "maxSize": 5, "desiredSize": 2}
    assert runner.undo(outcome.fix_id).state == "done"
    scaling = eks.describe_nodegroup(clusterName="ml", nodegroupName="gpu")["nodegroup"]
    assert scaling["scalingConfig"] == {"minSize": 2, "maxSize": 5, "desiredSize": 3}


def _idle_finding(instance_id: str) -> tuple[FindingSet, Finding]:
    _idle_ec2(instance_id)
    found = scan(["idle-ec2-gpu"])
    [finding] = [f for f in found.findings if f.resource_id == instance_id]
    assert finding.fix.action == "stop-instances"
    return found, finding


def test_a_one_time_spot_instance_is_skipped_not_stopped(aws, journal):
    """AWS refuses StopInstances on a one-time Spot Instance (UnsupportedOperation); moto
    stops it, so the fix must decide before calling."""
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance_id = ec2.run_instances(
        ImageId=image,
        InstanceType="g5.xlarge",
        MinCount=1,
        MaxCount=1,
        InstanceMarketOptions={
            "MarketType": "spot",
            "SpotOptions": {"SpotInstanceType": "one-time"},
        },
    )["Instances"][0]["InstanceId"]
    found, finding = _idle_finding(instance_id)

    [outcome] = make_runner(journal).apply(found, [finding])

    assert outcome.state == "skipped"
    assert "Spot Instance" in outcome.reason
    assert _state(instance_id) == "running"


def test_a_persistent_spot_instance_is_stopped(aws, journal):
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    request = ec2.request_spot_instances(
        Type="persistent",
        InstanceCount=1,
        LaunchSpecification={"ImageId": image, "InstanceType": "g5.xlarge"},
    )["SpotInstanceRequests"][0]
    instance_id = ec2.describe_spot_instance_requests(
        SpotInstanceRequestIds=[request["SpotInstanceRequestId"]]
    )["SpotInstanceRequests"][0]["InstanceId"]
    found, finding = _idle_finding(instance_id)

    [outcome] = make_runner(journal).apply(found, [finding])

    assert outcome.state == "done", outcome.reason
    assert _state(instance_id) == "stopped"
