"""The process handling of `make run`, with tiny Python programs standing in for the servers."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path

import pytest
from supervisor import (
    Service,
    ServiceFailed,
    answers,
    first_exited,
    log_tail,
    start,
    stop_all,
    stop_processes,
    wait_until_ready,
)

HEALTH_SERVER = """
import http.server, sys, time
time.sleep(float(sys.argv[2]))
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()
    def log_message(self, *args):
        pass
print("serving", flush=True)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def python_service(tmp_path: Path, code: str, *args: str, timeout: float = 10.0) -> Service:
    """A service running ``code``; ``{port}`` in ``args`` becomes the port of its health URL."""
    script = tmp_path / "child.py"
    script.write_text(code)
    port = free_port()
    return Service(
        name="child",
        command=[sys.executable, str(script), *(arg.format(port=port) for arg in args)],
        health_url=f"http://127.0.0.1:{port}/health",
        log_path=tmp_path / "log" / "child.log",
        startup_timeout=timeout,
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_waits_until_the_service_answers(tmp_path: Path) -> None:
    service = python_service(tmp_path, HEALTH_SERVER, "{port}", "0.5")
    start(service, cwd=tmp_path)
    try:
        ticks: list[None] = []
        seconds = wait_until_ready(service, on_tick=lambda: ticks.append(None), poll_seconds=0.1)
        assert seconds >= 0.5
        assert ticks  # progress was reported while waiting
        assert answers(service.health_url)
        assert "serving" in log_tail(service.log_path)
    finally:
        stop_all([service], grace=2)


def test_a_child_that_exits_while_starting_fails_with_its_code(tmp_path: Path) -> None:
    service = python_service(tmp_path, "import sys\nprint('no database')\nsys.exit(3)\n")
    start(service, cwd=tmp_path)
    with pytest.raises(ServiceFailed, match="exited with code 3"):
        wait_until_ready(service, poll_seconds=0.1)
    assert "no database" in log_tail(service.log_path)
    assert first_exited([service]) is service


def test_a_child_that_never_answers_times_out(tmp_path: Path) -> None:
    service = python_service(tmp_path, "import time\ntime.sleep(60)\n", timeout=0.5)
    start(service, cwd=tmp_path)
    try:
        with pytest.raises(ServiceFailed, match=r"did not answer at .* within 0 s"):
            wait_until_ready(service, poll_seconds=0.1)
        assert first_exited([service]) is None
    finally:
        stop_all([service], grace=2)


def test_stopping_ends_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    code = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    service = python_service(tmp_path, code)
    start(service, cwd=tmp_path)
    deadline = time.monotonic() + 10
    while not (pid_file.exists() and pid_file.read_text()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    stop_all([service], grace=5)
    assert service.exit_code() == -signal.SIGTERM
    deadline = time.monotonic() + 5
    while alive(grandchild):  # reaped by init once it dies
        assert time.monotonic() < deadline, "the grandchild outlived the stop"
        time.sleep(0.05)


def test_a_child_ignoring_sigterm_is_killed_after_the_grace_period(tmp_path: Path) -> None:
    code = (
        "import signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    service = python_service(tmp_path, code)
    start(service, cwd=tmp_path)
    deadline = time.monotonic() + 10
    while "ready" not in log_tail(service.log_path):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    started = time.monotonic()
    assert service.process is not None
    stop_processes([service.process], grace=0.5)
    assert service.exit_code() == -signal.SIGKILL
    assert time.monotonic() - started < 5


def test_stopping_nothing_started_is_harmless(tmp_path: Path) -> None:
    service = python_service(tmp_path, "")
    stop_all([service])
    assert service.exit_code() is None
    assert first_exited([service]) is None


def test_log_tail_splits_progress_bars_and_survives_a_missing_log(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_bytes(b"one\nEpochs: 10%\rEpochs: 20%\n\nlast\n")
    assert log_tail(log, lines=2) == "Epochs: 20%\nlast"
    assert "no log" in log_tail(tmp_path / "missing.log")


def test_answers_is_false_when_nothing_listens_and_refuses_other_schemes() -> None:
    assert not answers(f"http://127.0.0.1:{free_port()}/health", timeout=0.5)
    with pytest.raises(ValueError, match="not an HTTP URL"):
        answers("file:///etc/passwd")
