"""The few AWS calls the agent makes, sent over urllib and signed with SigV4.

Two signers, one per build (``SIGNER``; ``bundle`` folds the other away):

- ``stdlib``: the agent signs requests itself (Signature Version 4) with credentials from
  env vars, then the instance role via IMDSv2 (notebook instances, EC2) or, in a Studio
  app, the container credentials endpoint first. For EC2 (whose python has no botocore)
  and for ``--standalone`` lifecycle scripts.
- ``botocore``: botocore's SigV4Auth and credential chain, from the python SageMaker
  itself ships with the notebook (JupyterSystemEnv) or Studio image (/opt/conda); AWS's
  own auto-stop sample relies on the same. About 1 KB less to embed, which is what lets a
  SageMaker lifecycle script stay within 12,000 base64 characters. Only the signer and
  credentials come from botocore (~11 MB of RSS): its clients would load service models
  (~40 MB more) in a process meant to stay under 50 MB.

Endpoints honour AWS_ENDPOINT_URL(_<SERVICE>) like the SDKs.
Only four operations exist: StopNotebookInstance and DeleteApp (SageMaker, JSON 1.1),
StopInstances (EC2, query) and PutMetricData (CloudWatch, JSON 1.0).
``mlcost.agent.boto3_api`` is the boto3 variant that ``mlcost agent run`` uses.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone

#: service key (upper-cased: its AWS_ENDPOINT_URL_<KEY>) -> (endpoint host prefix, SigV4
#: signing name, and for the JSON protocol: its version and X-Amz-Target prefix)
SERVICES = {
    "sagemaker": ("api.sagemaker", "sagemaker", "1.1", "SageMaker"),
    "ec2": ("ec2", "ec2"),
    "cloudwatch": ("monitoring", "monitoring", "1.0", "GraniteServiceVersion20100801"),
}

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
#: Which signer this build carries: "stdlib" or "botocore" (see the module docstring).
SIGNER = "stdlib"


class AwsError(RuntimeError):
    """An AWS call or credential lookup failed; the message says which and why."""


class CredentialsError(AwsError):
    """No credentials from env, container endpoint or instance role."""


class Imds:
    """IMDSv2 client: a session token from PUT, then GETs that carry it."""

    def __init__(self, base_url: str, timeout: float = 2.0) -> None:
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self._token: str | None = None

    def _token_value(self) -> str:
        if self._token is None:
            req = urllib.request.Request(
                self.base + "/latest/api/token",
                method="PUT",
                headers={"X-aws-ec2-metadata-token-ttl-seconds": "21600"},
            )
            with _NO_PROXY.open(req, timeout=self.timeout) as resp:
                self._token = resp.read().decode()
        return self._token

    def get(self, path: str) -> str:
        try:
            req = urllib.request.Request(
                self.base + "/latest/" + path.lstrip("/"),
                headers={"X-aws-ec2-metadata-token": self._token_value()},
            )
            with _NO_PROXY.open(req, timeout=self.timeout) as resp:
                return resp.read().decode()
        except OSError as err:
            self._token = None
            raise AwsError(f"IMDSv2 at {self.base} failed for {path}: {err}") from err


class Credentials:
    """Access key, secret and session token, refreshed before they expire.

    From env vars, else the instance role (IMDSv2): notebook instances and EC2.
    """

    def __init__(self, imds: Imds | None) -> None:
        self.imds = imds
        self._cached: tuple[str, str, str | None] | None = None
        self._expires = 0.0

    def get(self) -> tuple[str, str, str | None]:
        env_key, env_secret = (
            os.environ.get("AWS_ACCESS_KEY_ID"),
            os.environ.get("AWS_SECRET_ACCESS_KEY"),
        )
        if env_key and env_secret:
            return env_key, env_secret, os.environ.get("AWS_SESSION_TOKEN") or None
        if self._cached and time.time() < self._expires - 300:
            return self._cached
        doc = self._fetch()
        self._cached = (doc["AccessKeyId"], doc["SecretAccessKey"], doc.get("Token"))
        exp = doc.get("Expiration")
        try:
            self._expires = datetime.fromisoformat(str(exp).replace("Z", "+00:00")).timestamp()
        except ValueError:
            self._expires = time.time() + 600
        return self._cached

    def _fetch(self) -> dict:
        return self._instance_role()

    def _instance_role(self) -> dict:
        if self.imds is None:
            raise AwsError(
                "no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or attach a role"
            )
        role = self.imds.get("meta-data/iam/security-credentials/").split()[0]
        try:
            return json.loads(self.imds.get(f"meta-data/iam/security-credentials/{role}"))
        except ValueError as err:
            raise AwsError(f"instance role credentials for {role} are not JSON: {err}") from err


class ContainerCredentials(Credentials):
    """Studio apps: the container credentials endpoint first, then the instance role."""

    def _fetch(self) -> dict:
        return self._container() or self._instance_role()

    def _container(self) -> dict | None:
        full = os.environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        rel = os.environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        if not (full or rel):
            return None
        url = full or "http://169.254.170.2" + str(rel)
        headers = {}
        token = os.environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN")
        token_file = os.environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
        if token_file:
            with open(token_file) as fh:
                token = fh.read().strip()
        if token:
            headers["Authorization"] = token
        try:
            with _NO_PROXY.open(urllib.request.Request(url, headers=headers), timeout=2) as resp:
                return json.loads(resp.read())
        except (OSError, ValueError) as err:
            raise AwsError(f"container credentials at {url} failed: {err}") from err


def credentials_for(kind: str, imds: Imds | None) -> Credentials:
    """The credential sources of a target: only Studio apps have a container endpoint."""
    return ContainerCredentials(imds) if kind == "studio" else Credentials(imds)


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def sigv4_headers(
    method: str,
    url: str,
    body: bytes,
    headers: dict[str, str],
    service: str,
    region: str,
    creds: tuple[str, str, str | None],
    now: datetime | None = None,
) -> dict[str, str]:
    """Headers (including Authorization) that sign this request with SigV4.

    ``url`` must have no query string (every call here POSTs its parameters).
    """
    now = now or datetime.now(timezone.utc)  # noqa: UP017 - the embedded core also runs on python < 3.11
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port and not (
        (parts.scheme == "https" and parts.port == 443)
        or (parts.scheme == "http" and parts.port == 80)
    ):
        host = f"{host}:{parts.port}"
    access, secret, token = creds
    out = dict(headers)
    out["Host"] = host
    out["X-Amz-Date"] = amz_date
    if token:
        out["X-Amz-Security-Token"] = token
    canon = {k.lower(): " ".join(str(v).split()) for k, v in out.items()}
    signed = ";".join(sorted(canon))
    canonical_headers = "".join(f"{k}:{canon[k]}\n" for k in sorted(canon))
    path = urllib.parse.quote(parts.path or "/", safe="/~")
    canonical = "\n".join(
        [method, path, "", canonical_headers, signed, hashlib.sha256(body).hexdigest()]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac(
        _hmac(_hmac(_hmac(("AWS4" + secret).encode(), day), region), service), "aws4_request"
    )
    sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    out["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access}/{scope}, SignedHeaders={signed}, Signature={sig}"
    )
    return out


def endpoint_for(service: str, region: str, override: str | None = None) -> str:
    """The service URL: explicit override, AWS_ENDPOINT_URL_<SVC>, AWS_ENDPOINT_URL, or AWS's."""
    prefix = SERVICES[service][0]
    env = os.environ.get
    url = override or env(f"AWS_ENDPOINT_URL_{service.upper()}") or env("AWS_ENDPOINT_URL")
    if url:
        return url.rstrip("/") + "/"
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{prefix}.{region}.{suffix}/"


def botocore_signed(
    url: str, body: bytes, headers: dict[str, str], service: str, region: str, creds: object
) -> dict[str, str]:
    """Headers that sign this POST with botocore's SigV4Auth (``creds``: botocore's)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    request = AWSRequest("POST", url, data=body, headers=headers)
    SigV4Auth(creds, service, region).add_auth(request)
    return dict(request.headers.items())


class AwsApi:
    """The agent's four AWS operations, in one region, through the build's signer.

    Not boto3 clients, even where they are importable: two clients cost ~45 MB of RSS in
    a process that otherwise needs ~20 MB.
    """

    via = SIGNER + " SigV4"

    def __init__(
        self, region: str, endpoint_url: str | None, imds: Imds | None, kind: str = "studio"
    ) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self.creds: object = None if SIGNER == "botocore" else credentials_for(kind, imds)

    def _send(self, service: str, body: bytes, headers: dict[str, str]) -> bytes:
        url = endpoint_for(service, self.region, self.endpoint_url)
        name = SERVICES[service][1]
        try:
            if SIGNER == "botocore":  # botocore's chain: env, container, instance role
                import botocore.session

                self.creds = self.creds or botocore.session.Session().get_credentials()
                if not self.creds:
                    raise AwsError("none found by botocore")
                signed = botocore_signed(url, body, headers, name, self.region, self.creds)
            else:
                creds = self.creds.get()  # type: ignore[attr-defined]
                signed = sigv4_headers("POST", url, body, headers, name, self.region, creds)
        except (AwsError, OSError, ValueError, KeyError, IndexError) as err:
            raise CredentialsError(f"cannot get AWS credentials: {err}") from err
        signed.pop("Host", 0)  # urllib sets the same value itself
        req = urllib.request.Request(url, data=body, method="POST", headers=signed)
        try:
            with urllib.request.urlopen(req, timeout=20) as resp:
                return resp.read()
        except urllib.error.HTTPError as err:
            detail = err.read()[:500].decode("utf-8", "replace")
            raise AwsError(f"{service} answered HTTP {err.code}: {detail}") from err
        except OSError as err:
            raise AwsError(f"{service} at {url} unreachable: {err}") from err

    def _json(self, service: str, target: str, params: dict) -> dict:
        """AWS JSON protocol: SageMaker's 1.1 and CloudWatch's 1.0 (which CloudWatch has
        spoken besides query since 2023: one encoder for both, and no query flattening)."""
        version, prefix = SERVICES[service][2:]
        headers = {
            "Content-Type": f"application/x-amz-json-{version}",
            "X-Amz-Target": f"{prefix}.{target}",
        }
        # a datetime (PutMetricData's Timestamp) goes as epoch seconds, as the protocol wants
        body = json.dumps(params, default=lambda t: t.timestamp()).encode()
        raw = self._send(service, body, headers)
        return json.loads(raw) if raw.strip() else {}

    def stop_notebook_instance(self, name: str) -> None:
        self._json("sagemaker", "StopNotebookInstance", {"NotebookInstanceName": name})

    def delete_app(self, params: dict[str, str]) -> None:
        """``params``: DomainId, AppType, AppName and SpaceName or UserProfileName."""
        self._json("sagemaker", "DeleteApp", params)

    def stop_instances(self, instance_id: str) -> None:
        """EC2 speaks only its query protocol; one instance needs no list flattening."""
        fields = {"Action": "StopInstances", "Version": "2016-11-15", "InstanceId.1": instance_id}
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        self._send("ec2", urllib.parse.urlencode(fields).encode(), headers)

    def put_metric_data(self, namespace: str, data: list[dict]) -> None:
        """One call for the whole batch (CloudWatch takes up to 1,000 metrics a call)."""
        self._json("cloudwatch", "PutMetricData", {"Namespace": namespace, "MetricData": data})
