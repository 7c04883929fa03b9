"""The fix actions, one per ``fix.action`` name the checks emit (docs/CONTRACTS.md)."""

from __future__ import annotations

from mlcost.errors import UserError
from mlcost.fix.actions.base import Action, PlanLines, Skip
from mlcost.fix.actions.bedrock import DeleteProvisionedThroughput
from mlcost.fix.actions.budgets import CreateBudget
from mlcost.fix.actions.capacity import ModifyCapacityReservation
from mlcost.fix.actions.ec2 import ScaleDownAutoScalingGroup, ScaleDownNodegroup, StopInstances
from mlcost.fix.actions.endpoint_resize import UpdateEndpoint
from mlcost.fix.actions.endpoints import DeleteEndpoint
from mlcost.fix.actions.jobs import StopProcessingJob, StopTrainingJob
from mlcost.fix.actions.mlflow import StopMlflowTrackingServer
from mlcost.fix.actions.notebooks import AttachLifecycleConfig, StopNotebook
from mlcost.fix.actions.studio import DeleteStudioApp, SetStudioIdleShutdown

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        DeleteEndpoint(),
        UpdateEndpoint(),
        StopNotebook(),
        AttachLifecycleConfig(),
        StopInstances(),
        ScaleDownAutoScalingGroup(),
        ScaleDownNodegroup(),
        ModifyCapacityReservation(),
        DeleteStudioApp(),
        SetStudioIdleShutdown(),
        StopMlflowTrackingServer(),
        DeleteProvisionedThroughput(),
        StopTrainingJob(),
        StopProcessingJob(),
        CreateBudget(),
    )
}


def action_for(name: str) -> Action:
    """The action registered under ``name``; a UserError for one mlcost cannot apply."""
    try:
        return ACTIONS[name]
    except KeyError:
        raise UserError(
            f"mlcost cannot apply the fix {name!r} yet",
            "it applies: " + ", ".join(sorted(ACTIONS)),
        ) from None


__all__ = ["ACTIONS", "Action", "PlanLines", "Skip", "action_for"]
