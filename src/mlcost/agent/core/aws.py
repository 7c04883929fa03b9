"""The few AWS calls the agent makes, signed with SigV4 over urllib (stdlib only).

The python running a lifecycle script may lack boto3 and the instance may have no
internet beyond VPC endpoints, so the agent signs requests itself (Signature Version 4)
with credentials from env vars, then the instance role via IMDSv2 (notebook instances,
EC2) or, in a Studio app, the container credentials endpoint first. Endpoints honour AWS_ENDPOINT_URL(_<SERVICE>) like the SDKs.
Only four operations exist: StopNotebookInstance and DeleteApp (SageMaker, JSON 1.1),
StopInstances (EC2, query) and PutMetricData (CloudWatch, query).
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

# service key -> (endpoint host prefix, SigV4 signing name, env suffix for AWS_ENDPOINT_URL_*)
SERVICES = {
    "sagemaker": ("api.sagemaker", "sagemaker", "SAGEMAKER"),
    "ec2": ("ec2", "ec2", "EC2"),
    "cloudwatch": ("monitoring", "monitoring", "CLOUDWATCH"),
}

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


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
    prefix, _, env = SERVICES[service]
    url = (
        override or os.environ.get(f"AWS_ENDPOINT_URL_{env}") or os.environ.get("AWS_ENDPOINT_URL")
    )
    if url:
        return url.rstrip("/") + "/"
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{prefix}.{region}.{suffix}/"


def flatten_query(params: dict, prefix: str = "") -> dict[str, str]:
    """AWS query-protocol flattening: lists as ``.member.N`` (or ``.N`` for EC2 names given)."""
    out: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten_query(value, name + "."))
        elif isinstance(value, list):
            for i, item in enumerate(value, 1):
                if isinstance(item, dict):
                    out.update(flatten_query(item, f"{name}.{i}."))
                else:
                    out[f"{name}.{i}"] = str(item)
        else:
            out[name] = str(value)
    return out


class AwsApi:
    """The agent's four AWS operations, in one region, through the stdlib signer.

    Not boto3, even where it is importable: importing it and holding two clients costs
    ~45 MB of RSS in a process that otherwise needs ~20 MB.
    """

    via = "stdlib SigV4"

    def __init__(
        self, region: str, endpoint_url: str | None, imds: Imds | None, kind: str = "studio"
    ) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self.creds = credentials_for(kind, imds)

    def _send(self, service: str, body: bytes, headers: dict[str, str]) -> bytes:
        url = endpoint_for(service, self.region, self.endpoint_url)
        try:
            creds = self.creds.get()
        except (AwsError, OSError, ValueError, KeyError, IndexError) as err:
            raise CredentialsError(f"cannot get AWS credentials: {err}") from err
        signed = sigv4_headers("POST", url, body, headers, SERVICES[service][1], self.region, creds)
        signed.pop("Host")  # urllib sets the same value itself
        req = urllib.request.Request(url, data=body, method="POST", headers=signed)
        try:
            with urllib.request.urlopen(req, timeout=20) as resp:
                return resp.read()
        except urllib.error.HTTPError as err:
            detail = err.read()[:500].decode("utf-8", "replace")
            raise AwsError(f"{service} answered HTTP {err.code}: {detail}") from err
        except OSError as err:
            raise AwsError(f"{service} at {url} unreachable: {err}") from err

    def _json(self, target: str, params: dict) -> dict:
        body = json.dumps(params).encode()
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"SageMaker.{target}",
        }
        raw = self._send("sagemaker", body, headers)
        return json.loads(raw) if raw.strip() else {}

    def _query(self, service: str, action: str, version: str, params: dict) -> bytes:
        fields = {"Action": action, "Version": version, **flatten_query(params)}
        body = urllib.parse.urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        return self._send(service, body, headers)

    def stop_notebook_instance(self, name: str) -> None:
        self._json("StopNotebookInstance", {"NotebookInstanceName": name})

    def delete_app(self, params: dict[str, str]) -> None:
        """``params``: DomainId, AppType, AppName and SpaceName or UserProfileName."""
        self._json("DeleteApp", params)

    def stop_instances(self, instance_id: str) -> None:
        self._query("ec2", "StopInstances", "2016-11-15", {"InstanceId": [instance_id]})

    def put_metric_data(self, namespace: str, data: list[dict]) -> None:
        """One call for the whole batch (CloudWatch takes up to 1,000 metrics a call)."""
        members = []
        for d in data:
            m = dict(d)
            if isinstance(m.get("Timestamp"), datetime):
                m["Timestamp"] = m["Timestamp"].strftime("%Y-%m-%dT%H:%M:%SZ")
            if "Dimensions" in m:
                m["Dimensions"] = {"member": m["Dimensions"]}
            members.append(m)
        self._query(
            "cloudwatch",
            "PutMetricData",
            "2010-08-01",
            {"Namespace": namespace, "MetricData": {"member": members}},
        )
