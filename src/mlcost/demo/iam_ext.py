"""IAM enforcement where moto 5.2.5 differs from AWS (used by the least-privilege test).

With ``moto.settings.INITIAL_NO_AUTH_ACTION_COUNT`` lowered, moto checks each request
against the caller's IAM policies, but:

* it names the action after the SigV4 signing name, so CloudWatch calls are checked as
  ``monitoring:GetMetricData``; IAM's prefix for CloudWatch is ``cloudwatch``;
* it answers a refused JSON-protocol call (SageMaker, CloudWatch) with an XML error body,
  which botocore cannot read: the caller sees a bare "403" instead of
  ``AccessDeniedException`` and cannot tell a denied call from a broken one;
* it checks Budgets calls as ``budgets:DescribeBudgets``; IAM authorises them as
  ``budgets:ViewBudget`` / ``budgets:ModifyBudget``;
* it recomputes the SigV4 signature of a Bedrock REST call without the query string
  (``GET /provisioned-model-throughputs?maxResults=...``), so a correctly signed call fails
  with SignatureDoesNotMatch: for Bedrock the signature is not re-checked (the action is).
"""

from __future__ import annotations

from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.iam.access_control import IAMRequest

#: SigV4 signing name -> IAM action prefix, where they differ.
IAM_PREFIX = {"monitoring": "cloudwatch"}

#: Actions IAM names differently from the API operation (AWS Budgets: DescribeBudgets is
#: authorised by budgets:ViewBudget, Create/DeleteBudget by budgets:ModifyBudget).
IAM_ACTION = {
    "budgets:DescribeBudgets": "budgets:ViewBudget",
    "budgets:DescribeBudget": "budgets:ViewBudget",
    "budgets:CreateBudget": "budgets:ModifyBudget",
    "budgets:DeleteBudget": "budgets:ModifyBudget",
}

#: Signing names whose signature moto cannot recompute (see the module docstring).
UNCHECKED_SIGNATURES = frozenset({"bedrock"})

_ORIGINALS: dict[str, Any] = {}


def _check_signature(self: IAMRequest) -> None:
    if self._service in UNCHECKED_SIGNATURES:
        return
    _ORIGINALS["check_signature"](self)


def _init(self: IAMRequest, *args: Any, **kwargs: Any) -> None:
    _ORIGINALS["init"](self, *args, **kwargs)
    service, _, action = self._action.partition(":")
    if service in IAM_PREFIX:
        self._action = f"{IAM_PREFIX[service]}:{action}"
    self._action = IAM_ACTION.get(self._action, self._action)


def _raise_access_denied(self: IAMRequest) -> None:
    content_type = {k.lower(): v for k, v in self._headers.items()}.get("content-type", "")
    if content_type.startswith("application/x-amz-json"):
        raise JsonRESTError(
            "AccessDeniedException",
            f"User: {self._access_key.arn} is not authorized to perform: {self._action} "
            f"because no identity-based policy allows the {self._action} action",
        )
    _ORIGINALS["raise_access_denied"](self)


def apply() -> None:
    """Install the fixes on moto's IAM request class (idempotent)."""
    if _ORIGINALS:
        return
    _ORIGINALS["init"] = IAMRequest.__init__
    _ORIGINALS["raise_access_denied"] = IAMRequest._raise_access_denied
    _ORIGINALS["check_signature"] = IAMRequest.check_signature
    IAMRequest.check_signature = _check_signature
    IAMRequest.__init__ = _init
    IAMRequest._raise_access_denied = _raise_access_denied
