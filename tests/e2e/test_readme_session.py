"""The README's quickstart, step by step, over real HTTP against ``python -m local``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.helpers import POLICY_TEXT, search, upload_document, wait_for_status
from tests.support.local_stack import MAINTENANCE_INTERVAL, REPO_ROOT, LocalStackProcess, User

pytestmark = pytest.mark.e2e


def test_the_readme_session_works_as_written(
    local_stack: LocalStackProcess, tmp_path: Path
) -> None:
    # Given a new user who signs up and logs in through the local sign-in routes
    user = User.sign_up(local_stack)
    assert user.id_token
    # Then the Cognito triggers ran: post-confirmation made the profile, post-authentication
    # counted the log-in
    me = user.call("GET", "/me")
    assert me.status_code == 200, me.text
    assert (me.json()["email"], me.json()["loginCount"]) == (user.email, 1)

    # When they create a chat session and post a message to it
    session = user.call("POST", "/sessions", {"title": "First chat"})
    assert session.status_code == 201, session.text
    session_id = session.json()["sessionId"]
    posted = user.call("POST", f"/sessions/{session_id}/messages", {"content": "Hello, Strata"})
    assert posted.status_code == 201, posted.text

    # And upload a document with curl -F and the presigned POST fields, until it is ready
    document_id = upload_document(user, POLICY_TEXT.encode(), tmp_path)
    ready = wait_for_status(user, document_id, "ready")
    assert ready["fileName"] == "policy.txt"
    # And the table's stream, pumped to the streams function, notifies them
    deadline = time.monotonic() + 20
    while not any(
        n["data"].get("fileId") == document_id
        for n in user.call("GET", "/notifications").json()["items"]
    ):
        assert time.monotonic() < deadline, local_stack.log_tail()
        time.sleep(0.3)

    # Then a search for a phrase from it finds it
    results = search(user, "paid leave per year")
    assert results[0]["documentId"] == document_id
    assert "twenty-five days of paid leave" in results[0]["snippet"]

    # And a question gets an answer that cites it
    asked = user.call(
        "POST",
        f"/sessions/{session_id}/messages",
        {"content": "How many days of paid leave do I get?", "respond": True},
    )
    assert asked.status_code == 201, asked.text
    reply = asked.json()["reply"]
    assert reply["role"] == "assistant"
    assert [c["documentId"] for c in reply["citations"]][:1] == [document_id]

    # And the session holds both turns
    history = user.call("GET", f"/sessions/{session_id}/messages").json()["items"]
    assert [m["role"] for m in history] == ["user", "user", "assistant"]

    # When they delete the document
    deleted = user.call("DELETE", f"/documents/{document_id}")
    assert deleted.status_code == 204, deleted.text

    # Then it is gone, from the API and from search
    assert user.call("GET", f"/documents/{document_id}").status_code == 404
    assert all(r["documentId"] != document_id for r in search(user, "paid leave per year"))


def test_public_paths_answer_without_a_token(local_stack: LocalStackProcess) -> None:
    # Given no token at all
    # When the public paths are fetched
    health = requests.get(f"{local_stack.url}/health", timeout=10)
    spec = requests.get(f"{local_stack.url}/openapi.json", timeout=10)
    swagger = requests.get(f"{local_stack.url}/swagger", timeout=10)
    # Then they answer, and the local-only routes are not in the API's document
    assert health.json() == {"status": "ok"}
    assert spec.status_code == 200
    assert "/auth/signup" not in spec.json()["paths"]
    assert not any(path.startswith("/_local") for path in spec.json()["paths"])
    assert swagger.status_code == 200


def test_sign_up_and_log_in_refusals_are_the_pools_own_4xx(
    local_stack: LocalStackProcess, user: User
) -> None:
    url = local_stack.url
    # Given an existing user, when someone signs up again with their e-mail
    again = requests.post(
        f"{url}/auth/signup", json={"email": user.email, "password": user.password}, timeout=30
    )
    # Then the pool refuses it as a duplicate
    assert again.status_code == 409
    assert again.json()["error"] == "UsernameExistsException"

    # When a new user picks a password the pool's policy refuses
    weak = requests.post(
        f"{url}/auth/signup", json={"email": "weak@example.com", "password": "short"}, timeout=30
    )
    assert weak.status_code == 400
    assert weak.json()["error"] == "InvalidPasswordException"

    # When someone logs in with a wrong password, or as nobody
    wrong = requests.post(
        f"{url}/auth/login",
        json={"username": user.email, "password": "Wr0ng-Passw0rd!"},
        timeout=30,
    )
    nobody = requests.post(
        f"{url}/auth/login",
        json={"username": "nobody@example.com", "password": "Wr0ng-Passw0rd!"},
        timeout=30,
    )
    # Then both read the same (no user-existence errors)
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json() == nobody.json()

    # And a malformed body is a 400, not a 500
    broken = requests.post(f"{url}/auth/login", data=b"{not json", timeout=30)
    assert broken.status_code == 400


def test_maintenance_runs_on_its_schedule(local_stack: LocalStackProcess) -> None:
    # Given the stack runs maintenance every MAINTENANCE_INTERVAL seconds (a minute by default)
    deadline = time.monotonic() + 6 * MAINTENANCE_INTERVAL
    # Then a run completes without failing
    while "schedule->maintenance: ran in" not in local_stack.log_tail(200):
        assert time.monotonic() < deadline, local_stack.log_tail()
        time.sleep(0.5)
    assert "the scheduled run failed" not in local_stack.log_tail(400)


def test_the_admin_exists_with_the_configured_password(local_stack: LocalStackProcess) -> None:
    # Given the stack started with STRATA_LOCAL_ADMIN_PASSWORD
    admin = User(local_stack, "admin@example.com", "E2e-Admin-Passw0rd!").log_in()
    # When the admin lists users (an admin-only route)
    listed = admin.call("GET", "/users")
    # Then the admin may
    assert listed.status_code == 200, listed.text


def _readme_session() -> str:
    readme = (REPO_ROOT / "README.md").read_text()
    marker = readme.index("<!-- e2e: readme-session -->")
    start = readme.index("```bash\n", marker) + len("```bash\n")
    return readme[start : readme.index("```", start)]


def test_the_readme_curl_block_runs_as_written(
    local_stack: LocalStackProcess, tmp_path: Path
) -> None:
    # Given the README's curl session, pointed at this stack instead of port 3000
    script = (
        _readme_session()
        .replace("http://127.0.0.1:3000", local_stack.url)
        .replace(".venv/bin/python", sys.executable)
    )
    # When it runs in bash, as a user pastes it
    done = subprocess.run(  # noqa: S603
        ["bash", "-euo", "pipefail", "-c", script],  # noqa: S607
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    # Then every step succeeds: upload 204, ready, a hit, a cited answer, delete 204
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "upload: 204" in out
    assert "\nready\n" in out
    assert "twenty-five days of paid leave" in out
    assert "'fileName': 'policy.txt'" in out  # the citations printed by the ask step
    assert "fifth working day" in out  # the answer streamed over the WebSocket
    assert '"type": "done"' in out
    assert "delete: 204" in out
