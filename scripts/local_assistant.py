"""A Rasa server and an action server on free ports, for end-to-end tests and benchmarks.

The same processes `make run` starts (without the gateway), on a database of the caller's
choice, stopped when the ``with`` block ends. Rasa takes 30-70 s to load its model.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from model_fingerprint import ROOT
from supervisor import Service, log_tail, start, stop_all, wait_until_ready
from train_model import RASA, rasa_environment

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LocalAssistant:
    rasa_url: str
    token: str
    action_server_url: str
    logs: tuple[Path, ...]


@contextmanager
def local_assistant(
    *,
    model: Path,
    database_url: str,
    log_dir: Path,
    python: str = sys.executable,
    action_env: dict[str, str] | None = None,
) -> Iterator[LocalAssistant]:
    """Start both servers, wait until each answers, yield their URLs, stop them at the end.

    When a server fails to come up, the end of its log is printed before the error.
    ``action_env`` adds settings for the action server (tests: staff hours that are always on).
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    action_port, rasa_port = free_port(), free_port()
    token = secrets.token_urlsafe(16)
    endpoints = log_dir / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://{LOOPBACK}:{action_port}/webhook"\n')
    actions = Service(
        name="action server",
        command=[python, "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)],
        health_url=f"http://{LOOPBACK}:{action_port}/health",
        log_path=log_dir / "actions.log",
        env={**os.environ, **(action_env or {}), "DATABASE_URL": database_url},
    )
    rasa = Service(
        name="rasa",
        command=[
            str(RASA), "run", "--enable-api", f"--auth-token={token}",
            "--model", str(model), "--interface", LOOPBACK, "--port", str(rasa_port),
            "--endpoints", str(endpoints),
            "--credentials", str(ROOT / "credentials.yml"),
        ],
        health_url=f"http://{LOOPBACK}:{rasa_port}/status?token={token}",
        log_path=log_dir / "rasa.log",
        startup_timeout=240.0,
        env={**rasa_environment(), "DATABASE_URL": database_url},
    )  # fmt: skip
    services = [actions, rasa]
    for service in services:
        start(service, cwd=ROOT)
    try:
        try:
            for service in services:
                wait_until_ready(service, poll_seconds=0.5)
        except Exception:
            for service in services:
                print(f"--- {service.name} log ---\n{log_tail(service.log_path, 60)}")
            raise
        yield LocalAssistant(
            rasa_url=f"http://{LOOPBACK}:{rasa_port}",
            token=token,
            action_server_url=f"http://{LOOPBACK}:{action_port}",
            logs=(actions.log_path, rasa.log_path),
        )
    finally:
        stop_all(services, grace=10)
