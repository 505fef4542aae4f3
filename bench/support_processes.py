"""Processes for bench/gateway_overhead.py: uvicorn servers, what a process uses, the machine.

The gateway is started as tests/browser/conftest.py's ``gateway`` fixture starts it
(``python -m uvicorn --factory bot.app:create_app``), in a process of its own, so that its
memory and CPU time can be read from /proc while the benchmark's clients run elsewhere.
"""

from __future__ import annotations

import asyncio
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    log_path: Path


@contextmanager
def uvicorn_server(
    app: Sequence[str], *, env: dict[str, str], log_path: Path, startup_seconds: float = 60
) -> Iterator[Server]:
    """``python -m uvicorn <app...>`` on a free loopback port, until the block ends."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", *app,
        "--host", LOOPBACK, "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    url = f"http://{LOOPBACK}:{port}"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        _wait_until_up(url, process, log_path, startup_seconds)
        yield Server(url=url, pid=process.pid, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(
    url: str, process: subprocess.Popen[bytes], log_path: Path, seconds: float
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url + "/", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not start:\n{log_path.read_text()[-3000:]}")


@dataclass(frozen=True)
class Usage:
    """A process's resident memory and CPU time (user + system, all threads) at one moment."""

    at: float  # time.monotonic()
    rss_mb: float
    cpu_seconds: float


def usage(pid: int) -> Usage:
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    # Fields after the command name (which may hold spaces): utime and stime are 14th and 15th.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / _TICKS
    return Usage(at=time.monotonic(), rss_mb=rss_kb / 1024, cpu_seconds=cpu)


@dataclass
class Sampler:
    """Reads a process's :func:`usage` every ``every`` seconds while its block runs."""

    pid: int
    every: float = 1.0
    samples: list[Usage] = field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        while True:
            self.samples.append(usage(self.pid))
            try:
                await asyncio.wait_for(stop.wait(), self.every)
            except TimeoutError:
                continue
            self.samples.append(usage(self.pid))
            return


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile, as bench/wismo_turn.py computes it."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def git_commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    commit = result.stdout.strip() or "unknown"
    return commit + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
