"""`strata backup`: snapshot, wipe, restore, verify equal; point-in-time restore with objects
as of a time; an on-demand AWS Backup job."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.stub import Stubber
from typer.testing import CliRunner

from infra.names import Output
from ops.cli import app
from ops.target import Target
from strata.store import keys
from tests.integration.ops.seed import seed

runner = CliRunner()


def invoke(target: Target, *args: str) -> Any:
    return runner.invoke(app, list(args), obj=target)


def items(target: Target) -> dict[tuple[str, str], dict[str, Any]]:
    return {(str(i["PK"]), str(i["SK"])): i for i in target.bulk.scan()}


def body(target: Target, key: str) -> bytes:
    response = target.client("s3").get_object(Bucket=target.settings.bucket_name, Key=key)
    data: bytes = response["Body"].read()
    return data


def test_snapshot_wipe_restore_verify_equal(target: Target, tmp_path: Path) -> None:
    # Given a table with data and an uploaded object
    seed(target)
    s3 = target.client("s3")
    original = "documents/user-0/doc-0/original"
    s3.put_object(Bucket=target.settings.bucket_name, Key=original, Body=b"the notes")
    before = items(target)
    # When a snapshot is taken, everything is wiped, and the snapshot is restored
    created = invoke(target, "backup", "create", "--dir", str(tmp_path))
    assert created.exit_code == 0, created.output
    [snapshot] = list(tmp_path.glob("snapshot-*.jsonl.gz"))
    listed = invoke(target, "backup", "list", "--dir", str(tmp_path))
    assert snapshot.name[:30] in listed.output
    target.bulk.delete_keys([keys.ItemKey(*k) for k in before])
    s3.delete_object(Bucket=target.settings.bucket_name, Key=original)
    restored = invoke(target, "backup", "restore", "--from", str(snapshot))
    assert restored.exit_code == 0, restored.output
    # Then verify finds the table equal to its snapshot, item for item
    verified = invoke(target, "backup", "verify", "--against", str(snapshot))
    assert verified.exit_code == 0, verified.output
    assert "equal" in verified.output
    assert items(target) == before
    assert body(target, original) == b"the notes"


def test_verify_catches_a_changed_item_and_a_restore_refuses_a_non_empty_table(
    target: Target, tmp_path: Path
) -> None:
    seed(target)
    assert invoke(target, "backup", "create", "--dir", str(tmp_path)).exit_code == 0
    [snapshot] = list(tmp_path.glob("snapshot-*.jsonl.gz"))
    target.bulk.patch(keys.user_profile("user-1"), set_values={"firstName": "Changed"})
    verified = invoke(target, "backup", "verify", "--against", str(snapshot))
    assert verified.exit_code == 1
    assert "DIFFERENT" in verified.output
    refused = invoke(target, "backup", "restore", "--from", str(snapshot))
    assert refused.exit_code == 1
    replaced = invoke(target, "backup", "restore", "--from", str(snapshot), "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert invoke(target, "backup", "verify", "--against", str(snapshot)).exit_code == 0


def test_point_in_time_restore_into_a_new_table_with_objects_as_of_then(target: Target) -> None:
    # Given a table with point-in-time recovery and objects changed after a moment
    seed(target)
    target.client("dynamodb").update_continuous_backups(
        TableName=target.settings.table_name,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )
    s3, bucket = target.client("s3"), target.settings.bucket_name
    s3.put_object(Bucket=bucket, Key="documents/a/original", Body=b"first")
    s3.put_object(Bucket=bucket, Key="documents/b/original", Body=b"kept")
    time.sleep(1.1)
    moment = datetime.now(UTC)
    time.sleep(1.1)
    s3.put_object(Bucket=bucket, Key="documents/a/original", Body=b"second")
    s3.delete_object(Bucket=bucket, Key="documents/b/original")
    s3.put_object(Bucket=bucket, Key="documents/c/original", Body=b"later")
    restored_table = f"{target.settings.table_name}-restored"
    # When the environment is restored to that moment
    result = invoke(
        target,
        "backup",
        "restore",
        "--kind",
        "aws",
        "--at",
        moment.isoformat(),
        "--into",
        restored_table,
    )
    # Then the table is copied into a new table, and the objects are as they were
    assert result.exit_code == 0, result.output
    verified = invoke(target, "backup", "verify", "--against", restored_table)
    assert verified.exit_code == 0, verified.output
    assert body(target, "documents/a/original") == b"first"
    assert body(target, "documents/b/original") == b"kept"
    assert body(target, "documents/c/original") == b"later"  # newer: reported, kept


def test_an_on_demand_backup_job_covers_the_table_and_the_bucket(target: Target) -> None:
    # Given an environment whose stacks name the vault, the role and the resources
    outputs = {
        Output.BACKUP_VAULT: "strata-test-vault",
        Output.BACKUP_ROLE_ARN: "arn:aws:iam::123456789012:role/backup",
        Output.MAIN_TABLE_ARN: "arn:aws:dynamodb:us-east-1:123456789012:table/main",
        Output.DOCUMENTS_BUCKET_ARN: "arn:aws:s3:::strata-test-documents",
    }
    backup = boto3.client("backup", region_name="us-east-1")
    stubber = Stubber(backup)
    for arn in (outputs[Output.MAIN_TABLE_ARN], outputs[Output.DOCUMENTS_BUCKET_ARN]):
        stubber.add_response(
            "start_backup_job",
            {"BackupJobId": f"job-for-{arn[-4:]}"},
            {
                "BackupVaultName": "strata-test-vault",
                "ResourceArn": arn,
                "IamRoleArn": outputs[Output.BACKUP_ROLE_ARN],
            },
        )

    class Session:
        def client(self, service: str, **kwargs: Any) -> Any:
            return backup if service == "backup" else target.session.client(service, **kwargs)

    deployed = dataclasses.replace(target, session=Session(), outputs=outputs)
    # When a backup is created
    with stubber:
        result = invoke(deployed, "backup", "create", "--kind", "aws")
    # Then one job per resource was started
    assert result.exit_code == 0, result.output
    assert "job-for-main" in result.output
    stubber.assert_no_pending_responses()
