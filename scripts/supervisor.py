"""Start, watch and stop the child processes of ``make run``.

Each child runs in its own process group (its own session), so that stopping it also stops
whatever it spawned, and so that a Ctrl-C in the terminal reaches only the orchestrator, which
then stops the children in order: SIGTERM to every group, SIGKILL to those still alive after a
grace period.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

GRACE_SECONDS = 10.0
POLL_SECONDS = 0.5


class ServiceFailed(Exception):
    """A child did not come up, or died; carries what to show the user."""

    def __init__(self, service: Service, problem: str) -> None:
        super().__init__(f"{service.name} {problem}")
        self.service = service
        self.problem = problem


@dataclass
class Service:
    """One long-running child: how to start it and how to tell that it answers."""

    name: str
    command: Sequence[str]
    health_url: str
    log_path: Path
    startup_timeout: float = 60.0
    env: Mapping[str, str] | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    started_at: float = field(default=0.0, init=False, repr=False)

    def exit_code(self) -> int | None:
        """The exit code if the child has ended, else None (also None before it starts)."""
        return None if self.process is None else self.process.poll()


def spawn(
    command: Sequence[str],
    log: IO[bytes],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``command`` in a new session with no stdin, its output going to ``log``."""
    return subprocess.Popen(
        list(command),
        cwd=cwd,
        env=None if env is None else dict(env),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def start(service: Service, *, cwd: Path) -> None:
    """Start the service, its output replacing the previous run's log."""
    service.log_path.parent.mkdir(parents=True, exist_ok=True)
    with service.log_path.open("wb") as log:
        # The child keeps its own copy of the file descriptor.
        service.process = spawn(service.command, log, cwd=cwd, env=service.env)
    service.started_at = time.monotonic()


def answers(url: str, timeout: float = 2.0) -> bool:
    """True when an HTTP GET of ``url`` returns a 2xx status."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an HTTP URL: {url}")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (checked above)
            return 200 <= int(response.status) < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_until_ready(
    service: Service,
    *,
    on_tick: Callable[[], None] = lambda: None,
    poll_seconds: float = POLL_SECONDS,
) -> float:
    """Block until the started service answers its health URL; returns seconds since its start.

    Raises ServiceFailed when the child exits first or the startup timeout passes.
    """
    started = service.started_at
    while True:
        code = service.exit_code()
        if code is not None:
            raise ServiceFailed(service, f"exited with code {code} while starting")
        if answers(service.health_url):
            return time.monotonic() - started
        if time.monotonic() - started > service.startup_timeout:
            raise ServiceFailed(
                service,
                f"did not answer at {service.health_url} within {service.startup_timeout:.0f} s",
            )
        on_tick()
        time.sleep(poll_seconds)


def first_exited(services: Sequence[Service]) -> Service | None:
    """The first started service whose process has ended, if any."""
    return next((s for s in services if s.exit_code() is not None), None)


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    # The group outlives its leader when the leader spawned children and died first.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def stop_processes(
    processes: Sequence[subprocess.Popen[bytes]], *, grace: float = GRACE_SECONDS
) -> None:
    """SIGTERM every process group, then SIGKILL the groups still running after ``grace``."""
    for process in processes:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
    for process in processes:
        # Also reaches grandchildren that ignored SIGTERM after their leader exited.
        _signal_group(process, signal.SIGKILL)
        process.wait()


def stop_all(services: Sequence[Service], *, grace: float = GRACE_SECONDS) -> None:
    """Stop every started service (see :func:`stop_processes`)."""
    stop_processes([s.process for s in services if s.process is not None], grace=grace)


def log_tail(path: Path, lines: int = 25) -> str:
    """The last ``lines`` lines of a log; progress bars' carriage returns count as line ends."""
    try:
        text = path.read_bytes()[-64_000:].decode("utf-8", errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    rows = [row for row in text.replace("\r", "\n").splitlines() if row.strip()]
    return "\n".join(rows[-lines:])
