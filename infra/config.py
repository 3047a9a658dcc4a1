"""Per-environment settings of the CDK app, read from the ``environments`` context of cdk.json.

Every key is required unless its type says ``| None``; a missing, unknown or ill-typed key stops
synth with a message naming it (``environments.prod.backup.daily_retention_days: ...``).
docs/ENVIRONMENTS.md describes every key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

ENVIRONMENT_NAMES: tuple[str, ...] = ("dev", "staging", "prod")
CONTEXT_KEY = "environments"
ENV_CONTEXT_KEY = "env"

# The retention periods CloudWatch Logs accepts.
LOG_RETENTION_DAYS: frozenset[int] = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
     2922, 3288, 3653}
)  # fmt: skip

Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Origin = Annotated[str, StringConstraints(pattern=r"^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?$")]
AccountId = Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]$")]
BucketArn = Annotated[
    str, StringConstraints(pattern=r"^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
]
KmsKeyArn = Annotated[
    str,
    StringConstraints(pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$"),
]
VpcEndpointId = Annotated[str, StringConstraints(pattern=r"^vpce-[0-9a-z]{8,17}$")]
ModelId = Annotated[str, StringConstraints(min_length=3, max_length=200)]
SecretName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9/_+=.@-]{1,512}$")]

# Region families and the geographic inference profiles they may call (global. is always fine);
# regions of other families are not checked.
PROFILE_GEOGRAPHIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("us-gov-", ("us-gov",)),
    ("us-", ("us",)),
    ("eu-", ("eu",)),
    ("ap-", ("apac", "jp", "au")),
)
ALL_GEOGRAPHIES = frozenset({"us-gov", "us", "eu", "apac", "jp", "au", "ca"})

VPC_ONLY_COLLECTION_REFUSED = (
    "a VPC-only vector collection cannot work yet: with a VPC endpoint the collection refuses "
    "every request from outside the VPC, but no Strata function runs in a VPC and CloudFormation "
    "creates the vector indexes from outside it. Leave aoss_vpc_endpoint_id null (the "
    "collection then takes only SigV4-signed requests from the roles its data-access policies "
    "name) until both have a path in (docs/DECISIONS.md, issue 9)"
)


class _Strict(BaseModel):
    # strict: JSON "1024" is not 1024, "true" is not true. extra: a misspelt key is an error.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class BackupRetention(_Strict):
    daily_retention_days: int = Field(ge=1, le=36500)
    weekly_retention_days: int = Field(ge=1, le=36500)
    monthly_retention_days: int = Field(ge=1, le=36500)
    # Resources that support cold storage (DynamoDB with advanced backup features) move there after
    # this many days; AWS Backup requires the retention to be at least 90 days longer.
    monthly_cold_storage_after_days: int | None = Field(default=None, ge=1, le=36500)

    @model_validator(mode="after")
    def _cold_storage_leaves_ninety_days(self) -> BackupRetention:
        cold = self.monthly_cold_storage_after_days
        if cold is not None and self.monthly_retention_days < cold + 90:
            raise ValueError(
                "monthly_retention_days must be at least monthly_cold_storage_after_days + 90"
            )
        return self


class ApiSettings(_Strict):
    throttle_rate_limit: float = Field(gt=0)
    throttle_burst_limit: int = Field(ge=1)
    cache_enabled: bool
    cache_ttl_seconds: int = Field(ge=0, le=3600)


class RealtimeSettings(_Strict):
    # The WebSocket stage's throttling (connections and frames together, per second).
    throttle_rate_limit: float = Field(gt=0)
    throttle_burst_limit: int = Field(ge=1)


class IngestSettings(_Strict):
    memory_mb: int = Field(ge=128, le=10240)
    timeout_seconds: int = Field(ge=1, le=900)
    # SQS event source maximum concurrency: 2 is the smallest value Lambda accepts.
    max_concurrency: int = Field(ge=2, le=1000)
    # OCR of scans and images with Amazon Textract (off: they are refused with a reason).
    ocr_enabled: bool


class MaintenanceSettings(_Strict):
    # How often the maintenance function runs (EventBridge rate).
    schedule_minutes: int = Field(ge=5, le=1440)
    # Documents uploaded longer ago than this are deleted; 0 keeps them for ever (the default).
    document_retention_days: int = Field(ge=0, le=36500)


class FederatedProvider(_Strict):
    client_id: str = Field(min_length=1, max_length=256)
    # Name of the Secrets Manager secret holding the client secret (never the secret itself).
    client_secret_name: SecretName


class IdentityProviders(_Strict):
    google: FederatedProvider | None = None
    amazon: FederatedProvider | None = None


class Replication(_Strict):
    bucket_arn: BucketArn
    # Key of the replica bucket: replicas are re-encrypted with it.
    kms_key_arn: KmsKeyArn


class EnvironmentConfig(_Strict):
    """One deployment environment. ``name`` comes from the context key, not from the values."""

    name: str = Field(pattern=r"^[a-z][a-z0-9]{1,9}$")
    account: AccountId | None = None
    region: Region | None = None
    removal_policy: Literal["destroy", "retain"]
    deletion_protection: bool
    point_in_time_recovery: bool
    backup: BackupRetention
    mfa: Literal["optional", "required"]
    # Where vectors live: an OpenSearch Serverless collection (capacity billed around the clock)
    # or Amazon S3 Vectors (pay per use). docs/ENVIRONMENTS.md, docs/DECISIONS.md (issue 17).
    vector_store: Literal["opensearch", "s3vectors"]
    # OpenSearch only: standby replicas of the collection (ignored with s3vectors).
    aoss_standby_replicas: bool
    vector_dimension: Literal[256, 512, 1024]
    embedding_model_id: ModelId
    answer_model_id: ModelId
    log_retention_days: int
    alarm_email: Email
    cors_origins: tuple[Origin, ...] = Field(min_length=1, strict=False)  # JSON has no tuple
    api: ApiSettings
    realtime: RealtimeSettings
    waf_enabled: bool
    # Lambda SnapStart on every function's published version (invoked through the alias
    # ``live``): a cold start resumes a snapshot of the initialized function instead of importing
    # it again. docs/ENVIRONMENTS.md, docs/DECISIONS.md (issue 16).
    snap_start: bool
    max_upload_mb: int = Field(ge=1, le=5120)
    ingest: IngestSettings
    maintenance: MaintenanceSettings
    replication: Replication | None = None
    identity_providers: IdentityProviders = IdentityProviders()
    # Refused for now (see _no_vpc_only_collection_yet); kept so a set value is named, not "extra".
    aoss_vpc_endpoint_id: VpcEndpointId | None = None

    @field_validator("aoss_vpc_endpoint_id")
    @classmethod
    def _no_vpc_only_collection_yet(cls, value: str | None) -> str | None:
        if value is not None:
            raise ValueError(VPC_ONLY_COLLECTION_REFUSED)
        return value

    @model_validator(mode="after")
    def _inference_profiles_match_the_region(self) -> EnvironmentConfig:
        if self.region is None:
            return self
        for key in ("embedding_model_id", "answer_model_id"):
            model_id = getattr(self, key)
            geography = model_id.split(".", 1)[0] if "." in model_id else ""
            for family, allowed in PROFILE_GEOGRAPHIES:
                if self.region.startswith(family) and geography in ALL_GEOGRAPHIES:
                    if geography not in allowed:
                        raise ValueError(
                            f"{key} {model_id!r} is a {geography}. inference profile, which "
                            f"{self.region} cannot call: use the {'/'.join(allowed)}. or "
                            "global. profile of the model"
                        )
                    break
        return self

    @model_validator(mode="after")
    def _log_retention_is_a_cloudwatch_value(self) -> EnvironmentConfig:
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            allowed = ", ".join(str(days) for days in sorted(LOG_RETENTION_DAYS))
            raise ValueError(f"log_retention_days must be one of {allowed}")
        return self

    @property
    def is_retained(self) -> bool:
        return self.removal_policy == "retain"

    @property
    def ingest_queue_visibility_seconds(self) -> int:
        """SQS visibility timeout: six times the ingest timeout, as Lambda recommends."""
        return 6 * self.ingest.timeout_seconds


class ConfigError(Exception):
    """cdk.json context is missing, unknown or ill-typed; the message names the key."""


def _describe(errors: list[Any], prefix: str) -> str:
    lines = []
    for error in errors:
        location = ".".join(str(part) for part in (prefix, *error["loc"]))
        lines.append(f"{location}: {error['msg']}")
    return "; ".join(lines)


def load_environment(name: str, environments: object) -> EnvironmentConfig:
    """Validate one environment of the ``environments`` context value."""
    if not isinstance(environments, Mapping):
        raise ConfigError(f"cdk.json context '{CONTEXT_KEY}' must be an object of environments")
    if name not in ENVIRONMENT_NAMES:
        known = ", ".join(ENVIRONMENT_NAMES)
        raise ConfigError(f"unknown environment '{name}': expected one of {known}")
    if name not in environments:
        raise ConfigError(f"{CONTEXT_KEY}.{name}: missing from cdk.json context")
    values = environments[name]
    if not isinstance(values, Mapping):
        raise ConfigError(f"{CONTEXT_KEY}.{name}: must be an object")
    try:
        return EnvironmentConfig.model_validate({**values, "name": name})
    except PydanticValidationError as exc:
        raise ConfigError(_describe(exc.errors(), f"{CONTEXT_KEY}.{name}")) from exc


def load_environments(
    environments: object, selected: str | None = None
) -> tuple[EnvironmentConfig, ...]:
    """Every environment, or only ``selected`` (the ``-c env=...`` context value)."""
    names = ENVIRONMENT_NAMES if selected is None else (selected,)
    return tuple(load_environment(name, environments) for name in names)
