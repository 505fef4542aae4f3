"""The machine-readable twin of every benchmark page: ``docs/benchmarks/<page>.json``.

Each benchmark writes its page (prose and tables for a reader) and, beside it, a summary that
bench/report.py reads to write docs/benchmarks.md: the goals with their verdicts, and the
figures its plots are drawn from. The summary is small (percentiles, not raw samples) and is
committed with the page, so the overview can be rebuilt without rerunning anything.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "docs" / "benchmarks"
#: The percentiles a latency distribution is summarised by (enough to draw its curve).
PERCENTILES = (0, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9, 100)


@dataclass(frozen=True)
class Goal:
    goal: str
    result: str
    #: None when this run did not measure it.
    met: bool | None


def distribution(samples: Sequence[float]) -> dict[str, float]:
    """``samples`` summarised by :data:`PERCENTILES` (nearest rank), plus their count."""
    ordered = sorted(samples)
    if not ordered:
        return {"count": 0}
    summary: dict[str, float] = {"count": len(ordered)}
    for p in PERCENTILES:
        rank = max(math.ceil(p / 100 * len(ordered)), 1)
        summary[f"p{p:g}"] = ordered[min(rank, len(ordered)) - 1]
    return summary


def commit() -> str:
    """The checkout's commit, marked when the working tree had changes."""

    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return result.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return f"{head}+changes" if git("status", "--porcelain", "--untracked-files=no") else head


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "system": platform.platform(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def write_summary(
    page: str,
    *,
    title: str,
    script: str,
    goals: Iterable[Goal],
    figures: dict[str, Any],
    started: dt.datetime | None = None,
) -> Path:
    """Write ``docs/benchmarks/<page>.json`` next to ``<page>.md``; its path."""
    path = PAGES / f"{page}.json"
    document = {
        "page": f"{page}.md",
        "title": title,
        "script": script,
        "run": (started or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit(),
        "machine": machine(),
        "goals": [asdict(goal) for goal in goals],
        "figures": figures,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
