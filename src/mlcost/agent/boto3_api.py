"""The agent's AWS operations through boto3, for ``mlcost agent run``.

Where mlcost itself is installed, boto3 is too, and its retries and full credential
chain (profiles in ~/.aws, SSO) matter for the one call that counts: the stop. Metrics
still try the stdlib signer first and fall back to boto3 only when it alone finds
credentials, because boto3's CloudWatch client adds ~45 MB to a small process. The
embedded agent (lifecycle scripts) never imports this module: it stays stdlib-only.
"""

from __future__ import annotations

from typing import Any

from mlcost.agent.core.aws import AwsApi, CredentialsError, Imds


class Boto3Api(AwsApi):
    """``AwsApi`` with the stops made by boto3 clients (created on first use)."""

    via = "boto3"

    def __init__(
        self, region: str, endpoint_url: str | None, imds: Imds | None, kind: str = "studio"
    ) -> None:
        super().__init__(region, endpoint_url, imds, kind)
        self._clients: dict[str, Any] = {}

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            import boto3

            from mlcost.sources.aws.session import bounded

            self._clients[service] = boto3.client(
                service, region_name=self.region, endpoint_url=self.endpoint_url, config=bounded()
            )
        return self._clients[service]

    def stop_notebook_instance(self, name: str) -> None:
        self._client("sagemaker").stop_notebook_instance(NotebookInstanceName=name)

    def delete_app(self, params: dict[str, str]) -> None:
        self._client("sagemaker").delete_app(**params)

    def stop_instances(self, instance_id: str) -> None:
        self._client("ec2").stop_instances(InstanceIds=[instance_id])

    def put_metric_data(self, namespace: str, data: list[dict]) -> None:
        try:
            super().put_metric_data(namespace, data)
        except CredentialsError:
            self._client("cloudwatch").put_metric_data(Namespace=namespace, MetricData=data)
