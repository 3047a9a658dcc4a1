"""AWS Backup: an encrypted vault, a daily/weekly/monthly plan and a restore-testing plan."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_backup as backup
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.nag import acknowledge, managed_policy
from infra.names import Names

DAILY_SCHEDULE = events.Schedule.cron(minute="0", hour="2")  # 02:00 UTC
WEEKLY_SCHEDULE = events.Schedule.cron(minute="0", hour="3", week_day="SUN")
MONTHLY_SCHEDULE = events.Schedule.cron(minute="0", hour="4", day="1")
# Restore tests run on the 2nd at 06:00 UTC, after the monthly backup of the 1st.
RESTORE_TEST_SCHEDULE = "cron(0 6 2 * ? *)"
RESTORE_TEST_START_WINDOW_HOURS = 24
RESTORE_TEST_SELECTION_WINDOW_DAYS = 7
# How long a restored test table lives for validation before AWS Backup deletes it.
RESTORE_TEST_VALIDATION_WINDOW_HOURS = 4
BACKUP_SERVICE_POLICIES: tuple[str, ...] = (
    "service-role/AWSBackupServiceRolePolicyForBackup",
    "service-role/AWSBackupServiceRolePolicyForRestores",
    "AWSBackupServiceRolePolicyForS3Backup",
    "AWSBackupServiceRolePolicyForS3Restore",
)
RESTORE_POLICY = "service-role/AWSBackupServiceRolePolicyForRestores"
_MANAGED_POLICY_REASON = (
    "AWS Backup's own service-role policy, maintained by AWS as the service adds resource "
    "types; the role is assumable only by backup.amazonaws.com and acts only on the resources "
    "this stack selects"
)


class Backups(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        key: kms.IKey,
        tables: Sequence[dynamodb.ITable],
        buckets: Sequence[s3.IBucket],
        restore_tested_table: dynamodb.ITable,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._names = Names(config.name)
        self.vault = self._build_vault(key)
        self.plan = self._build_plan()
        self.selection = self._build_selection(tables, buckets)
        self.restore_testing_role = self._build_restore_testing_role()
        self.restore_testing_plan = self._build_restore_testing_plan()
        self.restore_testing_selection = self._build_restore_testing_selection(restore_tested_table)

    def _build_vault(self, key: kms.IKey) -> backup.BackupVault:
        return backup.BackupVault(
            self,
            "Vault",
            backup_vault_name=self._names.backup_vault,
            encryption_key=key,
            # Recovery points are never removed by a stack deletion, not even in dev.
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _build_plan(self) -> backup.BackupPlan:
        retention = self._config.backup
        cold_after = retention.monthly_cold_storage_after_days
        return backup.BackupPlan(
            self,
            "Plan",
            backup_plan_name=self._names.backup_plan,
            backup_vault=self.vault,
            backup_plan_rules=[
                backup.BackupPlanRule(
                    rule_name="Daily",
                    schedule_expression=DAILY_SCHEDULE,
                    delete_after=Duration.days(retention.daily_retention_days),
                ),
                backup.BackupPlanRule(
                    rule_name="Weekly",
                    schedule_expression=WEEKLY_SCHEDULE,
                    delete_after=Duration.days(retention.weekly_retention_days),
                ),
                # Cold storage applies where the service allows (DynamoDB with advanced backup
                # features); AWS Backup ignores it for other resource types such as S3.
                backup.BackupPlanRule(
                    rule_name="Monthly",
                    schedule_expression=MONTHLY_SCHEDULE,
                    delete_after=Duration.days(retention.monthly_retention_days),
                    move_to_cold_storage_after=Duration.days(cold_after) if cold_after else None,
                ),
            ],
        )

    def _build_selection(
        self, tables: Sequence[dynamodb.ITable], buckets: Sequence[s3.IBucket]
    ) -> backup.BackupSelection:
        role = iam.Role(
            self,
            "BackupRole",
            assumed_by=iam.ServicePrincipal("backup.amazonaws.com"),
            description="AWS Backup backs up and restores Strata's tables and bucket",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(name)
                for name in BACKUP_SERVICE_POLICIES
            ],
        )
        for name in BACKUP_SERVICE_POLICIES:
            acknowledge(role, "IAM4", _MANAGED_POLICY_REASON, applies_to=managed_policy(name))
        resources = [backup.BackupResource.from_dynamo_db_table(table) for table in tables]
        resources += [backup.BackupResource.from_arn(bucket.bucket_arn) for bucket in buckets]
        self.backup_role = role
        return self.plan.add_selection(
            "Selection",
            backup_selection_name=self._names.resource("data"),
            resources=resources,
            role=role,
        )

    def _build_restore_testing_role(self) -> iam.Role:
        role = iam.Role(
            self,
            "RestoreTestingRole",
            assumed_by=iam.ServicePrincipal("backup.amazonaws.com"),
            description="AWS Backup restores the main table's recovery points to test them",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(RESTORE_POLICY)],
        )
        acknowledge(role, "IAM4", _MANAGED_POLICY_REASON, applies_to=managed_policy(RESTORE_POLICY))
        return role

    def _build_restore_testing_plan(self) -> backup.CfnRestoreTestingPlan:
        return backup.CfnRestoreTestingPlan(
            self,
            "RestoreTestingPlan",
            restore_testing_plan_name=self._names.restore_testing_plan,
            schedule_expression=RESTORE_TEST_SCHEDULE,
            start_window_hours=RESTORE_TEST_START_WINDOW_HOURS,
            recovery_point_selection=backup.CfnRestoreTestingPlan.RestoreTestingRecoveryPointSelectionProperty(
                algorithm="LATEST_WITHIN_WINDOW",
                include_vaults=[self.vault.backup_vault_arn],
                recovery_point_types=["SNAPSHOT"],
                selection_window_days=RESTORE_TEST_SELECTION_WINDOW_DAYS,
            ),
        )

    def _build_restore_testing_selection(
        self, table: dynamodb.ITable
    ) -> backup.CfnRestoreTestingSelection:
        selection = backup.CfnRestoreTestingSelection(
            self,
            "RestoreTestingSelection",
            restore_testing_plan_name=self._names.restore_testing_plan,
            restore_testing_selection_name=self._names.restore_testing_selection,
            protected_resource_type="DynamoDB",
            protected_resource_arns=[table.table_arn],
            iam_role_arn=self.restore_testing_role.role_arn,
            validation_window_hours=RESTORE_TEST_VALIDATION_WINDOW_HOURS,
        )
        selection.node.add_dependency(self.restore_testing_plan)
        return selection
