"""``python -m local`` / ``make local``: start the local stack and serve it until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import uvicorn

from local.config import (
    DEFAULT_SAVE_INTERVAL,
    DEFAULT_STATE_DIR,
    MAINTENANCE_INTERVAL_SECONDS,
    LocalConfig,
)

log = logging.getLogger("local")


def parse_args(argv: Sequence[str] | None = None) -> LocalConfig:
    env = os.environ
    parser = argparse.ArgumentParser(
        prog="python -m local", description="Run the whole Strata platform on 127.0.0.1."
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(env.get("STRATA_LOCAL_PORT", "3000")),
        help="gateway port (default: STRATA_LOCAL_PORT or 3000)",
    )
    parser.add_argument(
        "--aws-port",
        type=int,
        default=int(env.get("STRATA_LOCAL_AWS_PORT", "0")),
        help="emulated AWS (moto) port (default: STRATA_LOCAL_AWS_PORT or any free port)",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path(env.get("STRATA_LOCAL_STATE_DIR", DEFAULT_STATE_DIR)),
        help="where the state is saved (default: .strata-local)",
    )
    parser.add_argument("--fresh", action="store_true", help="start empty (drop the saved state)")
    parser.add_argument(
        "--save-interval",
        type=float,
        default=DEFAULT_SAVE_INTERVAL,
        help=f"seconds between periodic saves (default: {DEFAULT_SAVE_INTERVAL})",
    )
    parser.add_argument(
        "--maintenance-interval",
        type=float,
        default=MAINTENANCE_INTERVAL_SECONDS,
        help=f"seconds between maintenance runs (default: {MAINTENANCE_INTERVAL_SECONDS})",
    )
    parser.add_argument("--verbose", action="store_true", help="show the functions' own logs")
    args = parser.parse_args(argv)
    return LocalConfig(
        port=args.port,
        aws_port=args.aws_port,
        state_dir=args.state_dir,
        fresh=args.fresh,
        save_interval=args.save_interval,
        maintenance_interval=args.maintenance_interval,
        admin_password=env.get("STRATA_LOCAL_ADMIN_PASSWORD") or None,
        verbose=args.verbose,
    )


class _Server(uvicorn.Server):
    """uvicorn, with a callback once its socket listens."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: list[Any] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._on_started()


def _port_free(host: str, port: int) -> bool:
    """Checked before anything starts, so a second stack leaves the first one's state alone."""
    with socket.socket() as probe:
        # As uvicorn binds: a port left in TIME_WAIT by the last run is free, a listener is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class _Terminated(Exception):
    pass


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr
    )
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # A request that records no business metric is normal; Powertools warns about it on flush.
    warnings.filterwarnings("ignore", "No application metrics to publish")
    # Imported here: the emulator and the functions are heavy, --help should not wait for them.
    from local.auth import AccountError  # noqa: PLC0415
    from local.banner import banner  # noqa: PLC0415
    from local.stack import LocalStack  # noqa: PLC0415

    if not _port_free(config.host, config.port):
        log.error(
            "port %d is taken (another local stack?): stop it, or pick another with --port",
            config.port,
        )
        return 1
    # uvicorn re-raises SIGTERM after its graceful shutdown: let it unwind to the save below.
    signal.signal(signal.SIGTERM, _terminate)
    stack = LocalStack(config)
    try:
        try:
            report = stack.start()
        except AccountError as exc:
            log.error(
                "the admin account could not be set up: %s (STRATA_LOCAL_ADMIN_PASSWORD?)",
                exc.message,
            )
            return 1

        def started() -> None:
            stack.write_runtime()
            print(banner(config, report, stack.resources.aws_endpoint), file=sys.stderr, flush=True)

        server = _Server(
            uvicorn.Config(
                stack.app,
                host=config.host,
                port=config.port,
                log_level="warning",
                access_log=False,
                lifespan="off",
                ws="websockets-sansio",
            ),
            started,
        )
        server.run()
        if not server.started:
            log.error("the gateway could not listen on %s", config.gateway_url)
            return 1
    except (KeyboardInterrupt, _Terminated):
        pass
    finally:
        log.info("stopping: handling queued work, then saving the state")
        stack.stop()
    return 0
