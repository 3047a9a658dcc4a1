"""One moto server per test session, shared by every integration test (and the e2e tests)."""

from __future__ import annotations

import socket
import uuid
from typing import Any

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

from local.moto_memory import untrack_models
from strata.schema import MAIN_TABLE, TABLES, TableSchema, create_table_kwargs

CLIENT_CONFIG = Config(
    signature_version="s3v4",
    retries={"mode": "standard", "max_attempts": 2},
    connect_timeout=5,
    read_timeout=30,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MotoServer:
    """A started ThreadedMotoServer and a way to make clients that talk to it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    def start(self) -> MotoServer:
        # moto otherwise keeps every model instance it ever made (a table copy per transaction).
        untrack_models()
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def client(self, service: str, **kwargs: Any) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            config=CLIENT_CONFIG,
            **kwargs,
        )

    def create_table(self, table: TableSchema, name: str | None = None) -> str:
        """Create ``table`` under a fresh unique name and wait until it is active."""
        name = name or f"{table.physical_name('test')}-{uuid.uuid4().hex[:8]}"
        ddb = self.client("dynamodb")
        ddb.create_table(**create_table_kwargs(table, name))
        if table.ttl_attribute:
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )
        return name

    def create_main_table(self) -> str:
        return self.create_table(MAIN_TABLE)

    def create_all_tables(self) -> dict[str, str]:
        return {table.logical_name: self.create_table(table) for table in TABLES}
