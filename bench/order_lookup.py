"""Benchmark: "where is my order?" - order lookup + timeline - at 1k and 1M orders.

Run by hand (never in CI):

    .venv/bin/python bench/order_lookup.py [--sizes 1000,1000000] [--backends sqlite,postgresql]

For each backend and size it builds a demo database once (SQLite files under var/bench/,
PostgreSQL databases delivery_bench_<size>; an existing one with the right number of orders is
reused), then times what one action call does for a random existing order: open a unit of work,
``track_order_number`` (the Core read path), commit. Results, machine and query plans go to
docs/benchmarks/order-lookup.md (rewritten on every run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy  # noqa: E402
from sqlalchemy import Engine, create_engine, event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from support_summary import Goal, distribution, write_summary  # noqa: E402

from delivery.db.migrations import migrate  # noqa: E402
from delivery.db.models import Order  # noqa: E402
from delivery.db.session import make_engine, make_session_factory, unit_of_work  # noqa: E402
from delivery.demo.generator import seed_demo  # noqa: E402
from delivery.services.tracking_reads import track_order_number  # noqa: E402

#: The instant the benchmark databases are seeded at and the timelines are built for, fixed so
#: that a reused database and a rebuilt one hold the same data.
BENCH_NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SQLITE_DIR = ROOT / "var" / "bench"
BUILD_LOG = SQLITE_DIR / "builds.json"
REPORT = ROOT / "docs" / "benchmarks" / "order-lookup.md"
SAMPLE_SEED = 20260302
WARM_UP = 200
BLOCK = 100  # lookups a database gets in a row before the next one takes its turn
GOAL_P95_MS = 5.0
GOAL_RATIO = 1.5


@dataclass(frozen=True)
class Build:
    seconds: float | None  # None when unknown (built before build times were kept)
    reused: bool

    def describe(self) -> str:
        took = "?" if self.seconds is None else f"{self.seconds:.0f} s"
        return f"{took} (earlier run)" if self.reused else took


@dataclass
class Result:
    backend: str
    size: int
    timings_ms: list[float]
    cpu_ms: list[float]
    queries_per_lookup: float
    build: Build
    database_bytes: int
    plans: list[tuple[str, str]] = field(default_factory=list)  # (statement, plan)

    def percentile(self, p: float, values: list[float] | None = None) -> float:
        ordered = sorted(self.timings_ms if values is None else values)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- databases ----------------------------------------------------------------------------------


def database_url(backend: str, size: int) -> str:
    if backend == "sqlite":
        return f"sqlite:///{SQLITE_DIR / f'orders_{size}.db'}"
    return (
        make_url(POSTGRES_ADMIN_URL)
        .set(database=f"delivery_bench_{size}")
        .render_as_string(hide_password=False)
    )


def order_count(url: str) -> int | None:
    """Orders in the database at ``url``; None when it or its schema does not exist."""
    if url.startswith("sqlite") and not Path(make_url(url).database or "").exists():
        return None
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(Order)).scalar_one())
    except sqlalchemy.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def recreate(backend: str, url: str) -> None:
    if backend == "sqlite":
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = make_url(url).database
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def ensure_database(backend: str, size: int) -> Build:
    """Build the (backend, size) database unless it exists; how long building it took."""
    url = database_url(backend, size)
    if order_count(url) == size:
        print(f"[{backend} {size:,}] reusing the existing database", flush=True)
        return Build(_build_log().get(f"{backend}:{size}"), reused=True)
    print(f"[{backend} {size:,}] building ...", flush=True)
    started = time.perf_counter()
    recreate(backend, url)
    migrate(url)
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        seed_demo(
            session,
            now=BENCH_NOW,
            customers=max(50, size // 3),
            orders=size,
            progress=lambda line: print(f"[{backend} {size:,}] {line}", flush=True),
        )
    # Planner statistics, as a maintained database has them (autovacuum, PRAGMA optimize).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if backend == "postgresql" else "ANALYZE")
    engine.dispose()
    seconds = time.perf_counter() - started
    print(f"[{backend} {size:,}] built in {seconds:.0f} s", flush=True)
    log = _build_log() | {f"{backend}:{size}": seconds}
    BUILD_LOG.parent.mkdir(parents=True, exist_ok=True)
    BUILD_LOG.write_text(json.dumps(log, indent=2) + "\n")
    return Build(seconds, reused=False)


def _build_log() -> dict[str, float]:
    """Build times of the databases on this machine (kept beside the SQLite files)."""
    if not BUILD_LOG.exists():
        return {}
    return {str(k): float(v) for k, v in json.loads(BUILD_LOG.read_text()).items()}


def database_bytes(backend: str, size: int) -> int:
    url = database_url(backend, size)
    if backend == "sqlite":
        return Path(make_url(url).database or "").stat().st_size
    engine = make_engine(url)
    with engine.connect() as conn:
        value = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    engine.dispose()
    return int(value)


# --- measuring ----------------------------------------------------------------------------------


@contextmanager
def statement_log(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every statement the engine sends while the block runs, with its parameters."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


class Probe:
    """Lookups against one (backend, size) database, through a pooled engine."""

    def __init__(self, backend: str, size: int, lookups: int) -> None:
        self.backend, self.size = backend, size
        self.engine = make_engine(database_url(backend, size))
        self.factory = make_session_factory(self.engine)
        with self.engine.connect() as conn:
            numbers = list(conn.execute(select(Order.number).order_by(Order.id)).scalars())
        rng = random.Random(SAMPLE_SEED)
        sample = rng.sample(numbers, min(len(numbers), lookups + WARM_UP))
        self.warm_up, self.timed = sample[:WARM_UP], sample[WARM_UP:]
        self.timings_ms: list[float] = []
        self.cpu_ms: list[float] = []  # this process's CPU time: Python, driver (and SQLite)

    def lookup(self, number: str) -> None:
        with unit_of_work(self.factory) as session:  # a fresh session, as one action call has
            tracked = track_order_number(session, number, now=BENCH_NOW)
            assert tracked is not None, number

    def warm(self) -> None:
        for number in self.warm_up:
            self.lookup(number)

    def time_lookup(self, number: str) -> None:
        started, cpu = time.perf_counter_ns(), time.process_time_ns()
        self.lookup(number)
        self.timings_ms.append((time.perf_counter_ns() - started) / 1e6)
        self.cpu_ms.append((time.process_time_ns() - cpu) / 1e6)

    def queries_per_lookup(self) -> float:
        """Counted apart from the timed runs, so the counting costs them nothing."""
        numbers = self.timed[:50]
        with statement_log(self.engine) as sent:
            for number in numbers:
                self.lookup(number)
        return sum(1 for statement, _ in sent if _is_query(statement)) / len(numbers)

    def plans(self) -> list[tuple[str, str]]:
        with statement_log(self.engine) as sent:
            self.lookup(self.timed[0])
        return explain(self.engine, self.backend, [(s, p) for s, p in sent if _is_query(s)])


def measure_interleaved(probes: list[Probe]) -> None:
    """The probes take turns, a block of lookups each, so that whatever else the machine does
    falls on every database alike; a block is long enough to keep one database's caches warm
    (switching database at every lookup would measure cache thrashing instead)."""
    for probe in probes:
        probe.warm()
    longest = max(len(probe.timed) for probe in probes)
    for start in range(0, longest, BLOCK):
        for probe in probes:
            for number in probe.timed[start : start + BLOCK]:
                probe.time_lookup(number)


def _is_query(statement: str) -> bool:
    """A SELECT that reads tables (not BEGIN, COMMIT or a pool's liveness ping)."""
    words = statement.upper().split()
    return bool(words) and words[0] == "SELECT" and "FROM" in words


def explain(
    engine: Engine, backend: str, statements: list[tuple[str, Any]]
) -> list[tuple[str, str]]:
    prefix = "EXPLAIN QUERY PLAN " if backend == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    plans = []
    with engine.connect() as conn:
        for statement, parameters in statements:
            rows = conn.exec_driver_sql(prefix + statement, parameters).all()
            plan = "\n".join(str(row[-1]) for row in rows)
            plans.append((" ".join(statement.split()), plan))
    return plans


# --- the report ---------------------------------------------------------------------------------


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def machine(backends: list[str], load_before: str) -> list[tuple[str, str]]:
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    facts = [
        ("CPU cores", str(os.cpu_count())),
        ("Load average before measuring (1, 5, 15 min)", load_before),
        ("Load average after measuring", load_average()),
        ("CPU", _cpu_model()),
        ("RAM", memory),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("SQLAlchemy", sqlalchemy.__version__),
        ("SQLite", sqlite3.sqlite_version),
    ]
    if "postgresql" in backends:
        admin = create_engine(POSTGRES_ADMIN_URL)
        with admin.connect() as conn:
            facts.append(
                ("PostgreSQL", str(conn.execute(text("SHOW server_version")).scalar_one()))
            )
        admin.dispose()
        import psycopg

        facts.append(("psycopg", psycopg.__version__))
    return facts


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return f"{commit} (with uncommitted changes)" if git("status", "--porcelain") else commit


def write_report(
    results: list[Result], backends: list[str], lookups: int, load_before: str
) -> None:
    lines = [
        "# Benchmark: order lookup + timeline",
        "",
        "Generated by `bench/order_lookup.py` (see `bench/README.md`); do not edit by hand.",
        "",
        f"- Run: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {git_commit()}",
        f"- Each measurement: {lookups:,} random existing order numbers (seed {SAMPLE_SEED}), "
        f"after {WARM_UP} warm-up lookups, one at a time, each in a fresh unit of work "
        "(session, `delivery.services.tracking_reads.track_order_number`: Core queries into "
        "plain records, no ORM objects; commit) on a pooled engine from "
        "`delivery.db.session.make_engine`, as one action call does. One backend at a time; its "
        f"databases take turns ({BLOCK} lookups each), so that other work on the machine "
        "affects the sizes alike.",
        f"- Goals: p95 < {GOAL_P95_MS:g} ms at 1M orders, and p95 at 1M no more than "
        f"{GOAL_RATIO:g}x p95 at 1k.",
        "",
        "## Results",
        "",
        "| backend | orders | p50 ms | p95 ms | p99 ms | max ms | client CPU p50 ms "
        "| queries/lookup | database | build |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.backend} | {r.size:,} | {r.percentile(50):.2f} | {r.percentile(95):.2f} | "
            f"{r.percentile(99):.2f} | {max(r.timings_ms):.2f} | "
            f"{r.percentile(50, r.cpu_ms):.2f} | {r.queries_per_lookup:.1f} | "
            f"{r.database_bytes / 2**20:,.0f} MiB | {r.build.describe()} |"
        )
    lines += [
        "",
        "Client CPU is this process's CPU time per lookup (SQLAlchemy, the driver, building the "
        "timeline; on SQLite also the database engine, which runs in-process); the rest of "
        "the wall time is waiting for the server and for the CPU.",
        "",
        "## Goals",
        "",
    ]
    for backend in backends:
        mine = sorted((r for r in results if r.backend == backend), key=lambda r: r.size)
        if not mine:
            continue
        largest = mine[-1]
        p95 = largest.percentile(95)
        verdict = "met" if p95 < GOAL_P95_MS else "MISSED"
        lines.append(f"- {backend}: p95 at {largest.size:,} orders = {p95:.2f} ms ({verdict})")
        if len(mine) > 1:
            ratio = p95 / mine[0].percentile(95)
            verdict = "met" if ratio <= GOAL_RATIO else "MISSED"
            lines.append(
                f"- {backend}: p95 at {largest.size:,} / p95 at {mine[0].size:,} = {ratio:.2f} "
                f"({verdict})"
            )
    write_summary(
        REPORT.stem,
        title="Order lookup + timeline",
        script="bench/order_lookup.py",
        goals=summary_goals(results, backends),
        figures={
            "rows": [
                {"backend": r.backend, "orders": r.size, "ms": distribution(r.timings_ms)}
                for r in results
            ]
        },
    )
    lines += ["", "## Machine", ""]
    lines += [f"- {name}: {value}" for name, value in machine(backends, load_before)]
    lines += [
        "",
        "## Query plans at the largest size",
        "",
        "The queries one lookup sends (BEGIN/COMMIT and pool pings aside), with the plan the "
        "database chose for each (on PostgreSQL executed, with its timing and buffers).",
    ]
    for r in results:
        if not r.plans:
            continue
        lines += ["", f"### {r.backend}, {r.size:,} orders", ""]
        for statement, plan in r.plans:
            lines += ["```sql", statement, "```", "```", plan, "```", ""]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines).rstrip() + "\n")


def summary_goals(results: list[Result], backends: list[str]) -> list[Goal]:
    goals = []
    for backend in backends:
        mine = sorted((r for r in results if r.backend == backend), key=lambda r: r.size)
        if not mine:
            continue
        largest, smallest = mine[-1], mine[0]
        p95 = largest.percentile(95)
        goals.append(
            Goal(
                f"{backend}: p95 < {GOAL_P95_MS:g} ms at {largest.size:,} orders",
                f"{p95:.2f} ms",
                p95 < GOAL_P95_MS,
            )
        )
        if len(mine) > 1:
            ratio = p95 / smallest.percentile(95)
            goals.append(
                Goal(
                    f"{backend}: p95 at {largest.size:,} ≤ {GOAL_RATIO:g}× p95 at"
                    f" {smallest.size:,}",
                    f"{ratio:.2f}×",
                    ratio <= GOAL_RATIO,
                )
            )
    return goals


def report_line(result: Result) -> None:
    print(
        f"[{result.backend} {result.size:,}] p50 {result.percentile(50):.2f} ms, "
        f"p95 {result.percentile(95):.2f} ms, p99 {result.percentile(99):.2f} ms, "
        f"max {max(result.timings_ms):.2f} ms, {result.queries_per_lookup:.1f} queries/lookup",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="1000,1000000", help="orders per database, comma-separated"
    )
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite and/or postgresql")
    parser.add_argument("--lookups", type=int, default=2000, help="timed lookups per database")
    parser.add_argument(
        "--rebuild", action="store_true", help="rebuild the databases even if present"
    )
    args = parser.parse_args(argv)
    sizes = sorted(int(size) for size in args.sizes.split(","))
    backends = [backend.strip() for backend in args.backends.split(",")]
    built: dict[tuple[str, int], Build] = {}
    for backend in backends:
        for size in sizes:
            if args.rebuild:
                recreate(backend, database_url(backend, size))
            built[backend, size] = ensure_database(backend, size)
    load_before = load_average()
    results: list[Result] = []
    # One backend at a time (an action server talks to one database), its sizes taking turns.
    for backend in backends:
        probes = [Probe(backend, size, args.lookups) for size in sizes]
        measure_interleaved(probes)
        for probe in probes:
            results.append(
                Result(
                    backend,
                    probe.size,
                    probe.timings_ms,
                    probe.cpu_ms,
                    probe.queries_per_lookup(),
                    built[backend, probe.size],
                    database_bytes(backend, probe.size),
                    probe.plans() if probe.size == max(sizes) else [],
                )
            )
            probe.engine.dispose()
            report_line(results[-1])
    write_report(results, backends, args.lookups, load_before)
    print(f"report written to {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
