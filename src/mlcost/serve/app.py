"""The dashboard's ASGI app: configuration, the data it reads, auth, error pages, routes.

Why an error boundary of its own: a browser must get a page that says what went wrong and
what to do (an unknown finding id, a missing token, a journal from a newer mlcost), with a
4xx status — never a stack trace. A bug is a 500 page naming nothing internal; the traceback
goes to the server's log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from mlcost.errors import UserError
from mlcost.journal import Journal
from mlcost.serve import security
from mlcost.serve.render import render

log = logging.getLogger("mlcost.serve")

STATIC = Path(__file__).parent / "static"


class PageError(Exception):
    """A request the dashboard refuses: its status, the problem and what to do."""

    def __init__(self, status: int, problem: str, hint: str = "") -> None:
        super().__init__(problem)
        self.status = status
        self.problem = problem
        self.hint = hint


@dataclass(slots=True)
class ServeConfig:
    """What `mlcost serve` was started with."""

    token: str
    db: str | None = None  # journal URL; None: $MLCOST_DATABASE_URL, else the default file
    billing_db: Path | None = None
    sp_rates: Path | None = None  # savings-plan rates file (`mlcost plan savings-plan --rates`)
    config: Path | None = None  # mlcost.toml: check settings (re-checks) and schedules
    wait_timeout: float = 1800.0  # seconds a fix waits for each new state (as the CLI)


@dataclass(slots=True)
class Sources:
    """The databases the pages read, opened once; a journal that cannot be used is kept as
    its error, so every page that needs it answers with a clear 409 page."""

    config: ServeConfig
    _journal: Journal | None = None
    _journal_error: UserError | None = None

    def open(self) -> None:
        from mlcost.journal import open_journal

        try:
            self._journal = open_journal(self.config.db)
        except UserError as exc:
            self._journal_error = exc

    def journal(self) -> Journal:
        if self._journal is None:
            err = self._journal_error or UserError("the journal is not open", "")
            raise PageError(409, err.problem, err.hint)
        return self._journal

    def close(self) -> None:
        if self._journal is not None:
            self._journal.dispose()


def sources(request: Request) -> Sources:
    return request.app.state.sources


def error_page(request: Request, status: int, problem: str, hint: str = "") -> HTMLResponse:
    return render(
        request,
        "error.html",
        {"status": status, "problem": problem, "hint": hint},
        status=status,
    )


#: Sent with every answer: nothing from another origin, no script, and no framing — an
#: Apply button inside another site's invisible frame is how a click would be stolen.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


async def _secure(request: Request, call_next: Any) -> Response:
    response = await _auth(request, call_next)
    response.headers.update(SECURITY_HEADERS)
    return response


async def _auth(request: Request, call_next: Any) -> Response:
    """Every page needs the access token: once in the URL (then a cookie), or a bearer
    header; static files do not (they hold nothing of the account)."""
    if request.url.path.startswith("/static/"):
        return await call_next(request)
    token = request.app.state.config.token
    given = request.query_params.get("token")
    if given is not None:
        if not security.same(given, token):
            return error_page(
                request, 403, "wrong access token", "use the URL `mlcost serve` printed"
            )
        rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
        target = security.local_path(request.url.path) + ("?" + urlencode(rest) if rest else "")
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            security.COOKIE, token, httponly=True, samesite="strict", path="/"
        )  # not Secure: the default bind is plain http on 127.0.0.1
        return response
    header = request.headers.get("authorization", "")
    bearer = header[7:] if header.lower().startswith("bearer ") else None
    cookie = request.cookies.get(security.COOKIE)
    if bearer is None and cookie is None:
        return error_page(
            request,
            401,
            "this dashboard needs its access token",
            "open the URL `mlcost serve` printed (it ends in ?token=...)",
        )
    if not (security.same(bearer, token) or security.same(cookie, token)):
        return error_page(request, 403, "wrong access token", "open the URL `mlcost serve` printed")
    return await call_next(request)


def create_app(config: ServeConfig) -> FastAPI:
    """The dashboard over ``config``'s databases; the journal is opened (and migrated, as
    every mlcost command does) now, once."""
    from mlcost.serve.routes import ROUTERS

    app = FastAPI(title="mlcost", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.config = config
    app.state.sources = Sources(config)
    app.state.sources.open()
    app.state.csrf = security.csrf_for(config.token)
    app.middleware("http")(_secure)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> HTMLResponse:
        return error_page(request, exc.status, exc.problem, exc.hint)

    @app.exception_handler(UserError)
    async def _user_error(request: Request, exc: UserError) -> HTMLResponse:
        return error_page(request, 400, exc.problem, exc.hint)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> HTMLResponse:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}"
            for e in exc.errors()
        )
        return error_page(request, 400, f"bad request: {where}", "check the URL's parameters")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        problem = "no such page" if exc.status_code == 404 else str(exc.detail)
        return error_page(request, exc.status_code, problem, "start from the overview")

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> HTMLResponse:
        log.exception("error serving %s", request.url.path)
        page = error_page(
            request, 500, "mlcost hit an internal error", "the server's log has the details"
        )
        page.headers.update(SECURITY_HEADERS)  # this handler runs outside `_secure`
        return page

    return app
