"""Fixtures for the live-source tests: moto in-process for SageMaker, EC2 and STS, and the
CloudWatch fake of ``sources_aws_fakes`` (see its docstring for why)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from sources_aws_fakes import FakeCloudWatch


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials only; no profile, no endpoint override, no instance metadata."""
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/mlcost-test-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/mlcost-test-credentials")


@pytest.fixture
def session(aws_env: None) -> Iterator[boto3.Session]:
    """A boto3 session over moto (SageMaker, EC2, STS) in-process, with the emulator's
    fixes (SageMaker Search as AWS answers it, AWS's page sizes)."""
    from mlcost.demo.emulator import patch_moto

    patch_moto()
    with mock_aws():
        yield boto3.Session(region_name="us-east-1")


@pytest.fixture
def cloudwatch(session: boto3.Session) -> FakeCloudWatch:
    return FakeCloudWatch().attach(session)
