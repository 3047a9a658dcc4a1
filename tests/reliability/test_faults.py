"""Issue 15, point 2: real workloads through the real handlers while DynamoDB throttles and fails,
S3 answers 503 SlowDown and Bedrock throttles (tests/reliability/faults.py), on a seeded share of
the requests.

The API, ingest, maintenance and streams handlers run with their production wiring
(settings from ``STRATA_*``, boto3 clients from the cached factories, pointed at moto) and
Bedrock for embeddings and answers (the injector stands in for it). Clients behave as a
well-written client does: a 429 or 503 is retried a few times, except an answer that failed
after its question was saved (the error names the ``messageId``). A chat starts with its first
question, the two stored in one transaction. SQS redelivers failed messages up to the queue's
maxReceiveCount; after the storm the maintenance function runs as its schedule would once the
sweep's deadlines have passed (what no delivery could end, it ends ``error``); Lambda retries
failed stream records.

What must hold afterwards: every write the client was told succeeded is there exactly once, and
nothing the client was told failed is there; no session without its first message; no document
left ``uploading`` or ``processing``; each ready document with one set of vectors and one
notification; the stream-kept counters (stats, application usage) equal to the items.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from strata.events.counters import documents_counter
from strata.models import DocumentStatus
from tests.reliability.frame import Reliability
from tests.reliability.platform import DyingContext, IngestPlatform
from tests.reliability.workload import APP, Expected, FaultyPlatform, run_workload, scan

RATES = {"20%": 0.2, "60%": 0.6}  # the rate, and a storm that gets past the retries


def check(platform: IngestPlatform, expected: Expected, app_id: str) -> dict[str, int]:
    """Every way the data can be wrong, counted (all must be 0)."""
    items = scan(platform)
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_entity.setdefault(str(item.get("entity")), []).append(item)
    problems: Counter[str] = Counter()
    # Sessions: exactly those the clients were told were created
    stored_sessions = {str(i["sessionId"]): i for i in by_entity.get("CHAT_SESSION", [])}
    problems["sessions missing or unexpected"] = len(set(stored_sessions) ^ set(expected.sessions))
    messages = by_entity.get("CHAT_MESSAGE", [])
    per_session: dict[str, list[dict[str, Any]]] = {}
    for message in messages:
        per_session.setdefault(str(message["sessionId"]), []).append(message)
    for session_id, session in stored_sessions.items():
        mine = per_session.get(session_id, [])
        users = [m for m in mine if m["role"] == "user"]
        replies = [m for m in mine if m["role"] == "assistant"]
        if not users:
            problems["sessions without their first message"] += 1
        elif [m["messageId"] for m in users] != [expected.first_messages.get(session_id)]:
            problems["first messages missing, doubled or unexpected"] += 1
        if len(replies) != (1 if session_id in expected.replies else 0):
            problems["answers missing or doubled"] += 1
        if int(session.get("messageCount", 0)) != len(mine):
            problems["session messageCount off"] += 1
    # Documents: exactly those created, none left on the way, each ready one searchable once
    documents = {str(i["documentId"]): i for i in by_entity.get("DOCUMENT", [])}
    problems["documents missing or unexpected"] = len(set(documents) ^ set(expected.documents))
    statuses = Counter(str(d["status"]) for d in documents.values())
    problems["documents left uploading or processing"] = (
        statuses[DocumentStatus.UPLOADING.value] + statuses[DocumentStatus.PROCESSING.value]
    )
    notes = Counter(str(n.get("data", {}).get("fileId")) for n in by_entity.get("NOTIFICATION", []))
    for document_id, document in documents.items():
        if notes[document_id] != (1 if document["status"] in ("ready", "error") else 0):
            problems["document notifications missing or doubled"] += 1
        if document["status"] == "ready":
            chunks = int(document.get("metadata", {}).get("chunkCount", 0))
            if platform.vectors_of(str(document["userId"]), document_id) != chunks or not chunks:
                problems["ready documents without exactly one set of vectors"] += 1
    # Counters kept from the stream: the stats item and the application's usage
    [stats] = by_entity.get("STATS", [{}])
    counted = {
        "sessions": len(stored_sessions),
        "messages": len(messages),
        "users": len(by_entity.get("USER", [])),
        "applications": len(by_entity.get("APP", [])),
        **{documents_counter(s.value): statuses[s.value] for s in DocumentStatus},
    }
    for name, count in counted.items():
        if int(stats.get(name, 0)) != count:
            problems[f"stats {name} off"] += 1
    usage = platform.repositories.applications.usage(
        app_id, datetime.now(UTC).date(), datetime.now(UTC).date()
    )
    naming_app = [m for m in messages if m.get("metadata", {}).get("appId") == app_id]
    used = sum(u.message_count for u in usage)
    if used != len(naming_app):
        problems["application usage messageCount off"] += 1
    return {name: count for name, count in problems.items() if count}


@pytest.mark.parametrize("share", list(RATES))
def test_under_throttling_and_failures_every_write_lands_once_or_is_refused(
    faulty: FaultyPlatform,
    reliability: Reliability,
    share: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rate = RATES[share]
    platform = faulty.platform
    # Given users and an application their questions name (made while nothing fails)
    admin = faulty.account("ADMIN")
    users = [faulty.account("GENERAL") for _ in range(reliability.pick(2, 10))]
    app = faulty.once("POST", "/applications", admin, APP)
    assert app.status == 201, app.raw_body
    app_id = app.json()["appId"]
    assert platform.pump_streams() == 0
    faulty.faults.set_rates({"dynamodb": rate, "s3": rate, "bedrock-runtime": rate})
    # When they start sessions with a first question and upload documents, while 20% (or 60%)
    # of the requests to DynamoDB, S3 and Bedrock fail
    with faulty.faults.active():
        expected = run_workload(
            faulty, users, app_id, reliability.pick(1, 5), reliability.pick(1, 3)
        )
        # And the uploads' messages reach the ingest function (redelivered while they fail)
        messages = platform.upload_messages(len(expected.documents))
        receives = platform.ingest_until_settled(messages, context=DyingContext)
    stuck = Counter(
        platform.document(user_id, document_id).status.value
        for document_id, user_id in expected.documents.items()
    )
    # And, once a storm has passed (20% of the requests still fail), the maintenance function's
    # schedule comes after the deadlines of any document left on the way
    faulty.faults.set_rates({"dynamodb": 0.2, "s3": 0.2, "bedrock-runtime": 0.2})
    with faulty.faults.active():
        maintained = platform.maintain(monkeypatch)
        # And the table's stream reaches the streams function (failed records retried): Lambda
        # retries a failing record 5 times (with backoff, here at once) and then gives it up to
        # the on-failure queue, which a 60% storm would make happen
        given_up = platform.pump_streams()
    # Then no request failed with anything but a 429 or 503, no stream record was lost, and a
    # scheduled maintenance run completed
    assert not [status for status in faulty.responses if status >= 500 and status != 503]
    assert given_up == 0
    assert maintained.failed_runs < maintained.runs
    # And the data holds exactly what the clients were told, with every counter right
    problems = check(platform, expected, app_id)
    statuses = Counter(
        platform.document(user_id, document_id).status.value
        for document_id, user_id in expected.documents.items()
    )
    assert problems == {}
    assert faulty.faults.total_injected > 0
    injected = faulty.faults.injected_by_service()
    by_service = ", ".join(f"{name} {count}" for name, count in sorted(injected.items()))
    reliability.record(
        "2",
        f"sessions, documents, counters at {share}",
        injected="DynamoDB throttling/5xx, S3 503 SlowDown/500, Bedrock throttling at "
        f"{share} of requests (seed {reliability.seed})",
        volume=f"{len(users)} users, {len(expected.sessions)} sessions, "
        f"{len(expected.documents)} documents; {sum(faulty.faults.sent.values())} requests, "
        f"{faulty.faults.total_injected} faults ({by_service})",
        lost=sum(problems.values()),
        api_responses=dict(sorted(faulty.responses.items())),
        client_gave_up=faulty.gave_up,
        ingest_deliveries=sum(receives),
        documents_ready=statuses.get("ready", 0),
        documents_error_owner_told=statuses.get("error", 0),
        documents_swept_by_maintenance=stuck.get("uploading", 0) + stuck.get("processing", 0),
        maintenance_runs=maintained.runs,
        stream_batches_retried=platform.stream.retried,
    )
