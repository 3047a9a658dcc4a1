"""Read synthesized CloudFormation templates into what the cost model prices, per environment.

Only what a template says is read here (resource types, counts and properties): the standby
setting of a vector collection, vector buckets and their indexes, tables and their PITR and
streams, lifecycle transitions, backup rules and copies, alarms and the metrics they analyse, log
groups and their retention, KMS keys, WAF rules, functions' memory and architecture, schedules.
Workload figures (how big a document is, how long a function runs) live in
:mod:`ops.cost.workload`, never here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ops.cost.schedules import DAYS_PER_MONTH, runs_per_month

Template = Mapping[str, Any]


@dataclass(frozen=True)
class Collection:
    name: str
    standby: bool


@dataclass(frozen=True)
class Table:
    logical_id: str
    on_demand: bool
    pitr: bool
    stream: bool


@dataclass(frozen=True)
class Transition:
    days: int
    storage_class: str


@dataclass(frozen=True)
class Bucket:
    logical_id: str
    transitions: tuple[Transition, ...]
    bucket_key: bool
    replica_storage_class: str | None = None  # replicated to another bucket, stored in this class


@dataclass(frozen=True)
class BackupRule:
    name: str
    runs_per_month: float
    delete_after_days: int | None
    cold_after_days: int | None
    copies: int

    def retained(self) -> tuple[float, float]:
        """Recovery points kept at steady state per protected resource: (warm, cold)."""
        if self.delete_after_days is None:
            raise ValueError(f"backup rule {self.name!r} keeps recovery points forever")
        period_days = DAYS_PER_MONTH / self.runs_per_month
        total = self.delete_after_days / period_days
        cold_after = self.cold_after_days
        if cold_after is None or cold_after >= self.delete_after_days:
            return total, 0.0
        return cold_after / period_days, (self.delete_after_days - cold_after) / period_days


@dataclass(frozen=True)
class Function:
    logical_id: str
    role: str
    memory_mb: int
    arch: str
    traced: bool


@dataclass(frozen=True)
class Schedule:
    expression: str
    runs_per_month: float
    targets: tuple[str, ...]


@dataclass(frozen=True)
class LogGroup:
    logical_id: str
    retention_days: int | None


@dataclass(frozen=True)
class Inventory:
    """What one environment's templates provision, as the cost model needs it."""

    environment: str
    collections: tuple[Collection, ...] = ()
    vector_buckets: int = 0
    vector_keys: int = 0  # customer-managed keys that exist for the vector bucket alone
    vector_indexes: int = 0
    vector_dimension: int | None = None
    tables: tuple[Table, ...] = ()
    buckets: tuple[Bucket, ...] = ()
    backup_rules: tuple[BackupRule, ...] = ()
    backed_up: frozenset[str] = frozenset()
    restore_tests_per_month: float = 0.0
    functions: tuple[Function, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    queue_pollers: int = 0
    log_groups: tuple[LogGroup, ...] = ()
    kms_keys: int = 0
    alarms: int = 0
    alarm_metrics: int = 0
    composite_alarms: int = 0
    dashboards: int = 0
    custom_metrics: frozenset[tuple[str, str]] = frozenset()
    web_acls: int = 0
    web_acl_rules: int = 0
    rest_apis: int = 0
    rest_cache_sizes_gb: tuple[str, ...] = ()
    websocket_apis: int = 0
    queues: int = 0
    user_pools: int = 0
    secrets: int = 0
    ocr: bool = False
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def vector_store(self) -> str:
        if self.collections and self.vector_buckets:
            return "opensearch+s3vectors"
        if self.vector_buckets:
            return "s3vectors"
        return "opensearch" if self.collections else "none"

    def function(self, role: str) -> Function | None:
        return next((fn for fn in self.functions if fn.role == role), None)

    def with_collection(self, *, standby: bool) -> Inventory:
        """The same environment with its vectors in one OpenSearch Serverless collection (with an
        AWS-owned key, as the collections here are: the vector bucket's own key goes)."""
        name = f"strata-{self.environment}-vectors"
        return replace(
            self,
            collections=(Collection(name=name, standby=standby),),
            vector_buckets=0,
            vector_keys=0,
            kms_keys=self.kms_keys - self.vector_keys,
            vector_indexes=2,
        )

    def with_vector_bucket(self) -> Inventory:
        """The same environment with its vectors in an S3 vector bucket, encrypted with a key of
        its own, and no collection."""
        keys = self.kms_keys + (0 if self.vector_keys else 1)
        return replace(
            self, collections=(), vector_buckets=1, vector_keys=1, kms_keys=keys, vector_indexes=2
        )


def _resources(templates: Iterable[Template]) -> list[tuple[str, str, Mapping[str, Any]]]:
    found: list[tuple[str, str, Mapping[str, Any]]] = []
    for template in templates:
        for logical_id, resource in template.get("Resources", {}).items():
            found.append((logical_id, resource["Type"], resource.get("Properties", {})))
    return found


def read_inventory(environment: str, templates: Iterable[Template]) -> Inventory:
    """The inventory of one environment from the templates of all its stacks."""
    resources = _resources(templates)
    counts: dict[str, int] = {}
    for _, kind, _ in resources:
        counts[kind] = counts.get(kind, 0) + 1

    def of(kind: str) -> list[tuple[str, Mapping[str, Any]]]:
        return [(logical_id, props) for logical_id, t, props in resources if t == kind]

    tables = tuple(_table(lid, props) for lid, props in of("AWS::DynamoDB::Table"))
    buckets = tuple(_bucket(lid, props) for lid, props in of("AWS::S3::Bucket"))
    functions = tuple(
        fn for lid, props in of("AWS::Lambda::Function") if (fn := _function(lid, props))
    )
    alarm_metrics, custom = _alarm_metrics(props for _, props in of("AWS::CloudWatch::Alarm"))
    backed_up = _backed_up(
        [props for _, props in of("AWS::Backup::BackupSelection")],
        [t.logical_id for t in tables] + [b.logical_id for b in buckets],
    )
    acls = of("AWS::WAFv2::WebACL")
    stages = of("AWS::ApiGateway::Stage")
    aliases = _alias_functions(of("AWS::Lambda::Alias"))
    return Inventory(
        environment=environment,
        collections=tuple(
            Collection(str(props.get("Name", lid)), props.get("StandbyReplicas") != "DISABLED")
            for lid, props in of("AWS::OpenSearchServerless::Collection")
        ),
        vector_buckets=len(of("AWS::S3Vectors::VectorBucket")),
        vector_keys=len(_bucket_keys(of("AWS::S3Vectors::VectorBucket"), of("AWS::KMS::Key"))),
        vector_indexes=len(of("AWS::S3Vectors::Index"))
        + len(of("AWS::OpenSearchServerless::Index")),
        vector_dimension=_dimension(resources),
        tables=tables,
        buckets=buckets,
        backup_rules=tuple(
            rule
            for _, props in of("AWS::Backup::BackupPlan")
            for rule in _backup_rules(props.get("BackupPlan", {}))
        ),
        backed_up=backed_up,
        restore_tests_per_month=sum(
            runs_per_month(str(props["ScheduleExpression"]))
            for _, props in of("AWS::Backup::RestoreTestingPlan")
        ),
        functions=functions,
        schedules=tuple(
            Schedule(
                expression=str(props["ScheduleExpression"]),
                runs_per_month=runs_per_month(str(props["ScheduleExpression"])),
                targets=tuple(_target_ids(props.get("Targets", []), aliases)),
            )
            for _, props in of("AWS::Events::Rule")
            if "ScheduleExpression" in props
        ),
        queue_pollers=sum(
            1 for _, props in of("AWS::Lambda::EventSourceMapping") if _polls_a_queue(props)
        ),
        log_groups=tuple(
            LogGroup(lid, _int_or_none(props.get("RetentionInDays")))
            for lid, props in of("AWS::Logs::LogGroup")
        ),
        kms_keys=len(of("AWS::KMS::Key")),
        alarms=len(of("AWS::CloudWatch::Alarm")),
        alarm_metrics=alarm_metrics,
        composite_alarms=len(of("AWS::CloudWatch::CompositeAlarm")),
        dashboards=len(of("AWS::CloudWatch::Dashboard")),
        custom_metrics=custom,
        web_acls=len(acls),
        web_acl_rules=sum(len(props.get("Rules", [])) for _, props in acls),
        rest_apis=len(of("AWS::ApiGateway::RestApi")),
        rest_cache_sizes_gb=tuple(
            str(props.get("CacheClusterSize", "0.5"))
            for _, props in stages
            if props.get("CacheClusterEnabled") is True
        ),
        websocket_apis=sum(
            1
            for _, props in of("AWS::ApiGatewayV2::Api")
            if props.get("ProtocolType") == "WEBSOCKET"
        ),
        queues=len(of("AWS::SQS::Queue")),
        user_pools=len(of("AWS::Cognito::UserPool")),
        secrets=len(of("AWS::SecretsManager::Secret")),
        ocr=any('"textract:' in json.dumps(props) for _, props in of("AWS::IAM::Policy")),
        counts=counts,
    )


def _bucket_keys(
    vector_buckets: list[tuple[str, Mapping[str, Any]]], keys: list[tuple[str, Mapping[str, Any]]]
) -> set[str]:
    """The KMS keys of this environment that a vector bucket's encryption names."""
    named = json.dumps([props.get("EncryptionConfiguration", {}) for _, props in vector_buckets])
    return {logical_id for logical_id, _ in keys if f'"{logical_id}"' in named}


def _table(logical_id: str, props: Mapping[str, Any]) -> Table:
    pitr = props.get("PointInTimeRecoverySpecification", {}) or {}
    return Table(
        logical_id=logical_id,
        on_demand=props.get("BillingMode") == "PAY_PER_REQUEST",
        pitr=pitr.get("PointInTimeRecoveryEnabled") is True,
        stream="StreamSpecification" in props,
    )


def _bucket(logical_id: str, props: Mapping[str, Any]) -> Bucket:
    rules = (props.get("LifecycleConfiguration") or {}).get("Rules", [])
    transitions = [
        Transition(int(item["TransitionInDays"]), str(item["StorageClass"]))
        for rule in rules
        if rule.get("Status") == "Enabled" and not _scoped(rule)
        for item in rule.get("Transitions", [])
    ]
    encryption = (props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration", [])
    replication = (props.get("ReplicationConfiguration") or {}).get("Rules", [])
    destinations = [rule.get("Destination", {}) for rule in replication]
    return Bucket(
        logical_id=logical_id,
        transitions=tuple(sorted(transitions, key=lambda t: t.days)),
        bucket_key=any(item.get("BucketKeyEnabled") is True for item in encryption),
        replica_storage_class=(
            str(destinations[0].get("StorageClass", "STANDARD")) if destinations else None
        ),
    )


def _scoped(rule: Mapping[str, Any]) -> bool:
    """A rule limited to a prefix or tag applies to some objects only: not the documents'."""
    return bool(rule.get("Prefix") or rule.get("TagFilters") or rule.get("Filter"))


def _backup_rules(plan: Mapping[str, Any]) -> list[BackupRule]:
    rules = []
    for rule in plan.get("BackupPlanRule", []):
        lifecycle = rule.get("Lifecycle", {})
        rules.append(
            BackupRule(
                name=str(rule["RuleName"]),
                runs_per_month=runs_per_month(str(rule["ScheduleExpression"])),
                delete_after_days=_int_or_none(lifecycle.get("DeleteAfterDays")),
                cold_after_days=_int_or_none(lifecycle.get("MoveToColdStorageAfterDays")),
                copies=len(rule.get("CopyActions", [])),
            )
        )
    return rules


def _backed_up(selections: list[Mapping[str, Any]], logical_ids: list[str]) -> frozenset[str]:
    """The tables and buckets a backup selection names (directly or through a stack output)."""
    text = json.dumps(selections)
    return frozenset(lid for lid in logical_ids if lid in text)


def _function(logical_id: str, props: Mapping[str, Any]) -> Function | None:
    name = props.get("FunctionName")
    if not isinstance(name, str):
        return None  # CDK's own providers (bucket notifications, auto-delete): deploy-time only
    return Function(
        logical_id=logical_id,
        role=name.split("-")[-1],
        memory_mb=int(props.get("MemorySize", 128)),
        arch=str((props.get("Architectures") or ["x86_64"])[0]),
        traced=(props.get("TracingConfig") or {}).get("Mode") == "Active",
    )


def _alias_functions(aliases: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, str]:
    """Alias logical id -> its function's logical id (``FunctionName: {"Ref": function}``)."""
    functions = {}
    for logical_id, props in aliases:
        name = props.get("FunctionName")
        if isinstance(name, Mapping) and "Ref" in name:
            functions[logical_id] = str(name["Ref"])
    return functions


def _target_ids(
    targets: list[Mapping[str, Any]], aliases: Mapping[str, str] | None = None
) -> list[str]:
    """The functions a rule invokes: by ARN, or through an alias (``Ref`` of the alias)."""
    ids = []
    for target in targets:
        arn = target.get("Arn")
        if isinstance(arn, Mapping) and "Fn::GetAtt" in arn:
            ids.append(str(arn["Fn::GetAtt"][0]))
        elif isinstance(arn, Mapping) and str(arn.get("Ref")) in (aliases or {}):
            ids.append((aliases or {})[str(arn["Ref"])])
    return ids


def _polls_a_queue(props: Mapping[str, Any]) -> bool:
    """Stream sources have a starting position; a queue source is polled around the clock."""
    return "StartingPosition" not in props


def _alarm_metrics(alarms: Iterable[Mapping[str, Any]]) -> tuple[int, frozenset[tuple[str, str]]]:
    """Metrics analysed by the alarms (billed per metric) and the custom ones among them."""
    billed = 0
    custom: set[tuple[str, str]] = set()
    for alarm in alarms:
        metrics = [
            item["MetricStat"]["Metric"]
            for item in alarm.get("Metrics", [])
            if "MetricStat" in item
        ]
        if "MetricName" in alarm:
            metrics.append(alarm)
        billed += max(1, len(metrics))
        for metric in metrics:
            namespace = str(metric.get("Namespace", ""))
            if not namespace.startswith("AWS/"):
                custom.add((namespace, str(metric.get("MetricName"))))
    return billed, frozenset(custom)


def _dimension(resources: list[tuple[str, str, Mapping[str, Any]]]) -> int | None:
    for _, kind, props in resources:
        if kind == "AWS::S3Vectors::Index" and "Dimension" in props:
            return int(props["Dimension"])
        if kind == "AWS::OpenSearchServerless::Index":
            for spec in props.get("Mappings", {}).get("Properties", {}).values():
                if isinstance(spec, Mapping) and spec.get("Type") == "knn_vector":
                    return int(spec["Dimension"])
    return None


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)
