"""Every physical and logical name the stacks use, in one place: ``strata-{env}-...``.

Length limits that bite: OpenSearch Serverless collection and policy names are 3-32 lowercase
characters; AWS Backup restore-testing names allow only letters, digits and underscores.
"""

from __future__ import annotations

from dataclasses import dataclass

from strata.schema import CHUNKS_INDEX, IDEMPOTENCY_TABLE, MAIN_TABLE, MEMORIES_INDEX

PROJECT = "strata"
# The default CDK bootstrap qualifier; its cfn-exec role deploys the stacks and creates indexes.
BOOTSTRAP_QUALIFIER = "hnb659fds"
STACK_CONCERNS: tuple[str, ...] = ("data", "storage", "search", "auth", "backup", "monitoring")
# Account-level resources shared by every environment in one account and region (not a stage).
ACCOUNT_STACK = f"{PROJECT}-account"

# CloudFormation outputs the operations CLI reads to find an environment (ops/target.py).
# The setting each one fills, then its output key.
OUTPUTS: dict[str, str] = {
    "table_name": "MainTableName",
    "idempotency_table_name": "IdempotencyTableName",
    "bucket_name": "DocumentsBucketName",
    "collection_endpoint": "CollectionEndpoint",
    "vector_bucket_name": "VectorBucketName",
    "user_pool_id": "UserPoolId",
    "realtime_endpoint": "RealtimeManagementEndpoint",
}


class Output:
    """Output keys the CLI reads besides :data:`OUTPUTS`."""

    MAIN_TABLE_ARN = "MainTableArn"
    DOCUMENTS_BUCKET_ARN = "DocumentsBucketArn"
    INGEST_QUEUE_URL = "IngestQueueUrl"
    INGEST_DLQ_URL = "IngestDeadLetterQueueUrl"
    STREAMS_DLQ_URL = "StreamsDeadLetterQueueUrl"
    STREAMS_FUNCTION = "StreamsFunctionName"
    BACKUP_VAULT = "BackupVaultName"
    BACKUP_PLAN_ID = "BackupPlanId"
    BACKUP_ROLE_ARN = "BackupRoleArn"
    REALTIME_URL = "RealtimeWebSocketUrl"
    REALTIME_API_ID = "RealtimeApiId"


DOCUMENTS_PREFIX = "documents/"
ORIGINAL_SUFFIX = "original"
TEMP_UPLOADS_PREFIX = "temp-uploads/"


@dataclass(frozen=True)
class Names:
    env: str

    @property
    def prefix(self) -> str:
        return f"{PROJECT}-{self.env}"

    def resource(self, suffix: str) -> str:
        return f"{self.prefix}-{suffix}"

    # Stage and stacks -------------------------------------------------------------------------
    @property
    def stage(self) -> str:
        return self.prefix

    def stack(self, concern: str) -> str:
        return self.resource(concern)

    # Data -------------------------------------------------------------------------------------
    @property
    def main_table(self) -> str:
        return MAIN_TABLE.physical_name(self.env)

    @property
    def idempotency_table(self) -> str:
        return IDEMPOTENCY_TABLE.physical_name(self.env)

    # Storage (bucket names get the account id appended: they are global) ---------------------
    @property
    def documents_bucket_prefix(self) -> str:
        return self.resource("documents")

    @property
    def access_logs_bucket_prefix(self) -> str:
        return self.resource("access-logs")

    @property
    def ingest_queue(self) -> str:
        return self.resource("ingest")

    @property
    def ingest_dead_letter_queue(self) -> str:
        return self.resource("ingest-dlq")

    @property
    def storage_key_alias(self) -> str:
        return f"alias/{self.resource('storage')}"

    # Search -----------------------------------------------------------------------------------
    @property
    def collection(self) -> str:
        return self.resource("vectors")

    @property
    def vector_bucket(self) -> str:
        """The S3 Vectors bucket (3-63 lowercase characters, unique in the account's region)."""
        return self.resource("vectors")

    @property
    def search_key_alias(self) -> str:
        return f"alias/{self.resource('search')}"

    @property
    def encryption_policy(self) -> str:
        return self.resource("vectors-enc")

    @property
    def network_policy(self) -> str:
        return self.resource("vectors-net")

    @property
    def deployer_access_policy(self) -> str:
        return self.resource("vectors-deploy")

    def access_policy(self, grantee: str) -> str:
        """Data-access policy for one grantee (e.g. ``api``); at most 32 characters in all."""
        name = self.resource(f"vectors-{grantee}")
        if len(name) > 32:
            raise ValueError(f"OpenSearch Serverless policy name too long (max 32): {name}")
        return name

    @property
    def chunks_index(self) -> str:
        return CHUNKS_INDEX.name

    @property
    def memories_index(self) -> str:
        return MEMORIES_INDEX.name

    # Auth -------------------------------------------------------------------------------------
    @property
    def user_pool(self) -> str:
        return self.resource("users")

    @property
    def user_pool_client(self) -> str:
        return self.resource("app")

    # Backup -----------------------------------------------------------------------------------
    @property
    def backup_vault(self) -> str:
        return self.resource("vault")

    @property
    def backup_plan(self) -> str:
        return self.resource("plan")

    @property
    def backup_key_alias(self) -> str:
        return f"alias/{self.resource('backup')}"

    @property
    def restore_testing_plan(self) -> str:
        return f"{PROJECT}_{self.env}_main_restore_test"

    @property
    def restore_testing_selection(self) -> str:
        return f"{PROJECT}_{self.env}_main_table"

    # Monitoring -------------------------------------------------------------------------------
    @property
    def alarm_topic(self) -> str:
        return self.resource("alarms")

    @property
    def dashboard(self) -> str:
        return self.resource("overview")

    @property
    def monitoring_key_alias(self) -> str:
        return f"alias/{self.resource('monitoring')}"

    # API --------------------------------------------------------------------------------------
    @property
    def api_access_logs(self) -> str:
        return f"/aws/apigateway/{self.resource('api')}/access"

    @property
    def api_key_alias(self) -> str:
        return f"alias/{self.resource('api')}"

    # Realtime ---------------------------------------------------------------------------------
    @property
    def realtime_api(self) -> str:
        return self.resource("realtime")

    @property
    def realtime_access_logs(self) -> str:
        return f"/aws/apigateway/{self.realtime_api}/access"

    @property
    def realtime_key_alias(self) -> str:
        return f"alias/{self.resource('realtime')}"

    # Functions --------------------------------------------------------------------------------
    def function(self, name: str) -> str:
        return self.resource(name)

    def log_group(self, function_name: str) -> str:
        return f"/aws/lambda/{function_name}"

    @property
    def strata_layer(self) -> str:
        return self.resource("strata-lib")

    @property
    def deps_layer(self) -> str:
        return self.resource("deps")
