"""Operations CLI fixtures: a target on the shared moto server, a legacy SQLite database."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import boto3
import pytest

from ops.target import Target
from strata.schema import S3VECTORS_DATA_TYPE, S3VECTORS_DISTANCE_METRIC, VECTOR_INDEXES
from strata.search.local import LocalVectorIndex
from tests.support.moto_server import MotoServer
from tests.support.settings import make_settings

DIMENSION = 256


@pytest.fixture
def vector_index() -> LocalVectorIndex:
    return LocalVectorIndex(dimension=DIMENSION)


@pytest.fixture
def bucket(moto_server: MotoServer) -> str:
    name = f"strata-test-documents-{uuid.uuid4().hex[:8]}"
    s3 = moto_server.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


@pytest.fixture
def vector_bucket(moto_server: MotoServer) -> str:
    """A vector bucket on moto with the two indexes, as the search stack creates them."""
    name = f"strata-test-vectors-{uuid.uuid4().hex[:8]}"
    client = moto_server.client("s3vectors")
    client.create_vector_bucket(vectorBucketName=name)
    for index in VECTOR_INDEXES:
        client.create_index(
            vectorBucketName=name,
            indexName=index.name,
            dataType=S3VECTORS_DATA_TYPE,
            dimension=DIMENSION,
            distanceMetric=S3VECTORS_DISTANCE_METRIC,
            metadataConfiguration={"nonFilterableMetadataKeys": list(index.non_filterable_keys)},
        )
    return name


@pytest.fixture
def target(
    moto_server: MotoServer, main_table: str, bucket: str, vector_index: LocalVectorIndex
) -> Target:
    settings = make_settings(
        env="test",
        table_name=main_table,
        bucket_name=bucket,
        token_secret="ops-tests-token-secret-0123456789",
        embedder="local",
        vector_index="local",
        responder="extractive",
        embedding_model_id="local",
        embedding_dimension=DIMENSION,
    )
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return Target(
        name="test",
        settings=settings,
        session=session,
        endpoint_url=moto_server.endpoint,
        vector_index_factory=lambda: vector_index,
    )


LEGACY_SCHEMA = """
CREATE TABLE users (
  id INTEGER PRIMARY KEY, email TEXT, first_name TEXT, last_name TEXT, role TEXT,
  is_active INTEGER, created_at TEXT, last_login TEXT);
CREATE TABLE circles (
  id INTEGER PRIMARY KEY, name TEXT, description TEXT,
  owner_id INTEGER REFERENCES users(id), created_at TEXT);
CREATE TABLE circle_members (
  id INTEGER PRIMARY KEY, circle_id INTEGER REFERENCES circles(id),
  user_id INTEGER REFERENCES users(id), role TEXT, joined_at TEXT);
CREATE TABLE conversations (
  id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), title TEXT, created_at TEXT,
  updated_at TEXT);
CREATE TABLE messages (
  id INTEGER PRIMARY KEY, conversation_id INTEGER REFERENCES conversations(id), sender TEXT,
  body TEXT, created_at TEXT);
CREATE TABLE documents (
  id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), file_name TEXT,
  mime_type TEXT, size_bytes INTEGER, status TEXT, uploaded_at TEXT);
"""

USERS = 12
SESSIONS_PER_USER = 2
MESSAGES_PER_SESSION = 5


def build_legacy_database(path: Path) -> dict[str, int]:
    """A realistic legacy database with planted faults; returns how many rows are bad.

    Faults: one duplicate e-mail (user 12 reuses user 3's in another case), one user without
    an e-mail, a membership of a missing user, a message of a missing conversation, an empty
    message, and a document with a negative size.
    """
    db = sqlite3.connect(path)
    db.executescript(LEGACY_SCHEMA)
    for n in range(1, USERS + 1):
        email: str | None = f"person{n}@example.com"
        if n == 12:
            email = "PERSON3@example.com"  # the duplicate
        if n == 11:
            email = None  # no e-mail at all
        db.execute(
            "INSERT INTO users VALUES (?,?,?,?,?,?,?,?)",
            (
                n,
                email,
                f"First{n}",
                f"Last{n}",
                "admin" if n == 1 else "user",
                1,
                f"2019-0{1 + n % 9}-0{1 + n % 9} 10:00:00",
                "2020-01-01T08:00:00Z",
            ),
        )
    for g in range(1, 4):
        db.execute(
            "INSERT INTO circles VALUES (?,?,?,?,?)",
            (g, f"Circle {g}", f"About circle {g}", g, "2019-05-01 09:00:00"),
        )
    member_id = 0
    for g in range(1, 4):
        for u in range(1, 9):
            member_id += 1
            db.execute(
                "INSERT INTO circle_members VALUES (?,?,?,?,?)",
                (member_id, g, u, "owner" if u == g else "member", "2019-06-01 12:00:00"),
            )
    db.execute(
        "INSERT INTO circle_members VALUES (?,?,?,?,?)",
        (member_id + 1, 1, 999, "member", "2019-06-01 12:00:00"),
    )  # missing user
    conversation = 0
    message = 0
    for u in range(1, 11):
        for s in range(SESSIONS_PER_USER):
            conversation += 1
            db.execute(
                "INSERT INTO conversations VALUES (?,?,?,?,?)",
                (conversation, u, f"Chat {s} of {u}", "2020-02-01 10:00:00", "2020-02-02 10:00:00"),
            )
            for m in range(MESSAGES_PER_SESSION):
                message += 1
                db.execute(
                    "INSERT INTO messages VALUES (?,?,?,?,?)",
                    (
                        message,
                        conversation,
                        "user" if m % 2 == 0 else "assistant",
                        f"message {m} in chat {conversation}",
                        f"2020-02-01 10:0{m}:00",
                    ),
                )
    db.execute(
        "INSERT INTO messages VALUES (?,?,?,?,?)",
        (message + 1, 4242, "user", "lost", "2020-02-01 10:00:00"),
    )  # no conversation
    db.execute(
        "INSERT INTO messages VALUES (?,?,?,?,?)",
        (message + 2, 1, "user", "", "2020-02-01 11:00:00"),
    )  # empty
    for d in range(1, 7):
        db.execute(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?)",
            (
                d,
                d,
                f"report-{d}.pdf",
                "application/pdf",
                -5 if d == 6 else 1000 * d,
                "processed",
                "2021-03-01 10:00:00",
            ),
        )
    db.commit()
    db.close()
    return {"users": 2, "memberships": 1, "messages": 2, "documents": 1}


@pytest.fixture
def legacy_db(tmp_path: Path) -> Path:
    path = tmp_path / "legacy.sqlite"
    build_legacy_database(path)
    return path
