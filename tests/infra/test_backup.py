"""AWS Backup: vault, daily/weekly/monthly rules, selection and the restore-testing plan."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from infra.names import Names
from tests.infra.conftest import Synthesized


def _rules(template: Template) -> dict[str, dict[str, Any]]:
    (plan,) = template.find_resources("AWS::Backup::BackupPlan").values()
    return {rule["RuleName"]: rule for rule in plan["Properties"]["BackupPlan"]["BackupPlanRule"]}


def test_vault_is_kms_encrypted_and_retained(synthesized: Synthesized, env: str) -> None:
    template = synthesized.template(env, "backup")
    (vault,) = template.find_resources("AWS::Backup::BackupVault").values()
    assert vault["Properties"]["BackupVaultName"] == Names(env).backup_vault
    key_id = vault["Properties"]["EncryptionKeyArn"]["Fn::GetAtt"][0]
    key = template.find_resources("AWS::KMS::Key")[key_id]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert vault["DeletionPolicy"] == "Retain"


def test_plan_has_daily_weekly_and_monthly_rules(synthesized: Synthesized, env: str) -> None:
    # Given the environment's retention
    retention = synthesized.config(env).backup
    rules = _rules(synthesized.template(env, "backup"))
    # Then the schedules are 02:00 UTC daily, Sundays and the 1st of the month
    assert rules["Daily"]["ScheduleExpression"] == "cron(0 2 * * ? *)"
    assert rules["Weekly"]["ScheduleExpression"] == "cron(0 3 ? * SUN *)"
    assert rules["Monthly"]["ScheduleExpression"] == "cron(0 4 1 * ? *)"
    # And each keeps its recovery points as long as configured
    assert rules["Daily"]["Lifecycle"] == {"DeleteAfterDays": retention.daily_retention_days}
    assert rules["Weekly"]["Lifecycle"] == {"DeleteAfterDays": retention.weekly_retention_days}
    monthly = rules["Monthly"]["Lifecycle"]
    assert monthly["DeleteAfterDays"] == retention.monthly_retention_days
    assert monthly.get("MoveToColdStorageAfterDays") == retention.monthly_cold_storage_after_days


def test_retention_matches_the_issue_in_prod(synthesized: Synthesized) -> None:
    rules = _rules(synthesized.template("prod", "backup"))
    assert rules["Daily"]["Lifecycle"]["DeleteAfterDays"] == 35
    assert rules["Weekly"]["Lifecycle"]["DeleteAfterDays"] == 90
    assert rules["Monthly"]["Lifecycle"] == {
        "DeleteAfterDays": 365,
        "MoveToColdStorageAfterDays": 90,
    }


def test_selection_covers_both_tables_and_the_bucket(synthesized: Synthesized, env: str) -> None:
    template = synthesized.template(env, "backup")
    (selection,) = template.find_resources("AWS::Backup::BackupSelection").values()
    resources = str(selection["Properties"]["BackupSelection"]["Resources"])
    # Weak cross-stack references (cdk.json): each resource is read from its stack's output
    assert resources.count("Fn::GetStackOutput") == 3
    for exported in ("MainTable", "IdempotencyTable", "DocumentBucketDocuments"):
        assert exported in resources
    role_id = selection["Properties"]["BackupSelection"]["IamRoleArn"]["Fn::GetAtt"][0]
    role = template.find_resources("AWS::IAM::Role")[role_id]
    policies = str(role["Properties"]["ManagedPolicyArns"])
    assert "AWSBackupServiceRolePolicyForS3Backup" in policies
    assert "AWSBackupServiceRolePolicyForBackup" in policies


def test_restore_testing_plan_tests_the_main_table(synthesized: Synthesized, env: str) -> None:
    names = Names(env)
    template = synthesized.template(env, "backup")
    (plan,) = template.find_resources("AWS::Backup::RestoreTestingPlan").values()
    assert plan["Properties"]["RestoreTestingPlanName"] == names.restore_testing_plan
    assert plan["Properties"]["ScheduleExpression"] == "cron(0 6 2 * ? *)"
    point = plan["Properties"]["RecoveryPointSelection"]
    assert point["Algorithm"] == "LATEST_WITHIN_WINDOW"
    assert point["RecoveryPointTypes"] == ["SNAPSHOT"]
    (selection,) = template.find_resources("AWS::Backup::RestoreTestingSelection").values()
    properties = selection["Properties"]
    assert properties["ProtectedResourceType"] == "DynamoDB"
    assert properties["RestoreTestingPlanName"] == names.restore_testing_plan
    assert "MainTable" in str(properties["ProtectedResourceArns"])
    assert "IdempotencyTable" not in str(properties["ProtectedResourceArns"])
