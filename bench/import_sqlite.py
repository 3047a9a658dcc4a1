"""Import throughput: `strata import sqlite` (batched, parallel) next to a one-put-per-row loop.

The same legacy database (5,000 rows by default: users, circles, memberships, conversations,
messages, documents) is converted by the same code; the import writes it with BatchWriteItem (25
items a request) and per-user transactions over 4 threads, the loop with one PutItem per item.
Both run against the same endpoint in one run: the running local stack's (from
``.strata-local/runtime.json``) when there is one, else an in-process moto server on loopback.

Run: ``make bench AREA=import_sqlite`` (or ``.venv/bin/python bench/import_sqlite.py [--rows N]``;
a modest default: on moto every user transaction copies the table, see docs/PERFORMANCE.md).
Figures vary with the machine; the ratio is the point. Nothing here runs in ``make test``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "strata" / "python")]

import boto3  # noqa: E402

from bench.harness import Area, Figure  # noqa: E402
from ops.legacy.convert import Converter, Plan, Rejected  # noqa: E402
from ops.legacy.load import ImportOptions, SqliteImporter  # noqa: E402
from ops.legacy.mapping import ORDER, Mapping  # noqa: E402
from strata.clock import SystemClock  # noqa: E402
from strata.schema import MAIN_TABLE, create_table_kwargs  # noqa: E402
from strata.store.bulk import BulkRepository  # noqa: E402
from strata.store.codec import serialize_item  # noqa: E402
from strata.store.table import Table  # noqa: E402
from strata.store.tokens import TokenSigner  # noqa: E402
from tests.integration.ops.conftest import LEGACY_SCHEMA  # noqa: E402

MAPPING = {
    "idPrefix": "legacy-",
    "entities": {
        "users": {
            "table": "users",
            "columns": {
                "id": "id",
                "email": "email",
                "firstName": "first_name",
                "lastName": "last_name",
                "role": "role",
                "isActive": "is_active",
                "createdAt": "created_at",
                "lastLoginAt": "last_login",
            },
        },
        "groups": {
            "table": "circles",
            "columns": {
                "id": "id",
                "name": "name",
                "description": "description",
                "ownerId": "owner_id",
                "createdAt": "created_at",
            },
        },
        "memberships": {
            "table": "circle_members",
            "columns": {
                "groupId": "circle_id",
                "userId": "user_id",
                "role": "role",
                "joinedAt": "joined_at",
            },
        },
        "sessions": {
            "table": "conversations",
            "columns": {
                "id": "id",
                "userId": "user_id",
                "title": "title",
                "createdAt": "created_at",
                "updatedAt": "updated_at",
            },
        },
        "messages": {
            "table": "messages",
            "columns": {
                "id": "id",
                "sessionId": "conversation_id",
                "role": "sender",
                "content": "body",
                "createdAt": "created_at",
            },
        },
        "documents": {
            "table": "documents",
            "columns": {
                "id": "id",
                "userId": "user_id",
                "fileName": "file_name",
                "fileType": "mime_type",
                "fileSize": "size_bytes",
                "status": "status",
                "createdAt": "uploaded_at",
            },
            "values": {"status": {"processed": "ready"}},
        },
    },
}


def build(path: Path, rows: int) -> dict[str, int]:
    """Shares of ``rows``: 5% users, 0.1% circles, 9.9% memberships, 10% conversations,
    70% messages, 5% documents."""
    users, circles = rows * 5 // 100, max(1, rows // 1000)
    members, sessions = rows * 99 // 1000, rows // 10
    documents = rows * 5 // 100
    messages = rows - users - circles - members - sessions - documents
    db = sqlite3.connect(path)
    db.executescript(LEGACY_SCHEMA)
    db.executemany(
        "INSERT INTO users VALUES (?,?,?,?,?,?,?,?)",
        (
            (
                n,
                f"person{n}@example.com",
                f"First{n}",
                f"Last{n}",
                "user",
                1,
                "2020-01-01 10:00:00",
                None,
            )
            for n in range(1, users + 1)
        ),
    )
    db.executemany(
        "INSERT INTO circles VALUES (?,?,?,?,?)",
        ((g, f"Circle {g}", "", g, "2020-01-02 10:00:00") for g in range(1, circles + 1)),
    )
    db.executemany(
        "INSERT INTO circle_members VALUES (?,?,?,?,?)",
        (
            (m, 1 + m % circles, 1 + (m * 7919) % users, "member", "2020-01-03 10:00:00")
            for m in range(1, members + 1)
        ),
    )
    db.executemany(
        "INSERT INTO conversations VALUES (?,?,?,?,?)",
        (
            (s, 1 + s % users, f"Chat {s}", "2020-02-01 10:00:00", "2020-02-01 11:00:00")
            for s in range(1, sessions + 1)
        ),
    )
    db.executemany(
        "INSERT INTO messages VALUES (?,?,?,?,?)",
        (
            (
                m,
                1 + m % sessions,
                "user" if m % 2 else "assistant",
                f"message {m} of a chat about data platforms",
                f"2020-02-01 10:{m % 60:02d}:00",
            )
            for m in range(1, messages + 1)
        ),
    )
    db.executemany(
        "INSERT INTO documents VALUES (?,?,?,?,?,?,?)",
        (
            (
                d,
                1 + d % users,
                f"report-{d}.pdf",
                "application/pdf",
                1000 + d,
                "processed",
                "2021-03-01 10:00:00",
            )
            for d in range(1, documents + 1)
        ),
    )
    db.commit()
    db.close()
    return {
        "users": users,
        "circles": circles,
        "memberships": members,
        "conversations": sessions,
        "messages": messages,
        "documents": documents,
    }


def endpoint() -> tuple[str, subprocess.Popen[bytes] | None]:
    """The local stack's endpoint, else a moto server in its own process (in this process it
    would share the interpreter lock with the client and halve both)."""
    runtime = ROOT / ".strata-local" / "runtime.json"
    if runtime.exists():
        env = json.loads(runtime.read_text())["env"]
        return str(env["AWS_ENDPOINT_URL"]), None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return f"http://127.0.0.1:{port}", server
        time.sleep(0.2)
    server.kill()
    raise RuntimeError("the moto server did not start")


def serialize_transactions_for_moto() -> None:
    """moto copies the whole table for every transaction (its rollback) and two transactions
    at once race on that copy (a 500). DynamoDB has neither problem; here the user transactions
    take turns, the batch writes stay parallel."""
    lock = threading.Lock()
    create_user = BulkRepository.create_user

    def one_at_a_time(self: BulkRepository, profile: Any, unique: Any) -> bool:
        with lock:
            return create_user(self, profile, unique)

    BulkRepository.create_user = one_at_a_time  # type: ignore[method-assign]


def time_stages(seconds: dict[str, float]) -> None:
    """Record each entity's write time (users go by transactions, the rest by batches)."""
    write_entity = SqliteImporter._write_entity

    def timed(self: SqliteImporter, entity: Any, *args: Any) -> None:
        started = time.perf_counter()
        write_entity(self, entity, *args)
        seconds[str(entity)] = time.perf_counter() - started

    SqliteImporter._write_entity = timed  # type: ignore[method-assign]


def fresh_table(client: Any) -> Table:
    name = f"strata-bench-main-{uuid.uuid4().hex[:8]}"
    client.create_table(**create_table_kwargs(MAIN_TABLE, name))
    return Table(client, name, TokenSigner(secrets.token_hex(16)), SystemClock())


def one_put_per_row(connection: sqlite3.Connection, mapping: Mapping, table: Table) -> int:
    """The peer: the same conversion, then one PutItem per item, one row after another."""
    connection.row_factory = sqlite3.Row
    plan = Plan()
    converter = Converter(mapping, plan, "bench-bucket")
    order = [e for e in ORDER if e in mapping.entities]
    rejected: set[tuple[str, str]] = set()
    for learning in (True, False):
        written = 0
        for entity in order:
            spec = mapping.entities[entity]
            for row in connection.execute(f'SELECT * FROM "{spec.table}" ORDER BY "{spec.key}"'):  # noqa: S608
                key = (entity, str(row[spec.key]))
                if key in rejected:
                    continue
                try:
                    converted = (converter.learn if learning else converter.convert)(entity, row)
                except Rejected:
                    rejected.add(key)
                    continue
                if learning:
                    continue
                for item in converted.items + list(converted.user or ()):
                    table.execute("PutItem", Item=serialize_item(item))
                    written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--parallelism", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    url, server = endpoint()
    stages: dict[str, float] = {}
    time_stages(stages)
    if server is not None:
        serialize_transactions_for_moto()
    client = boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 - the emulator's dummy credentials
    )
    try:
        with tempfile.TemporaryDirectory() as folder:
            database = Path(folder) / "legacy.sqlite"
            shares = build(database, args.rows)
            mapping = Mapping.model_validate(MAPPING)
            print(f"legacy rows: {args.rows:,} {shares}; endpoint {url}", flush=True)

            table = fresh_table(client)
            options = ImportOptions(
                batch_size=args.batch_size,
                parallelism=args.parallelism,
                continue_on_error=True,
                rejected_path=Path(folder) / "rejected.jsonl",
                checkpoint_path=Path(folder) / "checkpoint.json",
            )
            importer = SqliteImporter(
                sqlite3.connect(database, check_same_thread=False),
                mapping,
                BulkRepository(table, table.clock),
                bucket="bench-bucket",
                source=str(database),
                options=options,
            )
            started = time.perf_counter()
            report = importer.run()
            batched_seconds = time.perf_counter() - started
            batched = (report.items_written, table.metrics.total_requests, batched_seconds)
            print(
                f"import: {batched[0]:,} items, {batched[1]:,} requests, {batched_seconds:.1f} s",
                flush=True,
            )

            peer = fresh_table(client)
            started = time.perf_counter()
            items = one_put_per_row(sqlite3.connect(database), mapping, peer)
            loop_seconds = time.perf_counter() - started
            looped = (items, peer.metrics.total_requests, loop_seconds)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    where = "the local stack" if server is None else "a moto server in its own process"
    area = Area(
        "import_sqlite",
        "Bulk import of a legacy SQLite database",
        method=(
            f"{args.rows:,} legacy rows {shares}; batches of {args.batch_size} rows, "
            f"{args.parallelism} threads; one run each against {where}."
        ),
    )
    area.add(
        Figure(
            key="import_sqlite.items_per_second",
            measure=f"strata import sqlite (x{args.parallelism}), {batched[0]:,} items",
            ours=batched[0] / batched[2],
            unit="items/s",
            peer_name="one PutItem per item",
            peer=looped[0] / looped[2],
            higher_is_better=True,
            note="seconds per stage: " + ", ".join(f"{k} {v:.1f}" for k, v in stages.items()),
        )
    )
    area.add(
        Figure(
            key="import_sqlite.requests",
            measure="DynamoDB requests for the same items",
            ours=float(batched[1]),
            unit="requests",
            peer_name="one PutItem per item",
            peer=float(looped[1]),
        )
    )
    area.finish()


if __name__ == "__main__":
    main()
