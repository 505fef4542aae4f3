"""``make bench``: run every benchmark, one after the other, then write docs/benchmarks.md.

    .venv/bin/python bench/run_all.py [--only a,b] [--quick] [--report-only]

Each benchmark rewrites its own page and summary under docs/benchmarks/ (a failed one keeps
its last page and is reported at the end); bench/report.py then draws the overview. Its output
goes to var/bench/logs/<name>.log, with a line of progress here. ``--quick`` runs smaller
versions (minutes instead of hours) for trying the pipeline out: they overwrite the pages too,
so do not commit what they write.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "var" / "bench" / "logs"


@dataclass(frozen=True)
class Benchmark:
    name: str
    script: str
    #: What the full run takes on the 2-core development machine (shown before it starts).
    takes: str
    quick: tuple[str, ...] = ()
    interpreter: str = ".venv/bin/python"


BENCHMARKS = (
    Benchmark(
        "order-lookup",
        "bench/order_lookup.py",
        "~5 min; ~15 min more the first time (builds the 1M-order databases)",
        quick=("--sizes", "1000,100000"),
    ),
    Benchmark(
        "import-throughput", "bench/import_throughput.py", "~5 min", quick=("--sizes", "1000,10000")
    ),
    Benchmark("nlu", "bench/nlu_eval.py", "~45 min (trains 6 models)", quick=("--folds", "0")),
    Benchmark("wismo-turn", "bench/wismo_turn.py", "~5 min", quick=("--turns", "40")),
    Benchmark(
        "gateway-overhead",
        "bench/gateway_overhead.py",
        "~10 min (200 widgets held 5 minutes)",
        quick=("--pairs", "60", "--hold-seconds", "30"),
    ),
    Benchmark(
        "notification-fanout",
        "bench/notification_fanout.py",
        "~13 min (2 × 10,000 notifications at 30/s)",
        quick=("--count", "600"),
    ),
    Benchmark("load", "bench/load.py", "~20 min", quick=("--levels", "1,10")),
)


def run(benchmark: Benchmark, quick: bool) -> bool:
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{benchmark.name}.log"
    command = [str(ROOT / benchmark.interpreter), benchmark.script]
    if quick:
        command += benchmark.quick
    print(f"==> {benchmark.name}: {' '.join(command[1:])}", flush=True)
    print(f"    takes {'a few minutes (quick)' if quick else benchmark.takes}; log: {log}")
    started = time.monotonic()
    with log.open("wb") as out:
        done = subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    minutes = (time.monotonic() - started) / 60
    if done.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        print(f"    FAILED after {minutes:.1f} min (exit {done.returncode}):")
        print("\n".join(f"    | {line}" for line in tail))
        return False
    print(f"    done in {minutes:.1f} min")
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    names = [b.name for b in BENCHMARKS]
    parser.add_argument("--only", help=f"comma-separated, of: {', '.join(names)}")
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a try-out")
    parser.add_argument("--report-only", action="store_true", help="only redraw the overview")
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else names
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    failed = []
    if not args.report_only:
        for benchmark in BENCHMARKS:
            if benchmark.name in chosen and not run(benchmark, args.quick):
                failed.append(benchmark.name)
    subprocess.run([sys.executable, str(ROOT / "bench" / "report.py")], cwd=ROOT, check=True)
    if failed:
        print(f"==> failed: {', '.join(failed)} (their pages keep their last results)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
