"""Sessions, clients and region checks for the live source.

Why here: every AWS client the scan makes must share one retry policy (adaptive, 10
attempts, so a throttled account slows down instead of failing) and one connection pool
size matched to the thread pool; and a mistyped region must fail before any call is made.
Endpoints come from boto3's own chain: ``AWS_ENDPOINT_URL`` and
``AWS_ENDPOINT_URL_<SERVICE>`` are honoured by boto3 >= 1.28 without help from us.
"""

from __future__ import annotations

import functools
import threading
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.parsers import ResponseParserFactory
from botocore.utils import parse_timestamp

from mlcost.errors import UserError

NO_CREDENTIALS_HINT = (
    "set AWS_PROFILE, or run `aws configure`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
)


#: Seconds to wait for a connection and for an answer (botocore's defaults are 60 and 60:
#: with ten attempts a port that accepts and never answers held a scan for ten minutes).
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 60.0
#: The first call of a run (STS GetCallerIdentity) answers in well under a second; it gets
#: at most this long and two attempts, so an unreachable endpoint is reported in seconds.
PREFLIGHT_READ_TIMEOUT = 15.0
PREFLIGHT_ATTEMPTS = 2

_timeouts = {"connect": DEFAULT_CONNECT_TIMEOUT, "read": DEFAULT_READ_TIMEOUT}


def set_timeouts(connect: float | None = None, read: float | None = None) -> None:
    """Set the connect and read timeouts of every client made from now on (the CLI's
    ``--connect-timeout`` / ``--read-timeout``); None keeps the default."""
    import math

    for name, value, default in (
        ("connect", connect, DEFAULT_CONNECT_TIMEOUT),
        ("read", read, DEFAULT_READ_TIMEOUT),
    ):
        if value is None:
            _timeouts[name] = default
            continue
        if not (math.isfinite(value) and 0 < value <= 3600):
            raise UserError(
                f"--{name}-timeout must be a number of seconds above 0 and at most 3600, "
                f"got {value}",
                f"pass e.g. --{name}-timeout {default:g}",
            )
        _timeouts[name] = float(value)


def timeouts() -> tuple[float, float]:
    """(connect, read) seconds for new clients."""
    return _timeouts["connect"], _timeouts["read"]


def client_config(max_workers: int) -> Config:
    """The one botocore config for every client of a scan."""
    connect, read = timeouts()
    return Config(
        retries={"mode": "adaptive", "max_attempts": 10},
        # every worker of a region's pool, plus the region's own listing thread
        max_pool_connections=max(10, max_workers + 2),
        connect_timeout=connect,
        read_timeout=read,
    )


def bounded(config: Config | None = None) -> Config:
    """``config`` with this run's connect and read timeouts: every boto3 client mlcost makes
    (fixes, budgets, the Price List API, the agent's stops) goes through here."""
    connect, read = timeouts()
    limits = Config(connect_timeout=connect, read_timeout=read)
    return config.merge(limits) if config is not None else limits


def preflight_config() -> Config:
    """The config of a run's first call: short read timeout, two attempts. Why: it proves
    the endpoint answers before hundreds of calls each wait out ten adaptive retries."""
    connect, read = timeouts()
    return Config(
        retries={"mode": "standard", "total_max_attempts": PREFLIGHT_ATTEMPTS},
        connect_timeout=connect,
        read_timeout=min(read, PREFLIGHT_READ_TIMEOUT),
    )


def known_regions(session: boto3.Session) -> set[str]:
    """Every region where boto3 knows SageMaker exists, over all partitions."""
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("sagemaker", partition_name=partition))
    return regions


def validate_regions(session: boto3.Session, regions: list[str]) -> list[str]:
    """Reject an empty list or a region boto3 does not know, before any API call.

    Returns the regions de-duplicated, in the order given.
    """
    if not regions:
        raise UserError("no region to scan", "pass --region, e.g. --region us-east-1")
    known = known_regions(session)
    unknown = [r for r in regions if r not in known]
    if unknown:
        raise UserError(
            f"unknown AWS region {', '.join(repr(r) for r in unknown)}",
            "use a region where SageMaker is available, e.g. us-east-1, eu-west-1 "
            f"({len(known)} known to boto3)",
        )
    return list(dict.fromkeys(regions))


@functools.lru_cache(maxsize=1 << 16)
def utc_timestamp(value: Any) -> datetime:
    """A response timestamp as an aware UTC datetime, one object per distinct value.

    Why: botocore's default parser turns every timestamp into a ``tzlocal()`` datetime
    through dateutil, about 15 us each; a 2,000-endpoint scan reads millions of CloudWatch
    datapoints whose few hundred distinct hours repeat across the 500 series of a call, so
    the cache makes that parse almost free (and the shared objects save memory). UTC also
    keeps hour arithmetic right where the local zone is not a whole hour from UTC.
    """
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return parse_timestamp(value).astimezone(UTC)


#: Services whose responses carry timestamps by the thousand (CloudWatch datapoints).
_TIMESTAMP_HEAVY = frozenset({"cloudwatch"})


def _fast_timestamps(client: Any) -> None:
    """Give one client the cached UTC timestamp parser (its endpoint's parser factory;
    left as it is if botocore ever moves that attribute)."""
    endpoint = getattr(client, "_endpoint", None)
    if endpoint is None or not hasattr(endpoint, "_response_parser_factory"):
        return
    factory = ResponseParserFactory()
    factory.set_parser_defaults(timestamp_parser=utc_timestamp)
    endpoint._response_parser_factory = factory


class NotAnAwsAnswer(Exception):
    """An HTTP 500 whose body is an HTML page instead of an AWS error document."""


def _html_500_is_final(response: Any, operation: Any, **_: Any) -> None:
    """``needs-retry`` hook: an HTML 500 page fails the call at once.

    Why: AWS's own 500s (InternalFailure) are XML or JSON error documents and worth the ten
    adaptive retries; an HTML page is a server that is not AWS's API answering a call it does
    not serve (an emulator's "action has not been implemented", a proxy's error page), and
    ten retries with backoff only hold the scan — about 10 s a call, a minute a scan.
    ELB-style 502/503 pages stay retried: those are transient."""
    if response is None:
        return
    http = response[0]
    if http.status_code != 500:
        return
    content_type = str(http.headers.get("content-type", "")).lower()
    head = bytes(http.content or b"")[:64].lstrip().lower()
    if "text/html" in content_type or head.startswith((b"<!doctype html", b"<html")):
        raise NotAnAwsAnswer(
            "the endpoint answered HTTP 500 with an HTML page, not an AWS error: it does not "
            f"serve {operation.name} (not retried)"
        )


def _final_html_500s(client: Any) -> None:
    client.meta.events.register_first("needs-retry", _html_500_is_final)


class ClientFactory:
    """Creates (once) and hands out clients per (service, region).

    boto3 sessions are not thread-safe, so client creation is serialised by a lock; the
    clients themselves are thread-safe and shared by the workers.
    """

    def __init__(self, session: boto3.Session, config: Config) -> None:
        self._session = session
        self._config = config
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}

    def __call__(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._session.client(service, region_name=region, config=self._config)
                _final_html_500s(client)
                if service in _TIMESTAMP_HEAVY:
                    _fast_timestamps(client)
                self._clients[key] = client
            return client

    def preflight(self, service: str, region: str) -> Any:
        """A one-off client with :func:`preflight_config` (not shared with the workers)."""
        with self._lock:
            return self._session.client(service, region_name=region, config=preflight_config())

    def partition(self, region: str) -> str:
        with self._lock:
            return self._session.get_partition_for_region(region)
