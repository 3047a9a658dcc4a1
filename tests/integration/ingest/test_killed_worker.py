"""Issue 13, point 3: a worker killed mid-file (as Lambda kills one at its timeout or memory
limit) leaves no trace, yet the document ends in `error` with a reason, never `processing`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lambdas.ingest import handler as ingest
from strata.config import Settings, get_settings
from strata.documents.factory import build_ingestion_pipeline
from strata.models import DocumentStatus
from strata.store.factory import build_repositories
from tests.fixtures.documents import MARKDOWN
from tests.integration.ingest.conftest import UploadBucket, sqs_event
from tests.integration.ingest.test_ingest_handler import (  # noqa: F401 (fixture)
    CALLER,
    deliver,
    platform,
    upload,
)

ROOT = Path(__file__).resolve().parents[3]
# The ingest handler in a process of its own whose extraction never returns (a file that
# takes longer than the function may run); it says when it got there, then waits to be killed.
WORKER = """
import json, sys, time
import strata.documents.pipeline as pipeline
from lambdas.ingest import handler

class Context:
    function_name = "strata-test-ingest"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:strata-test-ingest"
    aws_request_id = "11111111-1111-1111-1111-111111111111"
    calls = 0
    def get_remaining_time_in_millis(self):
        # A minute for the invocation's deadline (read first); then 1 ms, so the idempotency
        # record's in-progress lock has expired by the next delivery, as a real timeout's has.
        Context.calls += 1
        return 60_000 if Context.calls == 1 else 1

def endless(*args, **kwargs):
    print("extracting", flush=True)
    time.sleep(600)

pipeline.extract = endless
handler.handler(json.loads(sys.stdin.readline()), Context())
"""


def _run_and_kill(event: dict[str, object]) -> None:
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers" / "strata" / "python")]),
    }
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", WORKER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=environment,
        text=True,
    )
    try:
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(json.dumps(event) + "\n")
        process.stdin.flush()
        assert process.stdout.readline().strip() == "extracting"
    finally:
        process.kill()  # SIGKILL: no handler, no finally block runs in the worker
        process.wait(timeout=30)


def test_a_worker_killed_mid_file_still_leaves_the_document_in_error(
    platform: Settings,  # noqa: F811
    upload_bucket: UploadBucket,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a queue that delivers a message at most twice (one killed run keeps the test short)
    monkeypatch.setenv("STRATA_INGEST_MAX_RECEIVE_COUNT", "2")
    for cache in (get_settings, ingest.worker, build_ingestion_pipeline, build_repositories):
        cache.cache_clear()
    platform = get_settings()
    # And an uploaded document and its object-created message
    document_id = upload(platform, upload_bucket, MARKDOWN.encode(), "text/markdown")
    *_, message = upload_bucket.receive()
    documents = build_repositories(platform).documents
    # When every delivery but the last reaches a worker that is killed mid-file
    max_receives = platform.ingest_max_receive_count or 0
    for attempt in range(1, max_receives):
        message["Attributes"]["ApproximateReceiveCount"] = str(attempt)
        _run_and_kill(sqs_event(upload_bucket, [message]))
        # (each killed run leaves the document processing, and nothing else)
        assert documents.get(CALLER.user_id, document_id).status is DocumentStatus.PROCESSING
    # And SQS delivers the message a last time
    message["Attributes"]["ApproximateReceiveCount"] = str(max_receives)
    response = deliver(upload_bucket, [message])
    # Then the document is in error with a reason the owner can act on; the message is consumed
    assert response == {"batchItemFailures": []}
    document = documents.get(CALLER.user_id, document_id)
    assert document.status is DocumentStatus.ERROR
    assert "started 1 times and never finished" in str(document.processing_status.error_message)
