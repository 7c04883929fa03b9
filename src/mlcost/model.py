"""The shared vocabulary of mlcost: resources, metric series, inventories and findings.

Sources (live AWS, the demo, billing exports) produce an :class:`Inventory`; checks read it
and return :class:`Finding` objects; reports serialise a :class:`ScanResult`. Nothing here
talks to AWS, so every other layer can be tested with plain values.

Money is :class:`~decimal.Decimal` from the price catalogue to the report, so a finding's
figure is exactly price x quantity x hours and can be recomputed from its evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

#: AWS bills and forecasts a month as 730 hours (8,760 h / 12); so do we.
HOURS_PER_MONTH = Decimal(730)
CENT = Decimal("0.01")


def usd(value: Decimal | int | float | str) -> Decimal:
    """Round a dollar amount to the cent, half up, as an invoice does."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


class ResourceKind(StrEnum):
    """The kinds of resource a finding can name (the findings JSON contract)."""

    NOTEBOOK_INSTANCE = "notebook-instance"
    STUDIO_APP = "studio-app"
    #: A SageMaker Studio domain (its default idle shutdown and its user profiles' own).
    STUDIO_DOMAIN = "studio-domain"
    #: A SageMaker managed MLflow tracking server.
    MLFLOW_TRACKING_SERVER = "mlflow-tracking-server"
    #: A Bedrock Provisioned Throughput (provisioned model).
    BEDROCK_PROVISIONED_THROUGHPUT = "bedrock-provisioned-throughput"
    ENDPOINT = "endpoint"
    TRAINING_JOB = "training-job"
    PROCESSING_JOB = "processing-job"
    TRANSFORM_JOB = "transform-job"
    EC2_INSTANCE = "ec2-instance"
    CAPACITY_RESERVATION = "capacity-reservation"
    ACCOUNT = "account"
    #: An IAM role or user (IAM guardrail checks).
    IAM_PRINCIPAL = "iam-principal"


class Usage(StrEnum):
    """What an instance-hour is bought for; SageMaker prices each usage separately."""

    NOTEBOOK = "notebook"
    STUDIO_NOTEBOOK = "studio-notebook"
    TRAINING = "training"
    PROCESSING = "processing"
    HOSTING = "hosting"
    #: Asynchronous inference instance-hours (their own price list entries).
    ASYNC_INFERENCE = "async-inference"
    BATCH_TRANSFORM = "batch-transform"
    EC2 = "ec2"


class MetricLabel(StrEnum):
    """The names under which the live source files metric series (docs/CONTRACTS.md).

    Checks declare the labels they read (``@check(..., needs=...)``); the source plans only
    the series of the labels the selected checks need. A ``StrEnum``, so a label compares
    equal to its string.
    """

    INVOCATIONS = "Invocations"
    INVOCATIONS_PROCESSED = "InvocationsProcessed"
    APPROXIMATE_BACKLOG_SIZE = "ApproximateBacklogSize"
    CPU_UTILIZATION = "CPUUtilization"
    MEMORY_UTILIZATION = "MemoryUtilization"
    GPU_UTILIZATION = "GPUUtilization"
    GPU_MEMORY_UTILIZATION = "GPUMemoryUtilization"
    AGENT_BUSY = "AgentBusy"
    AGENT_IDLE_SECONDS = "AgentIdleSeconds"
    AGENT_GPU_UTILIZATION = "AgentGPUUtilization"
    #: CloudWatch agent nvidia_smi_power_draw (W) and nvidia_smi_temperature_gpu (C), per GPU.
    GPU_POWER_DRAW = "GPUPowerDraw"
    GPU_TEMPERATURE = "GPUTemperature"
    #: CloudWatch agent nvidia_smi_memory_used (MiB), per GPU.
    GPU_MEMORY_USED = "GPUMemoryUsed"
    #: AWS/EC2/CapacityReservations InstanceUtilization (percent of the reserved instances
    #: in use) by CapacityReservationId.
    INSTANCE_UTILIZATION = "InstanceUtilization"
    AGENT_CPU_UTILIZATION = "AgentCPUUtilization"
    #: Account-level reads, not CloudWatch series (``Account`` fields, filled by the
    #: account kind's enrichments only when a selected check needs them): AWS Budgets
    #: DescribeBudgets; Cost Explorer monthly ML spend; hourly (or daily) on-demand
    #: SageMaker spend; Savings Plans coverage.
    BUDGETS = "Budgets"
    MONTHLY_ML_SPEND = "MonthlyMlSpend"
    ON_DEMAND_SPEND = "OnDemandSpend"
    SAVINGS_PLANS_COVERAGE = "SavingsPlansCoverage"
    SAVINGS_PLANS_RATES = "SavingsPlansRates"


class Risk(StrEnum):
    SAFE = "safe"
    REVIEW = "review"
    DISRUPTIVE = "disruptive"


# --------------------------------------------------------------------------- resources


@dataclass(slots=True)
class Resource:
    """Fields every kind of resource has. ``id`` is the name or id as AWS reports it."""

    kind: ResourceKind
    id: str
    arn: str
    region: str
    created: datetime | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """A key unique across regions and kinds; the ARN when AWS gave one."""
        return self.arn or f"{self.region}/{self.kind}/{self.id}"


@dataclass(slots=True)
class NotebookInstance(Resource):
    status: str = ""  # Pending | InService | Stopping | Stopped | Failed | Deleting | Updating
    instance_type: str = ""
    lifecycle_config: str | None = None
    last_modified: datetime | None = None
    #: Whether an idle guard is attached (lifecycle config that runs autostop / mlcost agent),
    #: ``None`` when the lifecycle script could not be read.
    has_idle_guard: bool | None = None


@dataclass(slots=True)
class EndpointVariant:
    name: str
    instance_type: str | None = None  # None for serverless variants
    instance_count: int = 0  # current instance count; 0 for serverless
    serverless_memory_mb: int | None = None
    serverless_max_concurrency: int | None = None
    #: ServerlessConfig.ProvisionedConcurrency: that many warm copies bill every hour, used
    #: or not (0 / None: pay per request only).
    serverless_provisioned_concurrency: int | None = None
    model_name: str | None = None
    #: Built on inference components (no ModelName): metrics are per component, not variant.
    uses_inference_components: bool = False
    #: Application Auto Scaling target: {"MinCapacity", "MaxCapacity"} when one exists, {}
    #: when read and none exists, None when unknown (not read, or the read failed).
    autoscaling: dict | None = None
    #: A shadow variant (ShadowProductionVariants): it takes a copy of the traffic and bills
    #: its instances like any other variant.
    shadow: bool = False


@dataclass(slots=True)
class Endpoint(Resource):
    status: str = ""  # InService | Creating | Updating | Failed | ...
    config_name: str = ""
    variants: list[EndpointVariant] = field(default_factory=list)
    is_async: bool = False
    last_modified: datetime | None = None


@dataclass(slots=True)
class Job(Resource):
    """A training, processing or transform job that ran in the lookback window."""

    status: str = ""
    instance_type: str = ""
    instance_count: int = 1
    start: datetime | None = None
    end: datetime | None = None
    #: Seconds the job ran (TrainingTimeInSeconds for training; end - start otherwise).
    run_seconds: int | None = None
    #: Seconds billed (BillableTimeInSeconds, training only); per instance.
    billable_seconds: int | None = None
    managed_spot: bool = False
    checkpoint_s3_uri: str | None = None
    max_wait_seconds: int | None = None
    image: str | None = None
    #: ResourceConfig.InstanceGroups as (type, count); instance_type is "" when types differ.
    instance_groups: list[tuple[str, int]] = field(default_factory=list)
    #: StoppingCondition.MaxRuntimeInSeconds as the job was created.
    max_runtime_seconds: int | None = None
    #: ResourceConfig.TrainingPlanArn: the job ran on reserved training-plan capacity, which
    #: is paid up front and cannot be managed spot.
    training_plan_arn: str | None = None
    #: SecondaryStatus (training only: Starting, LaunchingMLInstances, Downloading, Training...)
    #: and when it began (its latest SecondaryStatusTransitions entry).
    secondary_status: str | None = None
    secondary_status_since: datetime | None = None


@dataclass(slots=True)
class Ec2Instance(Resource):
    state: str = ""  # pending | running | stopping | stopped | ...
    instance_type: str = ""
    launch_time: datetime | None = None
    lifecycle: str = "on-demand"  # on-demand | spot | scheduled | capacity-block
    #: PlatformDetails as EC2 reports it ("Linux/UNIX", "Windows", "Red Hat Enterprise Linux"...)
    platform: str = "Linux/UNIX"


@dataclass(slots=True)
class CapacityReservation(Resource):
    """An EC2 On-Demand Capacity Reservation (DescribeCapacityReservations): billed at the
    on-demand rate for every reserved instance, used or not, until it ends or is cancelled."""

    state: str = ""  # active | expired | cancelled | pending | failed | scheduled | ...
    instance_type: str = ""
    platform: str = "Linux/UNIX"  # InstancePlatform
    availability_zone: str = ""
    tenancy: str = "default"
    total_instances: int = 0  # TotalInstanceCount
    available_instances: int = 0  # AvailableInstanceCount (reserved, not in use now)
    start_date: datetime | None = None
    end_date: datetime | None = None  # None with EndDateType "unlimited"
    end_date_type: str = "unlimited"  # unlimited | limited
    instance_match_criteria: str = "open"  # open | targeted
    #: ReservationType: "default" (on-demand) or "capacity-block"
    reservation_type: str = "default"


@dataclass(slots=True)
class IamPrincipal(Resource):
    """An IAM role or user with the policy documents that grant it permissions
    (GetAccountAuthorizationDetails; managed policy documents read once per ARN)."""

    principal_type: str = ""  # role | user
    #: inline policy documents (the principal's, and for a user its groups')
    inline_policies: list[dict[str, Any]] = field(default_factory=list)
    #: ARNs of the managed policies attached (for a user, its groups' too)
    attached_policy_arns: list[str] = field(default_factory=list)
    #: managed policy ARN -> its default version's document; filled by the kind's enrichment,
    #: an ARN missing here could not be read
    managed_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)
    permissions_boundary_arn: str | None = None


@dataclass(slots=True)
class StudioIdleSettings:
    """``AppLifecycleManagement.IdleSettings`` of one Studio app type (JupyterLab or
    CodeEditor) as set on a domain's defaults or a user profile; ``None`` fields are unset.

    ``min``/``max`` are the range users may pick in their spaces; AWS allows 60..525,600."""

    app_type: str  # "JupyterLab" | "CodeEditor"
    lifecycle_management: str | None = None  # "ENABLED" | "DISABLED" | None (not set)
    idle_timeout_minutes: int | None = None
    min_idle_timeout_minutes: int | None = None
    max_idle_timeout_minutes: int | None = None


@dataclass(slots=True)
class StudioRunningApp:
    """An InService Studio app as ListApps reports it, with the user profile its settings
    come from (a private space's owner; ``None`` for a shared space or unknown)."""

    app_type: str
    app_name: str
    owner: str  # "space/<name>" or "user/<name>"
    instance_type: str
    settings_profile: str | None = None


@dataclass(slots=True)
class StudioUserProfile:
    name: str
    arn: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    #: app type -> its IdleSettings on the profile; absent: the profile inherits the domain's
    idle_settings: dict[str, StudioIdleSettings] = field(default_factory=dict)


@dataclass(slots=True)
class StudioDomain(Resource):
    status: str = ""  # Deleting | Failed | InService | Pending | Updating | ...
    name: str = ""
    #: app type -> DefaultUserSettings' IdleSettings (absent: not configured)
    idle_settings: dict[str, StudioIdleSettings] = field(default_factory=dict)
    #: the domain's user profiles (None: they could not be read)
    user_profiles: list[StudioUserProfile] | None = None
    #: its InService apps (None: they could not be read)
    running_apps: list[StudioRunningApp] | None = None


@dataclass(slots=True)
class StudioApp(Resource):
    """A Studio app (JupyterLab, CodeEditor, KernelGateway...). ``id`` is
    ``<DomainId>/<space|user>/<owner>/<AppType>/<AppName>``: an app's name is only unique
    within its owner and type, and AWS gives it no id of its own but its ARN."""

    domain_id: str = ""
    app_type: str = ""
    app_name: str = ""
    status: str = ""  # Pending | InService | Deleting | Deleted | Failed
    space_name: str | None = None
    user_profile_name: str | None = None
    instance_type: str = ""  # ResourceSpec.InstanceType ("system" for the free servers)
    resource_spec: dict[str, Any] = field(default_factory=dict)
    last_user_activity: datetime | None = None
    last_health_check: datetime | None = None
    #: the space's EBS volume (SpaceStorageSettings), kept when the app is deleted
    space_ebs_gib: int | None = None
    #: the space's own idle timeout (SpaceSettings.<App>AppSettings.AppLifecycleManagement)
    space_idle_timeout_minutes: int | None = None


@dataclass(slots=True)
class MlflowTrackingServer(Resource):
    """A SageMaker managed MLflow tracking server (DescribeMlflowTrackingServer)."""

    status: str = ""  # TrackingServerStatus: Created | Started | Stopped | Updating | ...
    is_active: str | None = None  # IsActive: Active | Inactive
    size: str = ""  # TrackingServerSize: Small | Medium | Large
    mlflow_version: str = ""
    last_modified: datetime | None = None
    #: CloudTrail CreatePresignedMlflowTrackingServerUrl events for it in the window (the
    #: Studio / console UI opened); None: CloudTrail could not be read
    ui_sessions: int | None = None
    last_ui_session: datetime | None = None


@dataclass(slots=True)
class ProvisionedThroughput(Resource):
    """A Bedrock Provisioned Throughput (ListProvisionedModelThroughputs). ``id`` is its
    name; ``arn`` its provisioned model ARN (the CloudWatch ``ModelId`` it is invoked by)."""

    status: str = ""  # Creating | InService | Updating | Failed
    model_arn: str = ""
    foundation_model_arn: str = ""
    model_units: int = 0
    commitment: str | None = None  # None (no commitment) | OneMonth | SixMonths
    commitment_expires: datetime | None = None


@dataclass(slots=True)
class AccountBudget:
    """One AWS Budget as DescribeBudgets returns it (the fields that decide what it covers)."""

    name: str
    budget_type: str  # COST | USAGE | RI_UTILIZATION | RI_COVERAGE | SAVINGS_PLANS_* ...
    time_unit: str  # DAILY | MONTHLY | QUARTERLY | ANNUALLY
    limit_usd: Decimal | None
    #: CostFilters: dimension -> values (e.g. {"Service": ["Amazon SageMaker"]})
    cost_filters: dict[str, list[str]] = field(default_factory=dict)
    #: FilterExpression (the newer filter form), as AWS returns it
    filter_expression: dict[str, Any] | None = None


@dataclass(slots=True)
class MonthlySpend:
    """Cost Explorer spend of one service in one calendar month (UnblendedCost)."""

    service: str  # Cost Explorer SERVICE value, e.g. "Amazon SageMaker"
    month: str  # YYYY-MM
    amount_usd: Decimal
    days: int  # days of the month the figure covers (a month in progress: fewer)
    days_in_month: int
    estimated: bool = False


@dataclass(slots=True)
class SpendSeries:
    """On-demand (uncovered) SageMaker spend per instance family and hour, from Cost
    Explorer. ``granularity`` "HOURLY", or "DAILY" when hourly data was unavailable: each
    day's cost is then spread evenly over its 24 hours, and ``note`` says why."""

    granularity: str
    #: hour starts (UTC), oldest first
    hours: list[datetime] = field(default_factory=list)
    #: instance family (e.g. "g5", the billing optimiser's rate key) -> dollars per hour, aligned with ``hours``
    by_family: dict[str, list[Decimal]] = field(default_factory=dict)
    note: str = ""
    #: the ``ml.`` instance types seen in the series (what Savings Plans rates are read for)
    instance_types: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class OfferingRate:
    """One Savings Plans DescribeSavingsPlansOfferingRates entry, as the check reads it."""

    usage_type: str  # e.g. "USE1-Host:ml.g5.xlarge"
    operation: str  # e.g. "RunInstance"
    rate: Decimal  # plan price per ``unit``
    unit: str  # "Hrs" for instance usage
    currency: str  # "USD"
    duration_seconds: int  # 31536000 (1 year) or 94608000 (3 years)
    payment_option: str  # "No Upfront" | "Partial Upfront" | "All Upfront"
    region: str = ""  # the rate's ``region`` property
    instance_type: str = ""  # its ``instanceType`` property


@dataclass(slots=True)
class OfferingRates:
    """The SageMaker Savings Plans rates read for the account: ``rates`` when the call
    succeeded (maybe none), ``error`` (the refusal) when it did not; ``read_on`` the date."""

    region: str
    read_on: str  # ISO date of the read
    instance_types: list[str] = field(default_factory=list)
    rates: list[OfferingRate] = field(default_factory=list)
    error: str = ""


@dataclass(slots=True)
class Account(Resource):
    """The AWS account scanned (``id`` its account id), for account-level checks.

    Each field is ``None`` when it was not read (no selected check needs it) or could not be
    read (the error is in the report); a check never reads "no budget" from ``None``.
    """

    budgets: list[AccountBudget] | None = None
    monthly_spend: list[MonthlySpend] | None = None
    on_demand_spend: SpendSeries | None = None
    #: GetSavingsPlansCoverage totals over the window: SpendCoveredBySavingsPlans,
    #: OnDemandCost, TotalCost (Decimal dollars), CoveragePercentage (Decimal)
    savings_plans_coverage: dict[str, Decimal] | None = None
    #: SageMaker Savings Plans offering rates (DescribeSavingsPlansOfferingRates)
    savings_plans_rates: OfferingRates | None = None


# --------------------------------------------------------------------------- metrics


class SeriesStatus(StrEnum):
    OK = "ok"  # read, datapoints (maybe none) are the truth
    ERROR = "error"  # the read failed: nothing may be concluded from it


@dataclass(slots=True)
class MetricSeries:
    """One CloudWatch series for one resource, as read over the lookback window.

    ``status == OK`` with no values means CloudWatch answered and had no datapoints (for
    SageMaker ``Invocations`` that is how "no traffic" looks). ``ERROR`` means the read failed
    and checks must not treat the absence of data as idleness.
    """

    name: str  # our label, e.g. "Invocations", "CPUUtilization", "GPUUtilization"
    namespace: str
    metric: str
    dimensions: dict[str, str]
    stat: str
    period_s: int
    timestamps: list[datetime] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    status: SeriesStatus = SeriesStatus.OK
    error: str | None = None

    @property
    def readable(self) -> bool:
        return self.status is SeriesStatus.OK


@dataclass(slots=True)
class SourceError:
    """A region or service that could not be read; reported, never fatal to the scan."""

    region: str
    service: str
    operation: str
    message: str


@dataclass(slots=True)
class Inventory:
    """Everything a scan saw: resources, their metric series, and what failed."""

    source: str
    regions: list[str]
    lookback_days: int
    start: datetime
    end: datetime
    resources: list[Resource] = field(default_factory=list)
    #: resource key -> series read for it
    metrics: dict[str, list[MetricSeries]] = field(default_factory=dict)
    errors: list[SourceError] = field(default_factory=list)
    #: The AWS account scanned (STS GetCallerIdentity); None when unknown.
    account: str | None = None
    #: What the reader should know about how the scan read (e.g. a fallback taken); the
    #: runner copies them into the report's warnings.
    notes: list[str] = field(default_factory=list)
    #: region -> the kinds whose listing completed there (None: not recorded, e.g. an
    #: inventory built from a file); an empty region that listed cleanly is not a failure.
    listed: dict[str, list[str]] | None = None

    def series(self, resource: Resource, name: str) -> list[MetricSeries]:
        """All series of one label for a resource (an endpoint has one per variant)."""
        return [s for s in self.metrics.get(resource.key, []) if s.name == name]

    def of_kind(self, kind: ResourceKind) -> list[Resource]:
        return [r for r in self.resources if r.kind is kind]


# --------------------------------------------------------------------------- findings


@dataclass(slots=True)
class Fix:
    action: str  # e.g. "delete-endpoint", "stop-notebook-instance", "update-endpoint"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Finding:
    """One saving, with the money, the evidence it rests on and the fix (DESIGN.md contract)."""

    id: str
    check: str
    resource_kind: ResourceKind
    resource_id: str
    resource_arn: str
    region: str
    title: str
    evidence: dict[str, Any]
    monthly_cost_usd: Decimal | None  # None: unpriced
    monthly_savings_usd: Decimal | None
    fix: Fix
    risk: Risk
    confidence: float


@dataclass(slots=True)
class ScanResult:
    generated_at: datetime
    source: str
    regions: list[str]
    lookback_days: int
    findings: list[Finding]
    errors: list[SourceError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: The AWS account scanned (STS GetCallerIdentity); None when unknown.
    account: str | None = None
    #: What was read: resource kind -> how many resources of it (every kind the checks
    #: read, zero included), so an empty report says what it looked at.
    scanned: dict[str, int] = field(default_factory=dict)
