"""Savings Plans DescribeSavingsPlansOfferingRates for the emulator (moto 5.2.5 has no
``savingsplans`` service: a call fails with a 500 after ten retries).

The emulator answers with an EMPTY rate list, AWS's shape (``{"searchResults": []}``), on
purpose: mlcost ships no Savings Plans rates and the emulator invents none, so the demo's
``savings-plan`` finding stays unpriced and says that no rate was offered for its families.
Installed on moto's in-process request stubber (``mock_aws``) and on its server's WSGI
dispatcher (``ThreadedMotoServer``); every other request passes through untouched.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

#: the operation's REST path (botocore's service model: POST /DescribeSavingsPlansOfferingRates)
PATH = "/DescribeSavingsPlansOfferingRates"
BODY = json.dumps({"searchResults": []})
HEADERS = {"Content-Type": "application/json"}


def _is_offering_rates(host: str, path: str, authorization: str) -> bool:
    """A Savings Plans offering-rates request: by its global host (in-process) or, behind the
    server's 127.0.0.1 endpoint, by the service its signature names."""
    signed_for = "/savingsplans/aws4_request" in authorization
    return path == PATH and (host.startswith("savingsplans.") or signed_for)


def apply() -> None:
    """Answer the call in-process and in the server. Idempotent via the emulator's lock."""
    from moto.core.botocore_stubber import BotocoreStubber
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    process_request = BotocoreStubber.process_request

    def stubbed(self: BotocoreStubber, request: Any) -> Any:
        url = urlsplit(request.url)
        auth = str(request.headers.get("Authorization", ""))
        if _is_offering_rates(url.netloc, url.path, auth):
            return 200, dict(HEADERS), BODY
        return process_request(self, request)

    BotocoreStubber.process_request = stubbed  # type: ignore[method-assign]

    dispatch = DomainDispatcherApplication.__call__

    def served(self: DomainDispatcherApplication, environ: dict[str, Any], start: Any) -> Any:
        auth = str(environ.get("HTTP_AUTHORIZATION", ""))
        if _is_offering_rates(environ.get("HTTP_HOST", ""), environ.get("PATH_INFO", ""), auth):
            start("200 OK", list(HEADERS.items()))
            return [BODY.encode()]
        return dispatch(self, environ, start)

    DomainDispatcherApplication.__call__ = served  # type: ignore[method-assign]
