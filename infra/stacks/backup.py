"""strata-{env}-backup: the vault, the backup plan and the restore-testing plan."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.backups import Backups
from infra.constructs.keys import rotating_key
from infra.names import Names, Output


class BackupStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        main_table: dynamodb.ITable,
        idempotency_table: dynamodb.ITable,
        documents_bucket: s3.IBucket,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        names = Names(config.name)
        # Retained even in dev: the vault outlives the stack, so must the key of its backups.
        self.key = rotating_key(
            self,
            "BackupKey",
            alias=names.backup_key_alias,
            description=f"Strata {config.name}: AWS Backup vault",
            retain=True,
        )
        self.backups = Backups(
            self,
            "Backups",
            config=config,
            key=self.key,
            tables=[main_table, idempotency_table],
            buckets=[documents_bucket],
            restore_tested_table=main_table,
        )
        # What `strata backup create` needs to start an on-demand job.
        CfnOutput(self, Output.BACKUP_VAULT, value=self.backups.vault.backup_vault_name)
        CfnOutput(self, Output.BACKUP_PLAN_ID, value=self.backups.plan.backup_plan_id)
        CfnOutput(self, Output.BACKUP_ROLE_ARN, value=self.backups.backup_role.role_arn)
