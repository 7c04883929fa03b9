"""idle-studio-app and studio-no-idle-shutdown.

Prices (by hand), SageMaker Studio-Notebook list prices, us-east-1, AWS pricing-page feed
2025-06-16 (../shared/data/prices/sagemaker/sagemaker_studio_notebook_2025-06-16.csv):
ml.g5.xlarge $1.41/h, ml.m5.xlarge $0.23/h, ml.t3.medium $0.05/h. A month is 730 h.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from checks_helpers import NOW, REGION, inventory, series

from mlcost.model import (
    ResourceKind,
    SeriesStatus,
    StudioApp,
    StudioDomain,
    StudioIdleSettings,
    StudioRunningApp,
    StudioUserProfile,
)
from mlcost.scan import run_checks

DOMAIN = "d-abc123"


def make_app(
    space: str = "alice-lab",
    *,
    app_type: str = "JupyterLab",
    instance_type: str = "ml.g5.xlarge",
    age_days: float = 30,
    last_activity_hours_ago: float = 0.05,
    health_check_hours_ago: float = 0.05,
    tags: dict[str, str] | None = None,
    status: str = "InService",
) -> StudioApp:
    return StudioApp(
        kind=ResourceKind.STUDIO_APP,
        id=f"{DOMAIN}/space/{space}/{app_type}/default",
        arn=f"arn:aws:sagemaker:{REGION}:123456789012:app/{DOMAIN}/{space}/{app_type.lower()}/default",
        region=REGION,
        created=NOW - timedelta(days=age_days),
        tags=tags or {},
        domain_id=DOMAIN,
        app_type=app_type,
        app_name="default",
        status=status,
        space_name=space,
        instance_type=instance_type,
        resource_spec={"InstanceType": instance_type},
        last_user_activity=NOW - timedelta(hours=last_activity_hours_ago),
        last_health_check=NOW - timedelta(hours=health_check_hours_ago),
        space_ebs_gib=50,
    )


def agent(app: StudioApp, busy, idle_since_hours_ago: float | None = None, **kw):
    """The agent's Busy and IdleSeconds in the app's space (DomainId + SpaceName)."""
    dims = {"DomainId": DOMAIN, "SpaceName": app.space_name or ""}
    since = NOW - timedelta(hours=idle_since_hours_ago or 0)

    def idle_seconds(t):
        return max((t + timedelta(hours=1) - since).total_seconds(), 0.0)

    return [
        series("AgentBusy", "MLCost/Agent", dims, busy, metric="Busy", **kw),
        series("AgentIdleSeconds", "MLCost/Agent", dims, idle_seconds, metric="IdleSeconds", **kw),
    ]


# --------------------------------------------------------------------------- idle-studio-app


def test_app_the_agent_saw_idle_for_three_days_is_deleted_at_its_whole_monthly_cost(run_one):
    app = make_app()
    inv = inventory([app], {app.key: agent(app, 0, idle_since_hours_ago=24 * 5)})
    [f] = run_one("idle-studio-app", app, inv)
    # ml.g5.xlarge Studio: 1.41 x 730 = 1,029.30
    assert f.monthly_cost_usd == f.monthly_savings_usd == Decimal("1029.30")
    assert Decimal(f.evidence["price"]["usd_per_hour"]) == Decimal("1.41")
    assert f.evidence["price"]["usage"] == "studio-notebook"
    assert f.confidence == 0.9
    assert f.evidence["idle_basis"].startswith("mlcost agent")
    assert f.evidence["space_ebs_gib_kept"] == 50
    # the timestamp equal to the health check was not used, and the evidence says why
    assert any("refreshed by" in s for s in f.evidence["signals_not_checked"])
    assert any("no per-app metric" in s for s in f.evidence["signals_not_checked"])
    assert f.fix.action == "delete-studio-app"
    assert f.fix.params == {
        "DomainId": DOMAIN,
        "SpaceName": "alice-lab",
        "AppType": "JupyterLab",
        "AppName": "default",
    }
    assert f.resource_kind is ResourceKind.STUDIO_APP


def test_one_busy_hour_in_the_window_keeps_the_app(run_one):
    app = make_app()
    busy = lambda t: 1 if t == NOW - timedelta(hours=30) else 0  # noqa: E731
    inv = inventory([app], {app.key: agent(app, busy, idle_since_hours_ago=29)})
    assert run_one("idle-studio-app", app, inv) == []


def test_agent_idle_time_shorter_than_the_window_keeps_the_app(run_one):
    """Busy 0 in every hourly maximum, but the agent's own idle time says activity 10 h
    ago (between its samples): not idle."""
    app = make_app()
    inv = inventory([app], {app.key: agent(app, 0, idle_since_hours_ago=10)})
    assert run_one("idle-studio-app", app, inv) == []


def test_health_check_refreshed_activity_timestamp_is_no_signal(run_one):
    """No agent; LastUserActivityTimestamp = LastHealthCheckTimestamp (3 min ago): AWS
    refreshes it at each health check, so nothing says the app is idle."""
    app = make_app(instance_type="ml.m5.xlarge")
    assert run_one("idle-studio-app", app, inventory([app])) == []


def test_activity_timestamp_older_than_the_health_check_flags_with_lower_confidence(run_one):
    app = make_app(instance_type="ml.m5.xlarge", last_activity_hours_ago=24 * 5)
    [f] = run_one("idle-studio-app", app, inventory([app]))
    assert f.monthly_savings_usd == Decimal("167.90")  # 0.23 x 730
    assert f.confidence == 0.6
    assert "LastUserActivityTimestamp" in f.evidence["idle_basis"]
    assert any("no mlcost agent" in s for s in f.evidence["signals_not_checked"])


def test_activity_two_days_ago_is_within_the_threshold(run_one):
    app = make_app(last_activity_hours_ago=48)
    assert run_one("idle-studio-app", app, inventory([app])) == []


def test_unreadable_agent_series_are_not_overruled_by_the_timestamp(run_one):
    app = make_app(last_activity_hours_ago=24 * 5)
    broken = agent(app, 0, status=SeriesStatus.ERROR)
    assert run_one("idle-studio-app", app, inventory([app], {app.key: broken})) == []


def test_free_system_apps_and_other_types_are_not_flagged(run_one):
    server = make_app(app_type="JupyterServer", instance_type="system", last_activity_hours_ago=200)
    canvas = make_app(app_type="Canvas", instance_type="ml.m5.xlarge", last_activity_hours_ago=200)
    assert run_one("idle-studio-app", server, inventory([server])) == []
    assert run_one("idle-studio-app", canvas, inventory([canvas])) == []


def test_app_younger_than_the_window_is_not_flagged(run_one):
    app = make_app(age_days=2, last_activity_hours_ago=47)
    assert run_one("idle-studio-app", app, inventory([app])) == []


def test_unpriced_app_type_gives_none_and_a_warning():
    app = make_app(instance_type="ml.zz9.large", last_activity_hours_ago=200)
    result = run_checks(inventory([app]), only=["idle-studio-app"], now=NOW)
    [f] = result.findings
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert any(w.startswith("unpriced: ml.zz9.large in us-east-1") for w in result.warnings)


def test_opted_out_app_is_never_flagged():
    app = make_app(last_activity_hours_ago=200, tags={"mlcost:skip": "true"})
    assert run_checks(inventory([app]), only=["idle-studio-app"], now=NOW).findings == []


# --------------------------------------------------------------------------- studio-no-idle-shutdown


def idle(app_type: str, state: str | None = "ENABLED", minutes: int | None = 60, **kw):
    return StudioIdleSettings(app_type, state, minutes, kw.get("lo"), kw.get("hi"))


def running(space: str, itype: str, profile: str | None, app_type: str = "JupyterLab"):
    return StudioRunningApp(app_type, "default", f"space/{space}", itype, profile)


def make_domain(
    settings: dict[str, StudioIdleSettings] | None = None,
    profiles: list[StudioUserProfile] | None = None,
    apps: list[StudioRunningApp] | None = None,
) -> StudioDomain:
    return StudioDomain(
        kind=ResourceKind.STUDIO_DOMAIN,
        id=DOMAIN,
        arn=f"arn:aws:sagemaker:{REGION}:123456789012:domain/{DOMAIN}",
        region=REGION,
        created=NOW - timedelta(days=90),
        status="InService",
        name="ml-team",
        idle_settings=settings or {},
        user_profiles=profiles if profiles is not None else [],
        running_apps=apps,
    )


APPS = [
    running("alice-lab", "ml.g5.xlarge", "alice"),
    running("team-shared", "ml.m5.xlarge", None),
    # KernelGateway has no built-in idle shutdown: not part of this check's money
    StudioRunningApp("KernelGateway", "datascience-1", "user/alice", "ml.t3.medium", "alice"),
]


def test_domain_without_idle_shutdown_prices_its_running_apps_outside_working_hours(run_one):
    domain = make_domain(apps=APPS, profiles=[StudioUserProfile("alice")])
    [f] = run_one("studio-no-idle-shutdown", domain, inventory([domain]))
    # 1.41 x 730 + 0.23 x 730 = 1,029.30 + 167.90 = 1,197.20
    assert f.monthly_cost_usd == Decimal("1197.20")
    # 1,197.20 x (1 - 50/168) = 1,197.20 x 118/168 = 840.8905 -> 840.89
    assert f.monthly_savings_usd == Decimal("840.89")
    assert [a["monthly_usd"] for a in f.evidence["running_apps"]] == ["1029.30", "167.90"]
    assert f.evidence["idle_settings"]["JupyterLab"]["problem"] == "idle shutdown not configured"
    assert f.fix.action == "set-studio-idle-shutdown"
    assert f.fix.params == {
        "DomainId": DOMAIN,
        "IdleSettings": {
            "CodeEditor": {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 60},
            "JupyterLab": {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 60},
        },
    }


def test_domain_with_an_hour_of_idle_shutdown_is_left_alone(run_one):
    good = {"JupyterLab": idle("JupyterLab"), "CodeEditor": idle("CodeEditor", minutes=240)}
    domain = make_domain(good, apps=APPS)
    assert run_one("studio-no-idle-shutdown", domain, inventory([domain])) == []


def test_timeout_longer_than_a_working_day_is_flagged_and_disabled_is_named(run_one):
    settings = {
        "JupyterLab": idle("JupyterLab", minutes=720),
        "CodeEditor": idle("CodeEditor", "DISABLED", None),
    }
    domain = make_domain(settings, apps=[running("team-shared", "ml.m5.xlarge", None)])
    [f] = run_one("studio-no-idle-shutdown", domain, inventory([domain]))
    assert f.evidence["idle_settings"]["JupyterLab"]["problem"] == "idle timeout 720 min > 480 min"
    assert f.evidence["idle_settings"]["CodeEditor"]["problem"] == "idle shutdown DISABLED"
    assert f.monthly_cost_usd == Decimal("167.90")
    # 167.90 x 118/168 = 117.9298 -> 117.93
    assert f.monthly_savings_usd == Decimal("117.93")


def test_target_moves_into_the_domains_min_max(run_one):
    settings = {
        "JupyterLab": idle("JupyterLab", "DISABLED", None, lo=120, hi=600),
        "CodeEditor": idle("CodeEditor", minutes=60),
    }
    domain = make_domain(settings, apps=[])
    [f] = run_one("studio-no-idle-shutdown", domain, inventory([domain]))
    assert f.fix.params["IdleSettings"] == {
        "JupyterLab": {
            "LifecycleManagement": "ENABLED",
            "IdleTimeoutInMinutes": 120,
            "MinIdleTimeoutInMinutes": 120,
            "MaxIdleTimeoutInMinutes": 600,
        }
    }
    # nothing runs under it now: no figure (never $0), the reason said, lower confidence
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert "no JupyterLab or Code Editor app runs" in f.evidence["unpriced"]
    assert f.confidence == 0.5


def test_user_profile_override_is_its_own_finding_and_leaves_the_good_domain_alone(run_one):
    good = {"JupyterLab": idle("JupyterLab"), "CodeEditor": idle("CodeEditor")}
    bob = StudioUserProfile("bob", idle_settings={"JupyterLab": idle("JupyterLab", "DISABLED")})
    apps = [running("bob-lab", "ml.g5.xlarge", "bob"), *APPS]
    domain = make_domain(good, profiles=[bob, StudioUserProfile("alice")], apps=apps)
    [f] = run_one("studio-no-idle-shutdown", domain, inventory([domain]))
    assert f.evidence["scope"] == "user profile bob"
    assert f.monthly_cost_usd == Decimal("1029.30")  # bob's g5.xlarge only
    assert f.fix.params["UserProfileName"] == "bob"
    assert list(f.fix.params["IdleSettings"]) == ["JupyterLab"]


def test_profile_with_a_good_override_is_not_in_the_domains_money(run_one):
    carol = StudioUserProfile("carol", idle_settings={"JupyterLab": idle("JupyterLab")})
    apps = [running("carol-lab", "ml.g5.xlarge", "carol"), running("x", "ml.t3.medium", None)]
    domain = make_domain(profiles=[carol], apps=apps)
    [f] = run_one("studio-no-idle-shutdown", domain, inventory([domain]))
    assert f.evidence["scope"] == "domain default"
    assert f.monthly_cost_usd == Decimal("36.50")  # only the shared t3.medium: 0.05 x 730


def test_domain_and_profile_findings_have_distinct_stable_ids(run_one):
    dan = StudioUserProfile("dan", idle_settings={"CodeEditor": idle("CodeEditor", minutes=900)})
    domain = make_domain(profiles=[dan], apps=[])
    first = run_one("studio-no-idle-shutdown", domain, inventory([domain]))
    again = run_one("studio-no-idle-shutdown", domain, inventory([domain]))
    assert len({f.id for f in first}) == 2
    assert [f.id for f in first] == [f.id for f in again]


def test_opted_out_profile_is_left_alone(run_one):
    eve = StudioUserProfile(
        "eve",
        tags={"mlcost:skip": "True"},
        idle_settings={"JupyterLab": idle("JupyterLab", "DISABLED")},
    )
    good = {"JupyterLab": idle("JupyterLab"), "CodeEditor": idle("CodeEditor")}
    domain = make_domain(good, profiles=[eve], apps=[])
    assert run_one("studio-no-idle-shutdown", domain, inventory([domain])) == []


def test_unlisted_apps_leave_the_money_unknown_not_zero(run_one):
    domain = make_domain(apps=None)
    [f] = run_one("studio-no-idle-shutdown", domain, inventory([domain]))
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert "ListApps" in f.evidence["unpriced"]
