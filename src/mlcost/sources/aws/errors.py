"""Turn a failed AWS call into a :class:`SourceError` the report can show.

Why: one region or service the caller may not read (AccessDenied, an SCP, an opt-in region
not enabled, a network failure) must not sink the whole scan; it is recorded, and the rest
of the account is still scanned. Missing credentials are different: nothing can be read,
so that is a :class:`UserError` at once.
"""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConfigParseError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    InvalidConfigError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

from mlcost.errors import UserError
from mlcost.model import SourceError
from mlcost.sources.aws.session import NO_CREDENTIALS_HINT

#: What a caller of the scan can do about a failure, by error code.
_ADVICE = {
    "AccessDenied": "grant the scan role read access (see `mlcost policy`)",
    "AccessDeniedException": "grant the scan role read access (see `mlcost policy`)",
    "UnauthorizedOperation": "grant the scan role read access (see `mlcost policy`)",
    "UnrecognizedClientException": "the region may not be enabled for this account",
    "AuthFailure": "the region may not be enabled for this account",
    "InvalidClientTokenId": "the region may not be enabled for this account",
    "ThrottlingException": "the account is throttled; rerun later or with fewer workers",
    "Throttling": "the account is throttled; rerun later or with fewer workers",
    "RequestLimitExceeded": "the account is throttled; rerun later or with fewer workers",
}


def raise_if_no_credentials(exc: BaseException) -> None:
    """Missing credentials are the user's to fix, for the whole scan: raise UserError."""
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        raise UserError("no AWS credentials found", NO_CREDENTIALS_HINT) from exc


def raise_if_bad_config(exc: BaseException) -> None:
    """An unreadable AWS configuration (a corrupt credentials file, an unknown profile) fails
    every call alike: a UserError for the whole run, not an error per region."""
    if isinstance(exc, ProfileNotFound):
        raise UserError(
            f"AWS profile {exc.kwargs.get('profile')!r} not found",
            "pass --profile with a profile from ~/.aws/config, or unset AWS_PROFILE",
        ) from exc
    if isinstance(exc, ConfigParseError | InvalidConfigError):
        raise UserError(
            f"the AWS configuration cannot be read: {exc}",
            "fix ~/.aws/credentials and ~/.aws/config (or AWS_SHARED_CREDENTIALS_FILE / "
            "AWS_CONFIG_FILE)",
        ) from exc


#: STS error codes that mean AWS refused the credentials themselves (not a permission).
REJECTED_CREDENTIAL_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
        "AuthFailure",
    }
)
REJECTED_CREDENTIALS_HINT = "refresh them: `aws sso login`, or check AWS_PROFILE / the access keys"


def is_rejected_credentials(exc: BaseException) -> bool:
    """Whether STS refused the credentials themselves (expired, unknown key, bad signature).

    Meaningful for STS GetCallerIdentity only: elsewhere UnrecognizedClientException /
    AuthFailure usually mean a region that is not enabled (a per-region SourceError).
    """
    if not isinstance(exc, ClientError):
        return False
    return exc.response.get("Error", {}).get("Code", "") in REJECTED_CREDENTIAL_CODES


def raise_if_credentials_rejected(exc: BaseException) -> None:
    """Raise the UserError for credentials AWS rejected (see :func:`is_rejected_credentials`)."""
    if is_rejected_credentials(exc):
        assert isinstance(exc, ClientError)
        code = exc.response.get("Error", {}).get("Code", "")
        raise UserError(
            f"AWS rejected the credentials ({code})", REJECTED_CREDENTIALS_HINT
        ) from exc


#: Failures that mean nothing answered (or nothing AWS-shaped did): the network, a proxy,
#: a wrong AWS_ENDPOINT_URL, a port that accepts and never answers.
_UNREACHABLE = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionClosedError,
    ResponseParserError,
)


def is_unreachable(exc: BaseException) -> bool:
    """Whether the call failed because no AWS endpoint answered (not a refusal by AWS)."""
    return isinstance(exc, _UNREACHABLE)


def raise_unreachable(exc: BaseException) -> None:
    """The UserError for an AWS endpoint that cannot be reached (see :func:`is_unreachable`)."""
    from mlcost.sources.aws.session import timeouts

    connect, read = timeouts()
    raise UserError(
        f"could not reach AWS: {type(exc).__name__}: {exc}",
        "check the network, a proxy or AWS_ENDPOINT_URL; waited "
        f"{connect:g} s to connect and up to {min(read, 15):g} s for an answer "
        "(--connect-timeout / --read-timeout)",
    ) from exc


def source_error(region: str, service: str, operation: str, exc: BaseException) -> SourceError:
    """Describe ``exc`` as a SourceError (code, message, and what to do when we know)."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = err.get("Code", "Unknown")
        message = f"{code}: {err.get('Message', '')}".rstrip(": ")
        advice = _ADVICE.get(code)
        if advice:
            message = f"{message} ({advice})"
    elif isinstance(exc, BotoCoreError):
        message = f"{type(exc).__name__}: {exc}"
    else:
        message = f"{type(exc).__name__}: {exc}"
    return SourceError(region=region, service=service, operation=operation, message=message)


def is_not_found(exc: BaseException) -> bool:
    """The resource went away between list and describe (it is then simply not scanned)."""
    if not isinstance(exc, ClientError):
        return False
    code = exc.response.get("Error", {}).get("Code", "")
    msg = exc.response.get("Error", {}).get("Message", "")
    return code in {"ResourceNotFound", "ResourceNotFoundException"} or (
        code == "ValidationException"
        and ("does not exist" in msg or "Could not find" in msg or "RecordNotFound" in msg)
    )


#: Error codes of a call the caller's policy does not allow.
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})


def is_access_denied(exc: BaseException) -> bool:
    """The caller may not make this call (IAM, an SCP): another call may still be allowed."""
    if not isinstance(exc, ClientError):
        return False
    return exc.response.get("Error", {}).get("Code", "") in ACCESS_DENIED_CODES
