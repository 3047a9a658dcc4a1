"""A second user cannot see, search or delete the first user's data, over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.helpers import POLICY_TEXT, search, upload_document, wait_for_status
from tests.support.local_stack import LocalStackProcess, User

pytestmark = pytest.mark.e2e


def test_another_user_cannot_see_search_or_delete(
    local_stack: LocalStackProcess, tmp_path: Path
) -> None:
    # Given Alice with a chat session and a ready document
    alice = User.sign_up(local_stack)
    session_id = alice.call("POST", "/sessions", {"title": "Private"}).json()["sessionId"]
    document_id = upload_document(alice, POLICY_TEXT.encode(), tmp_path)
    wait_for_status(alice, document_id, "ready")

    # When Bob, another user, tries to reach them
    bob = User.sign_up(local_stack)
    # Then he cannot read them
    assert bob.call("GET", f"/documents/{document_id}").status_code == 404
    assert bob.call("GET", f"/sessions/{session_id}").status_code == 404
    assert bob.call("GET", f"/sessions/{session_id}/messages").status_code == 404
    assert all(
        d["documentId"] != document_id for d in bob.call("GET", "/documents").json()["items"]
    )
    # Nor find them
    assert search(bob, "paid leave per year") == []
    # Nor delete them
    assert bob.call("DELETE", f"/documents/{document_id}").status_code == 404
    assert bob.call("DELETE", f"/sessions/{session_id}").status_code == 404

    # And Alice still has everything
    assert alice.call("GET", f"/documents/{document_id}").json()["status"] == "ready"
    assert alice.call("GET", f"/sessions/{session_id}").status_code == 200
    assert search(alice, "paid leave per year")[0]["documentId"] == document_id
