"""`make run` starts the carrier poller once the others answer, pointed at the demo carriers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from stack import LOG_DIR, Ports, poller_service, print_welcome, start_worker
from supervisor import Service, ServiceFailed, stop_all

from delivery.settings import Settings
from democarrier.settings import DEMO_CREDENTIALS


def test_the_poller_asks_the_demo_carriers(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*DEMO_CREDENTIALS, "SWIFT_API_URL", "BOREAL_API_URL"):
        monkeypatch.delenv(name, raising=False)
    poller = poller_service(Ports(gateway=8001, rasa=5006, actions=5055, carriers=8111))
    assert poller.name == "carrier poller"
    assert list(poller.command[1:]) == ["-m", "delivery", "carriers", "poll"]
    assert poller.log_path == LOG_DIR / "carrier-poller.log"
    assert poller.env is not None
    assert poller.env["SWIFT_API_URL"] == "http://127.0.0.1:8111/swift"
    assert poller.env["BOREAL_API_URL"] == "http://127.0.0.1:8111/boreal"
    for name, value in DEMO_CREDENTIALS.items():
        assert poller.env[name] == value


def test_a_worker_that_ends_at_once_fails_the_start(tmp_path: Path) -> None:
    failing = Service(
        name="carrier poller",
        command=[sys.executable, "-c", "raise SystemExit(3)"],
        health_url="",
        log_path=tmp_path / "poller.log",
    )
    with pytest.raises(ServiceFailed, match="exited with code 3 while starting"):
        start_worker(failing, settle_seconds=5)


def test_a_worker_still_running_is_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    running = Service(
        name="carrier poller",
        command=[sys.executable, "-c", "import time; time.sleep(30)"],
        health_url="",
        log_path=tmp_path / "poller.log",
    )
    try:
        start_worker(running, settle_seconds=0.3)
        assert running.exit_code() is None
    finally:
        stop_all([running], grace=2)
    assert "carrier poller started" in capsys.readouterr().out


def test_the_welcome_names_the_poller_and_its_log(capsys: pytest.CaptureFixture[str]) -> None:
    print_welcome(Settings(), Ports(gateway=8000, rasa=5005, actions=5055), "tok")
    out = capsys.readouterr().out
    assert "Carrier poller            every 60 s: asks the carriers" in out
    assert "var/log/carrier-poller.log" in out
