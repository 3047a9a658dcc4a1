"""State survives a stop (Ctrl-C) and a start; a poison upload ends ``error`` and the stack
stays healthy."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from local.vectors import RemoteVectorIndex
from strata.config import Settings
from tests.e2e.helpers import POLICY_TEXT, search, upload_document, wait_for_status
from tests.support.local_stack import REPO_ROOT, SAVE_INTERVAL, LocalStackProcess, User

pytestmark = pytest.mark.e2e


def test_a_poison_upload_ends_in_error_and_the_stack_stays_healthy(
    local_stack: LocalStackProcess, user: User, tmp_path: Path
) -> None:
    # Given a "PDF" that is random bytes
    poison = b"%PDF-1.7\n" + os.urandom(2048)
    document_id = upload_document(
        user, poison, tmp_path, name="broken.pdf", file_type="application/pdf"
    )
    # Then ingestion marks it error with a message the user can read
    failed = wait_for_status(user, document_id, "error")
    assert failed["processingStatus"]["errorMessage"]
    # And the stack still answers and still ingests
    assert requests.get(f"{local_stack.url}/health", timeout=10).status_code == 200
    good = upload_document(user, POLICY_TEXT.encode(), tmp_path)
    wait_for_status(user, good, "ready")


def test_stop_and_restart_keep_sessions_documents_and_search(
    local_stack: LocalStackProcess, user: User, tmp_path: Path
) -> None:
    # Given a user with a chat session, a message and a ready document
    session_id = user.call("POST", "/sessions", {"title": "Keep me"}).json()["sessionId"]
    user.call("POST", f"/sessions/{session_id}/messages", {"content": "remember this"})
    document_id = upload_document(user, POLICY_TEXT.encode(), tmp_path)
    wait_for_status(user, document_id, "ready")
    before = search(user, "paid leave per year")

    # When the stack is stopped as Ctrl-C stops it (its runtime file goes with it)
    assert local_stack.stop() == 0
    assert not (local_stack.state_dir / "runtime.json").exists()
    # And started again on the same state
    local_stack.start()

    # Then the user (logging in again) finds the session, its message, the document and results
    user.log_in()
    sessions = user.call("GET", "/sessions").json()["items"]
    assert session_id in [s["sessionId"] for s in sessions]
    messages = user.call("GET", f"/sessions/{session_id}/messages").json()["items"]
    assert [m["content"] for m in messages] == ["remember this"]
    assert user.call("GET", f"/documents/{document_id}").json()["status"] == "ready"
    assert search(user, "paid leave per year") == before
    # And other processes reach the restored vector index through the local-only routes
    remote = RemoteVectorIndex.at(local_stack.url)
    assert remote.counts(user.sub, document_id)["chunks"] >= 1
    # And the original is still downloadable
    download = user.call("GET", f"/documents/{document_id}/download").json()
    assert requests.get(download["url"], timeout=30).content == POLICY_TEXT.encode()


def test_a_crash_loses_nothing_saved_before_it(local_stack: LocalStackProcess, user: User) -> None:
    # Given a chat session created, and a periodic save after it (every SAVE_INTERVAL seconds)
    seen = len(local_stack.log_text())
    session_id = user.call("POST", "/sessions", {"title": "Saved"}).json()["sessionId"]
    deadline = time.monotonic() + 10 * SAVE_INTERVAL
    # (two saves: the first may have begun before the write; maintenance, every
    # MAINTENANCE_INTERVAL seconds here, keeps marking the state changed, so saves keep coming)
    while local_stack.log_text()[seen:].count("state saved") < 2:
        assert time.monotonic() < deadline, local_stack.log_tail()
        time.sleep(0.2)
    # When the stack is killed without warning, then started again
    local_stack.crash()
    local_stack.start()
    # Then the session is there
    user.log_in()
    assert user.call("GET", f"/sessions/{session_id}").status_code == 200


def test_the_runtime_file_names_the_gateway_and_the_handlers_environment(
    local_stack: LocalStackProcess,
) -> None:
    runtime = local_stack.runtime
    # Then it names the gateway, and the environment validates as the handlers' settings
    assert runtime["gateway_url"] == local_stack.url
    env = runtime["env"]
    settings = Settings.from_env({k: v for k, v in env.items() if k.startswith("STRATA_")})
    assert (settings.vector_index, settings.embedder) == ("local", "local")
    assert env["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{local_stack.aws_port}"
    assert {"AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(env)
    # And those settings reach the same table the API writes to
    table = local_stack.aws_client("dynamodb").describe_table(TableName=settings.table_name)
    assert table["Table"]["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert runtime["outputs"]["IngestDeadLetterQueueUrl"].endswith("/strata-local-ingest-dlq")


def test_a_second_stack_on_a_taken_port_leaves_at_once(
    local_stack: LocalStackProcess, tmp_path: Path
) -> None:
    # Given the running stack's port, when another stack is started on it
    done = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "local",
            "--port",
            str(local_stack.port),
            "--state-dir",
            str(tmp_path),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Then it says so and exits 1 without starting (nothing written), and the first one still serves
    assert done.returncode == 1
    assert f"port {local_stack.port} is taken" in done.stderr
    assert list(tmp_path.iterdir()) == []
    assert requests.get(f"{local_stack.url}/health", timeout=10).status_code == 200
