"""The table's control plane for operators: describe, create from the schema, restore, delete.

Data-plane requests go through :class:`strata.store.table.Table`; these are the few control-plane
calls the operations CLI makes (verify, backup and restore). Each is 1 request unless noted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from strata.errors import NotFound
from strata.schema import TableSchema, create_table_kwargs
from strata.store.errors import error_code, map_client_error


@dataclass(frozen=True)
class TableDescription:
    name: str
    status: str
    key_schema: list[dict[str, str]]
    attributes: list[dict[str, str]]
    indexes: list[dict[str, Any]]
    stream_view: str | None
    item_count: int
    arn: str


class TableAdmin:
    def __init__(self, client: Any) -> None:
        self._client = client

    def describe(self, name: str) -> TableDescription:
        """DescribeTable. Absent -> NotFound."""
        table = self._call("describe_table", TableName=name)["Table"]
        stream = table.get("StreamSpecification") or {}
        return TableDescription(
            name=name,
            status=str(table.get("TableStatus", "")),
            key_schema=list(table.get("KeySchema", [])),
            attributes=list(table.get("AttributeDefinitions", [])),
            indexes=list(table.get("GlobalSecondaryIndexes", [])),
            stream_view=stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
            item_count=int(table.get("ItemCount", 0)),
            arn=str(table.get("TableArn", "")),
        )

    def exists(self, name: str) -> bool:
        try:
            self.describe(name)
        except NotFound:
            return False
        return True

    def time_to_live(self, name: str) -> str | None:
        """DescribeTimeToLive: the TTL attribute when TTL is enabled, else None."""
        ttl = self._call("describe_time_to_live", TableName=name)["TimeToLiveDescription"]
        enabled = ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
        return str(ttl.get("AttributeName")) if enabled else None

    def point_in_time_recovery(self, name: str) -> tuple[bool, datetime | None, datetime | None]:
        """DescribeContinuousBackups: (enabled, earliest, latest restorable time)."""
        described = self._call("describe_continuous_backups", TableName=name)
        pitr = described["ContinuousBackupsDescription"].get("PointInTimeRecoveryDescription", {})
        return (
            pitr.get("PointInTimeRecoveryStatus") == "ENABLED",
            pitr.get("EarliestRestorableDateTime"),
            pitr.get("LatestRestorableDateTime"),
        )

    def enable_point_in_time_recovery(self, name: str) -> None:
        self._call(
            "update_continuous_backups",
            TableName=name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )

    def enable_time_to_live(self, name: str, attribute: str) -> None:
        self._call(
            "update_time_to_live",
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
        )

    def create(self, schema: TableSchema, name: str) -> None:
        """CreateTable from the schema, then wait until it is active (1 DescribeTable a second)."""
        self._call("create_table", **create_table_kwargs(schema, name))
        self.wait_active(name)
        if schema.ttl_attribute:
            self.enable_time_to_live(name, schema.ttl_attribute)

    def restore_to_point_in_time(self, source: str, target: str, at: datetime | None) -> str:
        """RestoreTableToPointInTime into a new table (``at`` None: the latest restorable time).
        Returns the new table's ARN; it becomes active after a while (:meth:`wait_active`)."""
        request: dict[str, Any] = {"SourceTableName": source, "TargetTableName": target}
        if at is None:
            request["UseLatestRestorableTime"] = True
        else:
            request["RestoreDateTime"] = at
        response = self._call("restore_table_to_point_in_time", **request)
        return str(response["TableDescription"].get("TableArn", ""))

    def wait_active(self, name: str, *, timeout_seconds: float = 3600) -> None:
        deadline = time.monotonic() + timeout_seconds
        while self.describe(name).status != "ACTIVE":
            if time.monotonic() > deadline:
                raise TimeoutError(f"table {name} did not become active")
            time.sleep(1)

    def delete(self, name: str) -> None:
        self._call("delete_table", TableName=name)

    def _call(self, method: str, **request: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self._client, method)(**request)
        except ClientError as exc:
            if error_code(exc) in ("ResourceNotFoundException", "TableNotFoundException"):
                raise NotFound(f"table {request.get('TableName', '')} not found") from None
            raise map_client_error(exc, method) from exc
        return response


__all__ = ["TableAdmin", "TableDescription"]
