"""idle-mlflow-tracking-server: a Medium tracking server nobody has opened in 45 days
(planted), one the team opens every working day (look-alike) and a stopped one (look-alike:
it bills nothing)."""

from __future__ import annotations

from datetime import timedelta

from mlcost.demo.org import REGIONS, OrgBuilder, ResourceSpec

CHECK = "idle-mlflow-tracking-server"


def _server(
    b: OrgBuilder,
    region: str,
    name: str,
    size: str,
    *,
    age_days: float,
    state: str,
    ui_sessions: list,
    tags: dict[str, str],
) -> None:
    b.resources.append(
        ResourceSpec(
            "mlflow-tracking-server",
            region,
            name,
            "",
            b.ago(age_days),
            tags=tags,
            state=state,
            extra={"size": size, "ui_sessions": ui_sessions},
        )
    )


def plant(b: OrgBuilder) -> None:
    use1, euw1 = REGIONS
    research = b.tags("research", "llm-eval", "kim@example.com", "dev")
    recs = b.tags("recs", "home-feed", "sam@example.com")
    _server(
        b,
        use1,
        "llm-eval-mlflow",
        "Medium",
        age_days=90,
        state="Created",
        ui_sessions=[b.ago(45)],
        tags=research,
    )
    b.mark(CHECK, "llm-eval-mlflow")
    weekdays = [b.ago(d) + timedelta(hours=1) for d in range(1, 20) if b.ago(d).weekday() < 5]
    _server(
        b,
        use1,
        "recs-mlflow",
        "Small",
        age_days=200,
        state="Created",
        ui_sessions=weekdays,
        tags=recs,
    )
    b.mark(CHECK, "recs-mlflow", lookalike=True)
    _server(
        b,
        euw1,
        "archive-mlflow",
        "Large",
        age_days=150,
        state="Stopped",
        ui_sessions=[],
        tags=research,
    )
    b.mark(CHECK, "archive-mlflow", lookalike=True)
