"""Studio fixes against moto (with the emulator's Studio calls): delete an idle app and
create it again on undo; turn on idle shutdown for a domain or a user profile and put the
old settings back on undo. Each goes scan -> re-check -> snapshot -> act -> journal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
from fix_helpers import REGION, ROLE, make_runner, scan

from mlcost.demo import emulator

DOMAIN = "d-ml-team"
IMAGE_SPEC = {
    "InstanceType": "ml.g5.xlarge",
    "SageMakerImageArn": "arn:aws:sagemaker:us-east-1:081325390199:image/sagemaker-distribution-gpu",
}


def _sm():
    return boto3.client("sagemaker", region_name=REGION)


def seed_domain(default_user_settings: dict | None = None) -> None:
    """A domain whose JupyterLab settings carry a default instance and a code repository
    (which an idle-shutdown fix must keep), a user profile alice, her private space with a
    50 GiB EBS volume, and a JupyterLab app on ml.g5.xlarge in it, tagged."""
    sm = _sm()
    settings = default_user_settings or {
        "ExecutionRole": ROLE,
        "JupyterLabAppSettings": {
            "DefaultResourceSpec": {"InstanceType": "ml.t3.medium"},
            "CodeRepositories": [{"RepositoryUrl": "https://github.com/example/ml.git"}],
        },
    }
    sm.create_domain(
        DomainName="ml-team",
        AuthMode="IAM",
        DefaultUserSettings=settings,
        SubnetIds=["subnet-0abc"],
        VpcId="vpc-0abc",
    )
    sm.create_user_profile(DomainId=DOMAIN, UserProfileName="alice")
    sm.create_space(
        DomainId=DOMAIN,
        SpaceName="alice-lab",
        OwnershipSettings={"OwnerUserProfileName": "alice"},
        SpaceSharingSettings={"SharingType": "Private"},
        SpaceSettings={
            "AppType": "JupyterLab",
            "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 50}},
        },
    )
    sm.create_app(
        DomainId=DOMAIN,
        SpaceName="alice-lab",
        AppType="JupyterLab",
        AppName="default",
        ResourceSpec=IMAGE_SPEC,
        Tags=[{"Key": "owner", "Value": "alice"}],
    )


def age_app(*, activity_days_ago: float) -> None:
    """20 days old; last real activity ``activity_days_ago``; health-checked 3 min ago."""
    now = datetime.now(UTC)
    emulator.set_studio_app_times(
        DOMAIN,
        "alice-lab",
        "JupyterLab",
        "default",
        REGION,
        created=now - timedelta(days=20),
        last_user_activity=now - timedelta(days=activity_days_ago),
        last_health_check=now - timedelta(minutes=3),
    )


APP = {"DomainId": DOMAIN, "SpaceName": "alice-lab", "AppType": "JupyterLab", "AppName": "default"}


def test_delete_idle_app_keeps_the_space_and_undo_creates_the_same_app(aws, journal):
    seed_domain()
    age_app(activity_days_ago=5)
    found = scan(["idle-studio-app"])
    [finding] = found.findings
    assert finding.resource_id == "d-ml-team/space/alice-lab/JupyterLab/default"
    runner = make_runner(journal)

    [outcome] = runner.apply(found, [finding])

    assert outcome.state == "done", outcome.reason
    assert _sm().describe_app(**APP)["Status"] == "Deleted"
    space = _sm().describe_space(DomainId=DOMAIN, SpaceName="alice-lab")
    assert space["SpaceSettings"]["SpaceStorageSettings"]["EbsStorageSettings"] == {
        "EbsVolumeSizeInGb": 50
    }
    assert runner.verify()[0][1] is None  # still deleted: the saving holds

    assert runner.undo(outcome.fix_id).state == "done"
    app = _sm().describe_app(**APP)
    assert app["Status"] == "InService"
    assert app["ResourceSpec"] == IMAGE_SPEC
    assert _sm().list_tags(ResourceArn=app["AppArn"])["Tags"] == [
        {"Key": "owner", "Value": "alice"}
    ]


def test_app_used_since_the_scan_is_skipped_by_the_recheck(aws, journal):
    seed_domain()
    age_app(activity_days_ago=5)
    found = scan(["idle-studio-app"])
    age_app(activity_days_ago=0.5)  # someone opened it after the scan

    [outcome] = make_runner(journal).apply(found, found.findings)

    assert outcome.state == "skipped"
    assert _sm().describe_app(**APP)["Status"] == "InService"


def _jupyterlab(described: dict, key: str = "DefaultUserSettings") -> dict:
    return described[key]["JupyterLabAppSettings"]


def test_enable_domain_idle_shutdown_keeps_other_settings_and_undo_restores_them(aws, journal):
    seed_domain()
    found = scan(["studio-no-idle-shutdown"])
    [finding] = found.findings
    assert finding.resource_id == DOMAIN
    runner = make_runner(journal)

    [outcome] = runner.apply(found, [finding])

    assert outcome.state == "done", outcome.reason
    domain = _sm().describe_domain(DomainId=DOMAIN)
    lab = _jupyterlab(domain)
    assert lab["AppLifecycleManagement"]["IdleSettings"] == {
        "LifecycleManagement": "ENABLED",
        "IdleTimeoutInMinutes": 60,
    }
    assert lab["DefaultResourceSpec"] == {"InstanceType": "ml.t3.medium"}
    assert lab["CodeRepositories"] == [{"RepositoryUrl": "https://github.com/example/ml.git"}]
    assert (
        domain["DefaultUserSettings"]["CodeEditorAppSettings"]["AppLifecycleManagement"][
            "IdleSettings"
        ]["IdleTimeoutInMinutes"]
        == 60
    )
    assert domain["DefaultUserSettings"]["ExecutionRole"] == ROLE
    assert scan(["studio-no-idle-shutdown"]).findings == []  # the setting now holds

    assert runner.undo(outcome.fix_id).state == "done"
    lab = _jupyterlab(_sm().describe_domain(DomainId=DOMAIN))
    # unset before: AWS cannot unset, so DISABLED (stops nothing, as before)
    assert lab["AppLifecycleManagement"] == {"IdleSettings": {"LifecycleManagement": "DISABLED"}}
    assert lab["CodeRepositories"] == [{"RepositoryUrl": "https://github.com/example/ml.git"}]


def test_user_profile_override_is_fixed_on_the_profile_and_undo_restores_its_value(aws, journal):
    good = {
        "ExecutionRole": ROLE,
        **{
            f"{t}AppSettings": {
                "AppLifecycleManagement": {
                    "IdleSettings": {
                        "LifecycleManagement": "ENABLED",
                        "IdleTimeoutInMinutes": 60,
                        "MinIdleTimeoutInMinutes": 90,
                        "MaxIdleTimeoutInMinutes": 240,
                    }
                }
            }
            for t in ("JupyterLab", "CodeEditor")
        },
    }
    seed_domain(good)
    old = {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 1440}
    _sm().update_user_profile(
        DomainId=DOMAIN,
        UserProfileName="alice",
        UserSettings={"JupyterLabAppSettings": {"AppLifecycleManagement": {"IdleSettings": old}}},
    )
    found = scan(["studio-no-idle-shutdown"])
    [finding] = found.findings
    assert finding.fix.params == {
        "DomainId": DOMAIN,
        "UserProfileName": "alice",
        # 60 wanted, moved into the domain's 90..240 range
        "IdleSettings": {
            "JupyterLab": {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 90}
        },
    }
    runner = make_runner(journal)

    [outcome] = runner.apply(found, [finding])

    assert outcome.state == "done", outcome.reason
    profile = _sm().describe_user_profile(DomainId=DOMAIN, UserProfileName="alice")
    assert _jupyterlab(profile, "UserSettings")["AppLifecycleManagement"]["IdleSettings"] == {
        "LifecycleManagement": "ENABLED",
        "IdleTimeoutInMinutes": 90,
    }
    assert runner.undo(outcome.fix_id).state == "done"
    profile = _sm().describe_user_profile(DomainId=DOMAIN, UserProfileName="alice")
    assert _jupyterlab(profile, "UserSettings")["AppLifecycleManagement"]["IdleSettings"] == old
