"""The local stack in a subprocess (``python -m local``), as a user starts it, on free ports.

One process per test session (tests/e2e/conftest.py); :meth:`LocalStackProcess.restart` stops it
the way Ctrl-C does and starts it again on the same ports and state directory.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.config import Config

from tests.support.moto_server import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "E2e-Admin-Passw0rd!"
START_TIMEOUT = 90.0
MAINTENANCE_INTERVAL = 2.0
SAVE_INTERVAL = 2.0
STOP_TIMEOUT = 60.0


class LocalStackProcess:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.port = free_port()
        self.aws_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = state_dir.parent / "local-stack.log"
        self._process: subprocess.Popen[bytes] | None = None
        self.runtime: dict[str, Any] = {}

    def start(self, *, fresh: bool = False) -> LocalStackProcess:
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("STRATA_", "AWS_", "POWERTOOLS_"))
            and name != "PYTHONDONTWRITEBYTECODE"  # a start compiling every module is slow
        }
        env["STRATA_LOCAL_ADMIN_PASSWORD"] = ADMIN_PASSWORD
        command = [
            sys.executable,
            "-m",
            "local",
            "--port",
            str(self.port),
            "--aws-port",
            str(self.aws_port),
            "--state-dir",
            str(self.state_dir),
            "--save-interval",
            str(SAVE_INTERVAL),
            "--maintenance-interval",
            str(MAINTENANCE_INTERVAL),
        ]
        if fresh:
            command.append("--fresh")
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self._wait_healthy()
        self.runtime = json.loads((self.state_dir / "runtime.json").read_text())
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"the local stack exited at start:\n{self.log_tail()}")
            try:
                healthy = requests.get(f"{self.url}/health", timeout=2).status_code == 200
                if healthy and (self.state_dir / "runtime.json").exists():
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the local stack did not become healthy:\n{self.log_tail()}")

    def stop(self) -> int:
        """Stop it as Ctrl-C does; returns its exit code."""
        process = self._process
        if process is None:
            return 0
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        self._process = None
        return code

    def crash(self) -> None:
        """Kill it without warning (SIGKILL): no stop, no final save."""
        process = self._process
        if process is not None:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
        self._process = None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def restart(self) -> LocalStackProcess:
        code = self.stop()
        if code != 0:
            raise RuntimeError(f"the local stack stopped with {code}:\n{self.log_tail()}")
        return self.start()

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def aws_client(self, service: str) -> Any:
        env = self.runtime["env"]
        return boto3.client(
            service,
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name=env["AWS_DEFAULT_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=None,
            config=Config(signature_version="s3v4"),
        )


@dataclass
class User:
    """A user signed up and logged in through the local sign-in routes."""

    stack: LocalStackProcess
    email: str
    password: str
    id_token: str = ""
    sub: str = ""

    @classmethod
    def sign_up(cls, stack: LocalStackProcess) -> User:
        user = cls(stack, f"user-{uuid.uuid4().hex[:10]}@example.com", "Sup3r-Secret-Passw0rd!")
        response = requests.post(
            f"{stack.url}/auth/signup",
            json={"email": user.email, "password": user.password},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        user.sub = response.json()["userSub"]
        return user.log_in()

    def log_in(self) -> User:
        response = requests.post(
            f"{self.stack.url}/auth/login",
            json={"username": self.email, "password": self.password},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        self.id_token = response.json()["idToken"]
        return self

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.id_token}"}

    def call(self, method: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(
            method, f"{self.stack.url}{path}", json=body, headers=self.headers, timeout=60
        )
