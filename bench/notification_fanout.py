"""Benchmark: 10,000 proactive notifications fanned out to Telegram, with a forced restart midway.

Issue 6's goal: the fan-out runs at >= 95 % of Telegram's allowed rate (30 messages a second)
against the Bot API stand-in, with zero duplicates and zero losses across a restart.

1. A fresh SQLite database (or ``--database-url``): the demo data set with ``--count``
   customers, each linked to a Telegram chat of their own, one queued notification each.
2. The Bot API stand-in (tests/support/telegram_standin.py) and a Rasa stand-in that answers
   ``trigger_intent`` with one message naming the notification (bench/support_fanout.py), both
   in this process. Rasa's own cost is not measured here (bench/wismo_turn.py does): this is the
   sender's machinery - the queue and its leases, the chat lookup, the conversation queue, the
   transcript, Telegram's limiter - at Telegram's rate.
3. The real gateway (``uvicorn bot.app:create_app``) in a process of its own. When half the
   notifications have reached the stand-in it is stopped (``--restart term``: SIGTERM, the
   graceful stop; ``--restart kill``: SIGKILL, its leases must run out) and started again.
4. Every sendMessage is recorded with its time; each notification's id is in its text.

    .venv/bin/python bench/notification_fanout.py                   # 10,000, both restarts
    .venv/bin/python bench/notification_fanout.py --count 600 --restart term   # a quick look

Writes docs/benchmarks/notification-fanout.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from support_fanout import notifying_rasa, prepare, serve, status_counts  # noqa: E402
from support_processes import cpu_model, free_port, git_commit, usage  # noqa: E402
from support_summary import Goal, write_summary  # noqa: E402

from delivery.clock import utcnow  # noqa: E402
from delivery.db.migrations import migrate  # noqa: E402
from tests.support.telegram_standin import TelegramStandin  # noqa: E402

REPORT = ROOT / "docs" / "benchmarks" / "notification-fanout.md"
WORK = ROOT / "var" / "bench"
TELEGRAM_RATE = 30.0
GOAL_SHARE = 0.95
LEASE_SECONDS = 10
_ID = re.compile(r"Notification (\d+):")


@dataclass
class Run:
    restart: str
    count: int
    concurrency: int
    sends: list[tuple[float, int]]  # (monotonic time, notification id), in arrival order
    stopped_at: float  # when the first gateway was stopped
    restarted_at: float  # when the second one answered
    statuses: dict[str, int]
    cpu_seconds: float  # both gateway processes, user + system
    peak_rss_mb: float

    @property
    def ids(self) -> Counter[int]:
        return Counter(notification for _, notification in self.sends)

    def duplicates(self) -> int:
        return sum(n - 1 for n in self.ids.values() if n > 1)

    def losses(self, expected: set[int]) -> int:
        return len(expected - set(self.ids))

    def windows(self) -> tuple[float, float, float]:
        """Messages a second: before the restart, after it, overall (first to last send)."""
        times = [at for at, _ in self.sends]
        before = [t for t in times if t <= self.stopped_at]
        after = [t for t in times if t >= self.restarted_at]
        return _rate(before), _rate(after), _rate(times)

    def gap(self) -> float:
        """Seconds between the last send before the restart and the first after it."""
        times = [at for at, _ in self.sends]
        before = max((t for t in times if t <= self.stopped_at), default=self.stopped_at)
        after = min((t for t in times if t > self.stopped_at), default=self.stopped_at)
        return after - before


def _rate(times: list[float]) -> float:
    if len(times) < 2:
        return 0.0
    return (len(times) - 1) / (times[-1] - times[0])


class Gateway:
    """The gateway process: started, stopped gracefully or killed, started again."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.cpu_seconds = 0.0
        self.peak_rss_mb = 0.0

    def start(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = [
            sys.executable, "-m", "uvicorn", "--factory", "bot.app:create_app",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        ]  # fmt: skip
        with self.log.open("ab") as log:  # both processes' output, one after the other
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the gateway did not start:\n{self.log.read_text()[-3000:]}")

    def sample(self) -> None:
        if self.process is not None and self.process.poll() is None:
            now = usage(self.process.pid)
            self.peak_rss_mb = max(self.peak_rss_mb, now.rss_mb)
            self._last_cpu = now.cpu_seconds

    def stop(self, how: str) -> None:
        assert self.process is not None
        self.sample()
        self.cpu_seconds += getattr(self, "_last_cpu", 0.0)
        self.process.send_signal(signal.SIGKILL if how == "kill" else signal.SIGTERM)
        self.process.wait(timeout=60)
        self._last_cpu = 0.0


def fresh_database(restart: str, database_url: str | None, count: int) -> tuple[str, set[int]]:
    """The database to fan out from, migrated and seeded; the queued notifications' ids."""
    WORK.mkdir(parents=True, exist_ok=True)
    if database_url is None:
        path = WORK / f"fanout-{restart}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        database_url = f"sqlite:///{path}"
    migrate(database_url)
    started = time.monotonic()
    expected = set(prepare(database_url, count, utcnow()))
    print(f"==> {len(expected)} notifications queued in {time.monotonic() - started:.0f} s")
    return database_url, expected


async def fan_out(*, restart: str, concurrency: int, database_url: str, expected: set[int]) -> Run:
    standin = TelegramStandin()
    async with standin.running(), serve(notifying_rasa(), free_port()) as rasa_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "RASA_URL": rasa_url,
            "ACTION_SERVER_URL": rasa_url,
            "RASA_TOKEN": "bench-token",
            "TELEGRAM_BOT_TOKEN": standin.token,
            "TELEGRAM_API_BASE_URL": standin.base_url,
            "QUIET_HOURS": "",
            "NOTIFIER_CONCURRENCY": str(concurrency),
            "NOTIFICATION_LEASE_SECONDS": str(LEASE_SECONDS),
        }
        gateway = Gateway(env, WORK / f"fanout-{restart}-gateway.log")
        # In threads: this event loop serves the stand-ins the starting gateway talks to.
        await asyncio.to_thread(gateway.start)

        def sent() -> int:
            return sum(1 for call in standin.calls if call.method == "sendMessage")

        async def until(target: int) -> None:
            last, still_since = sent(), time.monotonic()
            while sent() < target:
                await asyncio.sleep(0.5)
                gateway.sample()
                now = sent()
                if now != last:
                    last, still_since = now, time.monotonic()
                elif time.monotonic() - still_since > 3 * LEASE_SECONDS + 30:
                    print(f"    stalled at {now} of {target}")
                    return
                if now and now % 1000 < 15:
                    print(f"    {now} sent", flush=True)

        await until(len(expected) // 2)
        stopped_at = time.monotonic()
        await asyncio.to_thread(gateway.stop, restart)
        print(f"==> gateway stopped ({restart}) at {sent()} sent; starting it again")
        await asyncio.to_thread(gateway.start)
        restarted_at = time.monotonic()
        await until(len(expected))
        await asyncio.sleep(3)  # anything late or doubled shows up
        await asyncio.to_thread(gateway.stop, "term")

    sends = []
    for call in standin.calls:
        if call.method != "sendMessage" or not call.text:
            continue
        found = _ID.match(call.text)
        if found:
            sends.append((call.at, int(found.group(1))))
    return Run(
        restart=restart,
        count=len(expected),
        concurrency=concurrency,
        sends=sends,
        stopped_at=stopped_at,
        restarted_at=restarted_at,
        statuses=status_counts(database_url),
        cpu_seconds=gateway.cpu_seconds,
        peak_rss_mb=gateway.peak_rss_mb,
    )


def verdict(run: Run, expected: set[int]) -> str:
    before, after, _ = run.windows()
    fast = min(before, after) / TELEGRAM_RATE >= GOAL_SHARE
    lost = run.losses(expected)
    if run.restart == "kill":
        bounded = lost == 0 and run.duplicates() <= run.concurrency
        return "at least once: met" if fast and bounded else "missed"
    return "met" if fast and run.duplicates() == 0 and lost == 0 else "missed"


def summarise(runs: list[tuple[Run, set[int]]]) -> None:
    goals, figures = [], []
    for run, expected in runs:
        before, after, overall = run.windows()
        share = min(before, after) / TELEGRAM_RATE
        if run.restart == "kill":
            goal = (
                f"{run.count:,} notifications, a crash (SIGKILL) midway: ≥ {GOAL_SHARE:.0%} of"
                f" 30/s, no loss, duplicates ≤ NOTIFIER_CONCURRENCY ({run.concurrency})"
            )
        else:
            goal = (
                f"{run.count:,} notifications, a restart (SIGTERM) midway: ≥ {GOAL_SHARE:.0%}"
                " of 30/s, zero duplicates, zero losses"
            )
        goals.append(
            Goal(
                goal,
                f"{share:.1%} of 30/s, {run.duplicates()} duplicates,"
                f" {run.losses(expected)} losses",
                verdict(run, expected).endswith("met"),
            )
        )
        start = min((at for at, _ in run.sends), default=0.0)
        per_second = Counter(int(at - start) for at, _ in run.sends)
        figures.append(
            {
                "restart": run.restart,
                "count": run.count,
                "rate_before": before,
                "rate_after": after,
                "rate_overall": overall,
                "stopped_at_s": run.stopped_at - start,
                "restarted_at_s": run.restarted_at - start,
                "sends_per_second": [per_second[s] for s in range(max(per_second) + 1)]
                if per_second
                else [],
            }
        )
    write_summary(
        REPORT.stem,
        title="Notifications fanned out to Telegram, across a restart",
        script="bench/notification_fanout.py",
        goals=goals,
        figures={"runs": figures, "telegram_rate": TELEGRAM_RATE},
    )


def report(runs: list[tuple[Run, set[int]]]) -> str:
    lines = [
        "# Benchmark: notifications fanned out to Telegram, across a restart",
        "",
        "Written by `bench/notification_fanout.py`; do not edit by hand.",
        "",
        f"- Run: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {git_commit()}",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores (shared with other work),"
        f" {platform.platform()}; load average at the end: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "- Database: SQLite (the embedded default); Telegram: the Bot API stand-in on loopback;"
        " Rasa: a stand-in that answers `trigger_intent` at once (Rasa's own cost per turn is"
        " bench/wismo_turn.py's subject).",
        "",
        "## Goals",
        "",
        "| restart | notifications | steady rate before / after the restart (msg/s) |"
        " share of 30/s (worse window) | duplicates | losses | final statuses | |",
        "|---|--:|---|--:|--:|--:|---|---|",
    ]
    for run, expected in runs:
        before, after, overall = run.windows()
        share = min(before, after) / TELEGRAM_RATE
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(run.statuses.items()))
        lines.append(
            f"| {run.restart} | {run.count} | {before:.2f} / {after:.2f} | {share:.1%} |"
            f" {run.duplicates()} | {run.losses(expected)} | {statuses} |"
            f" **{verdict(run, expected)}** |"
        )
    lines += [
        "",
        "The goal's restart is `term`: a restart as a deployment, `systemctl restart` or",
        "Kubernetes forces one (SIGTERM, then a grace period). `kill` is a crash (SIGKILL, no",
        "grace): exactly once is impossible there, because the Bot API has no idempotency key and",
        "a message Telegram accepted just before the crash cannot be told from one it did not.",
        "What the design promises for a crash, and what this row checks, is at least once: no",
        "loss, and duplicates bounded by the messages in flight (NOTIFIER_CONCURRENCY).",
        "",
        "## Details",
        "",
        "| restart | overall rate, restart included (msg/s) | gap at the restart (s) |"
        " gateway CPU (s, both processes) | CPU per message (ms) | peak RSS (MB) |"
        " notifications in flight (NOTIFIER_CONCURRENCY) |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for run, _ in runs:
        _, _, overall = run.windows()
        per_message = 1000 * run.cpu_seconds / max(1, len(run.sends))
        lines.append(
            f"| {run.restart} | {overall:.2f} | {run.gap():.1f} | {run.cpu_seconds:.1f} |"
            f" {per_message:.2f} | {run.peak_rss_mb:.0f} | {run.concurrency} |"
        )
    lines += [
        "",
        "## Method",
        "",
        "- Each customer has a Telegram chat of their own, so Telegram's per-chat limit (one",
        "  message a second) never binds; the bot-wide limit (30 a second) does. The gateway's",
        "  `ChatRateLimiter` spaces the sends; the notifier keeps NOTIFIER_CONCURRENCY",
        "  notifications in flight so each waits there well inside its lease.",
        "- Steady rate: (messages - 1) / (last - first send) within each window: from the first",
        "  send to the stop, and from the second gateway's start to the last send. Start-up and",
        "  the restart's gap are outside both windows and inside the overall rate.",
        "- `term`: SIGTERM. The gateway stops claiming, lets what is in flight finish (delivered,",
        "  recorded, marked sent) and exits; the next one starts where it left off.",
        "- `kill`: SIGKILL. The rows the dead gateway held stay leased until their lease runs",
        f"  out (NOTIFICATION_LEASE_SECONDS={LEASE_SECONDS} here, 60 by default); then the next",
        "  gateway claims them again. A message that reached Telegram but whose `mark_sent` had",
        "  not committed is sent again: the at-least-once point of docs/notifications-design.md,",
        "  at most NOTIFIER_CONCURRENCY messages. Counted, not hidden, in the duplicates column.",
        "- Duplicates: sends of an id beyond its first; losses: ids never sent. The final",
        "  statuses come from the `notifications` table after the run.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--restart", choices=["term", "kill", "both"], default="both")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--no-report", action="store_true", help="print, do not write docs/")
    args = parser.parse_args()
    kinds = ["term", "kill"] if args.restart == "both" else [args.restart]
    runs = []
    for kind in kinds:
        print(f"==> fan-out of {args.count} with a {kind} restart")
        database_url, expected = fresh_database(kind, args.database_url, args.count)
        run = asyncio.run(
            fan_out(
                restart=kind,
                concurrency=args.concurrency,
                database_url=database_url,
                expected=expected,
            )
        )
        runs.append((run, expected))
    text = report(runs)
    print(text)
    if not args.no_report:
        REPORT.write_text(text)
        summarise(runs)
        print(f"==> written to {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
