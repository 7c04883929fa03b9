"""Self-managed EC2 GPU / ML-accelerator instances left running with nothing to do."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mlcost.checks._support import (
    HOURS_PER_MONTH,
    finding_for,
    hour_slots,
    merged_hourly_maxima,
    money,
    percentile,
    quote,
    spec_or_none,
    unpriced_evidence,
    window_evidence,
)
from mlcost.checks.registry import check
from mlcost.model import (
    Ec2Instance,
    Finding,
    Fix,
    Inventory,
    MetricLabel,
    MetricSeries,
    ResourceKind,
    Risk,
    Usage,
)

GPU_LABELS = (MetricLabel.GPU_UTILIZATION, MetricLabel.AGENT_GPU_UTILIZATION)

#: EC2 PlatformDetails our on-demand prices are for (the catalogue holds Linux prices only);
#: "" means AWS did not report it, and an instance without a Platform is Linux/UNIX.
LINUX_PLATFORMS = ("Linux/UNIX", "")

ASG_TAG = "aws:autoscaling:groupName"
NODEGROUP_TAG = "eks:nodegroup-name"
EKS_CLUSTER_TAG = "eks:cluster-name"


def _fix(resource: Ec2Instance) -> tuple[Fix, str | None]:
    """Stopping an instance that an Auto Scaling group or EKS managed node group owns only
    makes the group launch a replacement (the bill goes on): the fix is the group's desired
    capacity. Returns the fix and, for a group, the evidence line that says so."""
    asg = resource.tags.get(ASG_TAG)
    nodegroup = resource.tags.get(NODEGROUP_TAG)
    if nodegroup:
        params = {"nodegroupName": nodegroup, "InstanceIds": [resource.id]}
        if resource.tags.get(EKS_CLUSTER_TAG):
            params["clusterName"] = resource.tags[EKS_CLUSTER_TAG]
        return Fix("scale-down-nodegroup", params), (
            f"member of EKS managed node group {nodegroup}: a stopped instance would be replaced "
            "by the node group; lower the node group's desired size (UpdateNodegroupConfig "
            "scalingConfig) instead"
        )
    if asg:
        return Fix(
            "scale-down-auto-scaling-group",
            {"AutoScalingGroupName": asg, "InstanceIds": [resource.id]},
        ), (
            f"member of Auto Scaling group {asg}: a stopped instance fails its health check and "
            "would be replaced; lower the group's desired capacity instead"
        )
    return Fix("stop-instances", {"InstanceIds": [resource.id]}), None


def _covered(
    hourly: dict[datetime, float], start: datetime, end: datetime, min_coverage: float
) -> bool:
    return bool(hourly) and len(hourly) >= min_coverage * hour_slots(start, end)


#: What to do first when the GPU is not measured: the fix of an "unmeasured" finding.
MEASURE_FIRST = (
    "measure the accelerator before stopping anything: install the CloudWatch agent with its "
    "nvidia_smi metrics (NVIDIA GPUs) or the mlcost agent (`mlcost agent lifecycle-config "
    "--target ec2`), then scan again; a GPU-bound job can run with almost no CPU"
)


def _busy_vcpus(pct: float, vcpus: int) -> float:
    """EC2 CPUUtilization is a percentage of the WHOLE instance: one saturated core on a
    192-vCPU box is 0.52 %. In vCPUs busy it is 1.0, whatever the size."""
    return pct / 100 * vcpus


@check(
    "idle-ec2-gpu",
    ResourceKind.EC2_INSTANCE,
    needs=(
        MetricLabel.CPU_UTILIZATION,
        MetricLabel.GPU_UTILIZATION,
        MetricLabel.AGENT_GPU_UTILIZATION,
    ),
    statuses=("running",),
    idle_hours=72,
    cpu_threshold_pct=5.0,
    cpu_busy_vcpus=0.5,
    gpu_threshold_pct=5.0,
    cpu_near_zero_pct=1.0,
    min_coverage=0.9,
)
def idle_ec2_gpu(
    resource: Ec2Instance, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """A running GPU / accelerator EC2 instance whose CPU and GPU did nothing for ``idle_hours``.

    Rule: the instance type has GPUs or an ML accelerator (catalogue spec); over the last
    ``idle_hours`` (default 72 — longer than a weekend, so a weekday-only dev box is not
    called forgotten; every hour covered by data) the 95th percentile of hourly maximum
    ``AWS/EC2`` CPUUtilization is below ``cpu_threshold_pct`` (5%) AND, in busy vCPUs
    (CPUUtilization is per instance, so the percentage x vCPUs), below ``cpu_busy_vcpus``
    (half a core: one saturated core on a 192-vCPU box is 0.5 %, which is a running job, not
    an idle box); and the maximum GPU utilisation (CloudWatch agent
    ``nvidia_smi_utilization_gpu`` per GPU, or the mlcost agent's GPUUtilization) is below
    ``gpu_threshold_pct`` (5%). AWS Compute Optimizer and Trusted Advisor call an instance
    idle on sustained low CPU; GPU boxes also need the GPU signal because a training loop can
    be GPU-bound with near-zero CPU. A series that failed to read blocks any verdict.

    Without a GPU signal (no GPU metric published; Trainium and Inferentia never publish
    one) nothing is proposed to be stopped: when CPU also stayed under
    ``cpu_near_zero_pct`` and ``cpu_busy_vcpus`` over the whole lookback, the finding says
    what was measured ("CPU idle, GPU not measured"), at confidence 0.3, and its fix is to
    measure the accelerator first (action ``measure-accelerator``).

    Saving: the on-demand EC2 price x 730 h (spot and capacity-block instances, and any
    platform other than Linux/UNIX, are reported unpriced: the catalogue holds Linux on-demand
    rates only); for an unmeasured box it is what stopping would save IF the accelerator is
    idle too. Fix: StopInstances (EBS volumes are kept); for an instance an Auto Scaling
    group (tag ``aws:autoscaling:groupName``) or EKS node group (tag ``eks:nodegroup-name``)
    owns, stopping it would only get it replaced, so the fix is to scale the group down.
    """
    if resource.state != "running":
        return []
    spec = spec_or_none(resource.instance_type)
    if spec is None or (spec.gpu_count == 0 and spec.accelerator is None):
        return []
    end = inventory.end
    start = end - timedelta(hours=float(settings["idle_hours"]))
    if resource.launch_time is not None and resource.launch_time > start:
        return []  # not up long enough to judge
    cpu = inventory.series(resource, MetricLabel.CPU_UTILIZATION)
    gpu: list[MetricSeries] = [s for label in GPU_LABELS for s in inventory.series(resource, label)]
    if not cpu or not all(s.readable for s in cpu + gpu):
        return []
    min_cov = float(settings["min_coverage"])
    cpu_hourly = merged_hourly_maxima(cpu, start, end)
    if not _covered(cpu_hourly, start, end, min_cov):
        return []
    cpu_p95 = percentile(cpu_hourly.values(), 95)
    busy_p95 = _busy_vcpus(cpu_p95, spec.vcpu)
    if cpu_p95 >= settings["cpu_threshold_pct"] or busy_p95 >= settings["cpu_busy_vcpus"]:
        return []

    # NVIDIA metrics say nothing about a Neuron (Trainium / Inferentia) accelerator
    measurable = spec.accelerator in (None, "nvidia")
    gpu_hourly = merged_hourly_maxima(gpu, start, end) if measurable else {}
    evidence: dict[str, Any] = {
        **window_evidence(start, end),
        "instance_type": resource.instance_type,
        "lifecycle": resource.lifecycle,
        "gpu_count": spec.gpu_count,
        "accelerator": spec.accelerator,
        "vcpus": spec.vcpu,
        "cpu_p95_of_hourly_max_pct": round(cpu_p95, 2),
        "cpu_p95_busy_vcpus": round(busy_p95, 3),
        "cpu_max_pct": round(max(cpu_hourly.values()), 2),
        "cpu_basis": "AWS/EC2 CPUUtilization is per instance; busy vCPUs = % x vCPUs / 100",
        "thresholds": {
            k: settings[k] for k in ("cpu_threshold_pct", "cpu_busy_vcpus", "gpu_threshold_pct")
        },
        "hours_per_month": int(HOURS_PER_MONTH),
    }
    measured = bool(gpu_hourly)
    if measured:
        if not _covered(gpu_hourly, start, end, min_cov):
            return []
        gpu_max = max(gpu_hourly.values())
        if gpu_max >= settings["gpu_threshold_pct"]:
            return []
        evidence["gpu_max_pct"] = round(gpu_max, 2)
        evidence["gpu_metrics"] = sorted({f"{s.namespace}/{s.metric}" for s in gpu})
        confidence = 0.9
    else:
        # No accelerator signal: only a CPU flat at ~0 over the whole lookback is worth
        # saying, and then only as what it is - the CPU was idle.
        lb_start = inventory.start
        if resource.launch_time is not None and resource.launch_time > lb_start:
            lb_start = resource.launch_time
        lookback = merged_hourly_maxima(cpu, lb_start, end)
        if not _covered(lookback, lb_start, end, min_cov):
            return []
        lookback_max = max(lookback.values())
        if (
            lookback_max >= settings["cpu_near_zero_pct"]
            or _busy_vcpus(lookback_max, spec.vcpu) >= settings["cpu_busy_vcpus"]
        ):
            return []
        evidence["gpu_metrics"] = (
            "no GPU metric"
            if measurable
            else f"not measurable: {spec.accelerator} accelerators publish no GPU metric"
        )
        evidence["cpu_max_pct_over_lookback"] = round(lookback_max, 2)
        evidence["cpu_max_busy_vcpus_over_lookback"] = round(
            _busy_vcpus(lookback_max, spec.vcpu), 3
        )
        evidence["cpu_near_zero_pct"] = settings["cpu_near_zero_pct"]
        evidence["first_step"] = MEASURE_FIRST
        evidence["saving_basis"] = "what stopping would save if the accelerator is idle too"
        evidence.update({f"lookback_{k}": v for k, v in window_evidence(lb_start, end).items()})
        confidence = 0.3

    cost = None
    evidence["platform"] = resource.platform
    unpriceable: str | None = None  # why the catalogue's Linux on-demand list price does not apply
    if resource.platform not in LINUX_PLATFORMS:
        unpriceable = (
            f"platform {resource.platform}: the price catalogue holds Linux/UNIX on-demand "
            "prices only; this platform's rate (licence included) is higher and unknown here"
        )
    elif resource.lifecycle != "on-demand":
        unpriceable = (
            f"{resource.lifecycle} instance: billed at the {resource.lifecycle} rate, "
            "which the price catalogue does not hold (only on-demand list prices)"
        )
    looked_up = (
        None
        if unpriceable is not None
        else quote(resource.instance_type, resource.region, Usage.EC2)
    )
    if looked_up is not None and looked_up.quote is None:
        unpriceable = looked_up.reason or ""
    if unpriceable is not None:
        evidence.update(
            unpriced_evidence(resource.instance_type, resource.region, Usage.EC2, unpriceable)
        )
        confidence = min(confidence, 0.5)
    else:
        evidence["price"] = looked_up.quote.evidence()
        cost = money(looked_up.quote.usd_per_hour * HOURS_PER_MONTH)
        confidence = min(confidence, confidence * looked_up.quote.confidence)
    fix, group_note = _fix(resource)
    if group_note:
        evidence["replacement"] = group_note
    if not measured:
        fix = Fix("measure-accelerator", {"InstanceIds": [resource.id]})
    what = "GPU" if measurable else "accelerator"
    title = (
        f"GPU instance {resource.id} ({resource.instance_type}) idle for {settings['idle_hours']} h"
        if measured
        else f"GPU instance {resource.id} ({resource.instance_type}): CPU idle for "
        f"{settings['idle_hours']} h, {what} not measured"
    )
    return [
        finding_for(
            "idle-ec2-gpu",
            resource,
            title=title,
            evidence=evidence,
            cost=cost,
            saving=cost,
            fix=fix,
            risk=Risk.REVIEW,
            confidence=confidence,
        )
    ]
