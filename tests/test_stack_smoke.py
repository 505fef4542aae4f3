"""The action server starts here: rasa-sdk (3.21, Python 3.11) answers its health check.

The Rasa 3.6 server calls this same server; the full Rasa-to-actions conversation test comes
with the first custom actions. Started through the supervisor `make run` uses, so this also
exercises that path.
"""

from __future__ import annotations

import json
import socket
import sys
import urllib.request
from pathlib import Path

import pytest

from delivery.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
from supervisor import Service, start, stop_all, wait_until_ready


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_the_action_server_starts_and_answers_health(tmp_path: Path) -> None:
    port = free_port()
    service = Service(
        name="action server",
        command=[sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        health_url=f"http://127.0.0.1:{port}/health",
        log_path=tmp_path / "actions.log",
        startup_timeout=60,
    )
    start(service, cwd=PROJECT_ROOT)
    try:
        wait_until_ready(service, poll_seconds=0.2)
        with urllib.request.urlopen(service.health_url, timeout=5) as response:
            assert json.load(response) == {"status": "ok"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/actions", timeout=5) as response:
            assert isinstance(json.load(response), list)  # the registered custom actions
    finally:
        stop_all([service], grace=5)
    assert service.exit_code() is not None
