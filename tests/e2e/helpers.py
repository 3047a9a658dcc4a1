"""Steps of the README's curl session, shared by the e2e tests."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

from tests.support.local_stack import User

POLICY_TEXT = (
    "Strata keeps every uploaded document searchable.\n"
    "The vacation policy grants twenty-five days of paid leave per year.\n"
    "Expense reports are due on the fifth working day of each month.\n"
)
READY_TIMEOUT = 30.0


def create_document(
    user: User, content: bytes, *, name: str = "policy.txt", file_type: str = "text/plain"
) -> dict[str, Any]:
    response = user.call(
        "POST", "/documents", {"fileName": name, "fileType": file_type, "fileSize": len(content)}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def curl_upload(upload: dict[str, Any], path: Path) -> tuple[int, str]:
    """POST the file with ``curl -F``, the presigned fields first, as the README shows."""
    command = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}"]
    for name, value in upload["fields"].items():
        command += ["-F", f"{name}={value}"]
    command += ["-F", f"file=@{path}", upload["url"]]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)  # noqa: S603
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body


def upload_document(
    user: User,
    content: bytes,
    tmp_path: Path,
    *,
    name: str = "policy.txt",
    file_type: str = "text/plain",
) -> str:
    created = create_document(user, content, name=name, file_type=file_type)
    path = tmp_path / name
    path.write_bytes(content)
    status, body = curl_upload(created["upload"], path)
    assert status == 204, body
    return str(created["document"]["documentId"])


def wait_for_status(user: User, document_id: str, wanted: str) -> dict[str, Any]:
    deadline = time.monotonic() + READY_TIMEOUT
    document: dict[str, Any] = {}
    while time.monotonic() < deadline:
        document = user.call("GET", f"/documents/{document_id}").json()
        if document.get("status") == wanted:
            return document
        if document.get("status") in ("ready", "error"):
            break
        time.sleep(0.3)
    raise AssertionError(f"document {document_id} is {document.get('status')}, not {wanted}")


def search(user: User, query: str) -> list[dict[str, Any]]:
    response = user.call("POST", "/search", {"query": query})
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results
