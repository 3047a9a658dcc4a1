"""State survives a stop (Ctrl-C) and a start; a poison upload ends ``error`` and the stack
stays healthy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from tests.e2e.helpers import POLICY_TEXT, search, upload_document, wait_for_status
from tests.support.local_stack import LocalStackProcess, User

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

    # When the stack is stopped as Ctrl-C stops it, and started again on the same state
    local_stack.restart()

    # Then the user (logging in again) finds the session, its message, the document and results
    user.log_in()
    sessions = user.call("GET", "/sessions").json()["items"]
    assert session_id in [s["sessionId"] for s in sessions]
    messages = user.call("GET", f"/sessions/{session_id}/messages").json()["items"]
    assert [m["content"] for m in messages] == ["remember this"]
    assert user.call("GET", f"/documents/{document_id}").json()["status"] == "ready"
    assert search(user, "paid leave per year") == before
    # And the original is still downloadable
    download = user.call("GET", f"/documents/{document_id}/download").json()
    assert requests.get(download["url"], timeout=30).content == POLICY_TEXT.encode()
