"""Studio kinds read from moto (with the emulator's Studio calls and AWS's page sizes):
domains with their user profiles, spaces and running apps; apps with their space; the
calls a scan of them costs; a re-read of one named app; the scan policy's actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mlcost.model import StudioApp, StudioDomain
from mlcost.sources.aws import CallCounter, collect_inventory
from mlcost.sources.aws.policy import scan_policy

NOW = datetime.now(UTC).replace(microsecond=0)
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


def _seed(sm, apps: int) -> None:
    sm.create_domain(
        DomainName="ml-team",
        AuthMode="IAM",
        DefaultUserSettings={
            "ExecutionRole": ROLE,
            "JupyterLabAppSettings": {
                "AppLifecycleManagement": {
                    "IdleSettings": {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 120}
                }
            },
        },
        SubnetIds=["subnet-1"],
        VpcId="vpc-1",
    )
    sm.create_user_profile(
        DomainId="d-ml-team",
        UserProfileName="alice",
        UserSettings={
            "CodeEditorAppSettings": {
                "AppLifecycleManagement": {"IdleSettings": {"LifecycleManagement": "DISABLED"}}
            }
        },
        Tags=[{"Key": "mlcost:skip", "Value": "true"}],
    )
    for i in range(apps):
        space = f"space-{i:03d}"
        sm.create_space(
            DomainId="d-ml-team",
            SpaceName=space,
            OwnershipSettings={"OwnerUserProfileName": "alice"},
            SpaceSharingSettings={"SharingType": "Private"},
            SpaceSettings={
                "AppType": "JupyterLab",
                "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 20 + i}},
            },
        )
        sm.create_app(
            DomainId="d-ml-team",
            SpaceName=space,
            AppType="JupyterLab",
            AppName="default",
            ResourceSpec={"InstanceType": "ml.t3.medium"},
        )
    sm.delete_app(
        DomainId="d-ml-team", SpaceName="space-000", AppType="JupyterLab", AppName="default"
    )


def test_domains_and_apps_are_read_with_aws_page_sizes_and_no_call_per_domain(session):
    sm = session.client("sagemaker")
    _seed(sm, apps=105)
    counter = CallCounter().attach(session)

    inv = collect_inventory(
        ["us-east-1"],
        7,
        session=session,
        now=NOW,
        checks=["idle-studio-app", "studio-no-idle-shutdown"],
    )

    assert inv.errors == []
    [domain] = [r for r in inv.resources if isinstance(r, StudioDomain)]
    apps = [r for r in inv.resources if isinstance(r, StudioApp)]
    # 105 created, one Deleted (AWS keeps listing it): the checks read InService apps only
    assert len(apps) == 104
    assert domain.idle_settings["JupyterLab"].idle_timeout_minutes == 120
    [alice] = domain.user_profiles
    assert alice.tags == {"mlcost:skip": "true"}
    assert alice.idle_settings["CodeEditor"].lifecycle_management == "DISABLED"
    assert len(domain.running_apps) == 104
    assert {a.settings_profile for a in domain.running_apps} == {"alice"}
    app = next(a for a in apps if a.space_name == "space-007")
    assert app.id == "d-ml-team/space/space-007/JupyterLab/default"
    assert (app.instance_type, app.space_ebs_gib) == ("ml.t3.medium", 27)
    calls = counter.counts
    # ListApps at MaxResults=100: 2 pages for the app kind, 2 for the domain's running apps
    assert calls["sagemaker.ListApps"] == 4
    assert calls["sagemaker.ListUserProfiles"] == 1
    assert calls["sagemaker.ListSpaces"] == 2
    assert calls["sagemaker.DescribeApp"] == 104
    assert calls["sagemaker.DescribeSpace"] == 104  # once per space, memoised


def test_a_named_app_is_read_alone(session):
    sm = session.client("sagemaker")
    _seed(sm, apps=3)
    counter = CallCounter().attach(session)

    inv = collect_inventory(
        ["us-east-1"],
        7,
        session=session,
        now=NOW,
        checks=["idle-studio-app"],
        targets=["d-ml-team/space/space-002/JupyterLab/default"],
    )

    assert [r.id for r in inv.resources] == ["d-ml-team/space/space-002/JupyterLab/default"]
    assert counter.counts["sagemaker.DescribeApp"] == 1


def test_a_named_domain_reads_only_its_own_profiles(session):
    """A re-check of one domain's finding lists only that domain's profiles (DomainIdEquals)
    and describes none of another domain's."""
    sm = session.client("sagemaker")
    _seed(sm, apps=1)
    sm.create_domain(
        DomainName="other", AuthMode="IAM", DefaultUserSettings={}, SubnetIds=["s"], VpcId="v"
    )
    for name in ("x", "y", "z"):
        sm.create_user_profile(DomainId="d-other", UserProfileName=name)
    counter = CallCounter().attach(session)
    sent: list[tuple[str, dict]] = []

    def record(params, model, **_):
        sent.append((model.name, dict(params)))

    session.events.register("provide-client-params.sagemaker.*", record)

    inv = collect_inventory(
        ["us-east-1"],
        7,
        session=session,
        now=NOW,
        checks=["studio-no-idle-shutdown"],
        targets=["d-ml-team"],
    )

    [domain] = inv.resources
    assert domain.id == "d-ml-team" and [p.name for p in domain.user_profiles] == ["alice"]
    assert counter.counts["sagemaker.DescribeUserProfile"] == 1
    listed = {
        op: p.get("DomainIdEquals")
        for op, p in sent
        if op.startswith("List") and op != "ListDomains" and op != "ListTags"
    }
    assert listed == {
        "ListUserProfiles": "d-ml-team",
        "ListSpaces": "d-ml-team",
        "ListApps": "d-ml-team",
    }


def test_agent_series_of_a_space_are_found_by_domain_and_space(session, monkeypatch):
    """The app's MLCost/Agent series are listed (ListMetrics) on SpaceName and kept only for
    the app's own domain: the same space name in another domain is another space."""
    from mlcost.demo import emulator

    sm = session.client("sagemaker")
    _seed(sm, apps=2)
    t = [NOW - timedelta(hours=h) for h in range(1, 5)]
    for domain in ("d-ml-team", "d-other"):
        emulator.load_metric_data(
            "us-east-1",
            "MLCost/Agent",
            "Busy",
            {"DomainId": domain, "SpaceName": "space-001"},
            t,
            [1.0 if domain == "d-ml-team" else 0.0] * 4,
        )

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW, checks=["idle-studio-app"])

    app = next(r for r in inv.resources if r.id.endswith("space-001/JupyterLab/default"))
    [busy] = inv.series(app, "AgentBusy")
    assert busy.dimensions == {"DomainId": "d-ml-team", "SpaceName": "space-001"}
    assert max(busy.values) == 1.0


@pytest.mark.parametrize(
    "action",
    [
        "sagemaker:ListDomains",
        "sagemaker:DescribeDomain",
        "sagemaker:ListUserProfiles",
        "sagemaker:DescribeUserProfile",
        "sagemaker:ListSpaces",
        "sagemaker:DescribeSpace",
        "sagemaker:ListApps",
        "sagemaker:DescribeApp",
        "sagemaker:ListTags",
    ],
)
def test_the_scan_policy_allows_every_studio_read(action):
    from mlcost.checks import needs_for

    policy = scan_policy(needs_for(["idle-studio-app", "studio-no-idle-shutdown"]))
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert action in actions
