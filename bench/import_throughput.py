"""Benchmark: a shop's large order import, streamed (not a test; run it by hand).

    .venv/bin/python bench/import_throughput.py [--sizes 10000,100000] [--database-url URL]

For each size, a child process writes a synthetic order file, imports it into a fresh SQLite
file (or the migrated, empty database at URL, smallest size only), then imports it again
(every order unchanged: the update path). Each child reports its times and its peak resident
memory; the parent writes docs/benchmarks/import-throughput.md and its summary.

Goal (issue #2: "100,000 orders without holding them all in memory"): the import streams, so
the peak memory at the largest size stays within 1.5x the peak at the smallest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from support_summary import Goal, commit, machine, write_summary  # noqa: E402

from delivery.db.migrations import migrate  # noqa: E402
from delivery.db.session import make_engine, make_session_factory, unit_of_work  # noqa: E402
from delivery.importer import ImportReport, import_orders  # noqa: E402
from delivery.importer.synthetic import write_synthetic_file  # noqa: E402

REPORT = ROOT / "docs" / "benchmarks" / "import-throughput.md"
GOAL_MEMORY_RATIO = 1.5


def measure(orders: int, database_url: str | None) -> dict[str, Any]:
    """One size, in this process: write the file, import it twice."""
    result: dict[str, Any] = {"orders": orders}
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'measure.db'}"
        if not database_url:
            migrate(url)
        path = Path(folder) / "orders.json"
        with path.open("wb") as file:
            write_synthetic_file(file, orders)
        result["file_mb"] = path.stat().st_size / 1e6
        result["backend"] = url.split(":")[0].split("+")[0]
        engine = make_engine(url)
        factory = make_session_factory(engine)
        for label in ("first", "again"):
            started = time.perf_counter()
            with path.open("rb") as file, unit_of_work(factory, writes=True) as session:
                report: ImportReport = import_orders(file, session)
            result[f"{label}_seconds"] = time.perf_counter() - started
            tally = report.tally("orders")
            result[f"{label}_created"], result[f"{label}_unchanged"] = (
                tally.created,
                tally.unchanged,
            )
        engine.dispose()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def run_child(orders: int, database_url: str | None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", str(orders)]
    if database_url:
        command += ["--database-url", database_url]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    row: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return row


def write_report(rows: list[dict[str, Any]], started: dt.datetime) -> None:
    smallest, largest = rows[0], rows[-1]
    ratio = largest["peak_rss_mb"] / smallest["peak_rss_mb"]
    streamed = ratio <= GOAL_MEMORY_RATIO and all(
        row["first_created"] == row["orders"] == row["again_unchanged"] for row in rows
    )
    goal = Goal(
        f"{largest['orders']:,} orders streamed: peak memory ≤ {GOAL_MEMORY_RATIO:g}× the"
        f" {smallest['orders']:,}-order import's, every order created then unchanged",
        f"{largest['peak_rss_mb']:.0f} MB vs {smallest['peak_rss_mb']:.0f} MB ({ratio:.2f}×)",
        streamed if len(rows) > 1 else None,
    )
    write_summary(
        REPORT.stem,
        title="Order import, streamed",
        script="bench/import_throughput.py",
        goals=[goal],
        figures={"rows": rows},
        started=started,
    )
    table = [
        f"| {row['orders']:,} | {row['backend']} | {row['file_mb']:.0f} |"
        f" {row['first_seconds']:.1f} ({row['orders'] / row['first_seconds']:,.0f}/s) |"
        f" {row['again_seconds']:.1f} ({row['orders'] / row['again_seconds']:,.0f}/s) |"
        f" {row['peak_rss_mb']:.0f} |"
        for row in rows
    ]
    facts = machine()
    REPORT.write_text(
        f"""# Benchmark: order import, streamed

Written by `bench/import_throughput.py`; do not edit by hand.

- Run: {started:%Y-%m-%d %H:%M} UTC, commit {commit()}
- Machine: {facts["cpu"]}, {facts["cores"]} cores (shared), load average at the end:
  {", ".join(f"{x:.2f}" for x in facts["load_average"])}

## Goal

| goal | result | |
|---|---|---|
| {goal.goal} | {goal.result} | **{"met" if goal.met else "missed"}** |

## Results

| orders | database | file (MB) | first import, s | import again (unchanged), s | peak RSS (MB) |
|--:|---|--:|--:|--:|--:|
{chr(10).join(table)}

## Method

Each size runs in a process of its own, so its peak resident memory (``ru_maxrss``) is its
own: writing the synthetic file (delivery/importer/synthetic.py, the documented format of
docs/import-format.md), importing it in one unit of work (validation and upsert by order
number, as `POST /api/v1/orders/import` and `python -m delivery import` do), and importing it
again, when every order is found unchanged. The file is read as a stream (ijson): memory that
grew with the file would show as a ratio well above 1.
""",
        encoding="utf-8",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--database-url", help="a migrated, empty database (default: SQLite)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.database_url)))
        return 0
    started = dt.datetime.now(dt.UTC)
    rows = []
    for size in sorted(int(x) for x in args.sizes.split(",")):
        print(f"==> {size:,} orders", flush=True)
        rows.append(run_child(size, args.database_url if not rows else None))
        row = rows[-1]
        print(
            f"    first {row['first_seconds']:.1f} s, again {row['again_seconds']:.1f} s,"
            f" peak {row['peak_rss_mb']:.0f} MB",
            flush=True,
        )
    write_report(rows, started)
    print(f"==> report: {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
