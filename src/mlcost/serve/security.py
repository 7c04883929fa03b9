"""The dashboard's access token and CSRF protection.

Why a token on every page, even on 127.0.0.1: the pages show an organisation's spend and the
forms change AWS; any local process or browser tab could otherwise read or post to them (the
Jupyter model). The token arrives once in the URL `mlcost serve` prints, is kept in an
HttpOnly, SameSite=Strict cookie, and the address bar is cleaned by a redirect.

Why CSRF tokens as well: a cross-site form post carries no SameSite=Strict cookie in current
browsers, but an older one might; every POST must also carry a value only our own pages hold
(an HMAC of the access token), and a browser-sent ``Origin`` must be our own.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets

from mlcost.errors import UserError

COOKIE = "mlcost_token"
CSRF_FIELD = "csrf"


def new_token() -> str:
    """A random access token for a run that was not given one."""
    return secrets.token_urlsafe(24)


def csrf_for(token: str) -> str:
    """The CSRF value of a server's forms: derived from its access token, so it needs no
    server-side session and a page from another origin cannot know it."""
    return hmac.new(token.encode(), b"mlcost-serve-csrf", hashlib.sha256).hexdigest()[:40]


def same(a: str | None, b: str) -> bool:
    """Constant-time comparison (a wrong token must not be found byte by byte)."""
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token_given: bool) -> None:
    """Only loopback without an explicit token: a dashboard others can reach must be one whose
    token its owner chose and handed out, not one printed once in a terminal."""
    if not is_loopback(host) and not token_given:
        raise UserError(
            f"--host {host} makes the dashboard reachable from other machines",
            "pass --token T as well (every page and form then needs it), or leave --host out "
            "to bind 127.0.0.1",
        )


def local_path(path: str) -> str:
    """A path to redirect to that stays on this site: ``//host/x`` would be another host."""
    return "/" + path.lstrip("/\\")
