"""Benchmark: one "where is my order?" turn through Rasa, with the custom actions and the database,
against a turn that runs no custom action, in the same run.

Run by hand (never in CI):

    .venv/bin/python bench/wismo_turn.py [--turns 200] [--concurrency 1,20]

It seeds a demo database (SQLite under var/bench/, 1,000 customers / 3,000 orders), starts the
real action server and Rasa server with the current model (trained first if the training data
changed), and verifies each simulated customer once. Then every conversation alternates two
turns, one after the other, so both kinds see the same conversation length:

* the WISMO turn: a verified customer asks "where is my order 100001?" - Rasa's NLU and
  policies, action_start_journey, the order form (its validation action asks the database
  whether the order is this customer's), action_show_order_status (the timeline from the
  database), and the replies;
* the no-action turn: "thanks" - Rasa's NLU and policies and a response, no action server.

Turn latency is measured at the client, from sending the message to Rasa's REST channel until the
replies arrive. The report goes to docs/benchmarks/wismo-turn.md; raw samples to var/bench/.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from local_assistant import local_assistant  # noqa: E402
from support_summary import Goal, distribution, write_summary  # noqa: E402
from train_model import ensure_model  # noqa: E402

from delivery.clock import utcnow  # noqa: E402
from delivery.db.migrations import migrate  # noqa: E402
from delivery.db.session import make_engine, make_session_factory, unit_of_work  # noqa: E402
from delivery.demo.generator import seed_demo  # noqa: E402

OUT_DIR = ROOT / "var" / "bench"
REPORT = ROOT / "docs" / "benchmarks" / "wismo-turn.md"
GOAL_RATIO = 1.3
TABLE_HEADER = (
    "| concurrent conversations | WISMO p50 (ms) | WISMO p95 (ms) | no-action p50 (ms) "
    "| no-action p95 (ms) | p95 ratio | turns measured | errors | goal |\n"
    "|---|---|---|---|---|---|---|---|---|"
)

#: (order number, e-mail) of showcase orders that every run has (see delivery/demo/showcase.py).
CUSTOMERS = [
    ("100001", "ada@example.com"),
    ("100002", "marco.rossi@example.com"),
    ("100003", "anna.nowak@example.com"),
    ("100006", "giulia.bianchi@example.com"),
    ("100007", "piotr.kowalski@example.com"),
]
WISMO = "wismo"
NO_ACTION = "no_action"


@dataclass
class Samples:
    concurrency: int
    wismo_ms: list[float]
    no_action_ms: list[float]
    errors: int


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def build_database() -> str:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / "wismo_turn.db"
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    migrate(url)
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        seed_demo(session, now=utcnow())
    engine.dispose()
    return url


async def say(client: httpx.AsyncClient, rasa_url: str, sender: str, text: str) -> list[dict]:  # type: ignore[type-arg]
    response = await client.post(
        f"{rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text, "metadata": {"language": "en"}},
    )
    response.raise_for_status()
    replies: list[dict] = response.json()  # type: ignore[type-arg]
    return replies


async def conversation(
    client: httpx.AsyncClient, rasa_url: str, sender: str, customer: int, turns: int
) -> tuple[list[float], list[float], int]:
    number, email = CUSTOMERS[customer % len(CUSTOMERS)]
    replies = await say(client, rasa_url, sender, f"where is my order {number} {email}")
    if not any(f"order {number}" in str(r.get("text", "")) for r in replies):
        raise RuntimeError(f"verification failed for {sender}: {replies}")
    wismo: list[float] = []
    no_action: list[float] = []
    errors = 0
    for _ in range(turns):
        for kind, text in ((WISMO, f"where is my order {number}?"), (NO_ACTION, "thanks")):
            started = time.perf_counter()
            try:
                replies = await say(client, rasa_url, sender, text)
            except httpx.HTTPError:
                errors += 1
                continue
            elapsed = (time.perf_counter() - started) * 1000
            expected = f"order {number}" if kind == WISMO else "welcome"
            if not any(expected in str(r.get("text", "")) for r in replies):
                errors += 1
                continue
            (wismo if kind == WISMO else no_action).append(elapsed)
    return wismo, no_action, errors


async def run_level(rasa_url: str, concurrency: int, turns_total: int, tag: str) -> Samples:
    turns = max(1, turns_total // concurrency)
    limits = httpx.Limits(max_connections=concurrency + 5)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        results = await asyncio.gather(
            *(
                conversation(client, rasa_url, f"bench-{tag}-{concurrency}-{i}", i, turns)
                for i in range(concurrency)
            )
        )
    return Samples(
        concurrency=concurrency,
        wismo_ms=[ms for w, _, _ in results for ms in w],
        no_action_ms=[ms for _, n, _ in results for ms in n],
        errors=sum(e for _, _, e in results),
    )


def git_commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return result.stdout.strip() or "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write_report(
    levels: list[Samples], model: Path, turns: int, load: tuple[float, float, float]
) -> None:
    rows = []
    verdicts = []
    for level in levels:
        w95, n95 = percentile(level.wismo_ms, 95), percentile(level.no_action_ms, 95)
        ratio = w95 / n95
        met = ratio <= GOAL_RATIO and level.errors == 0
        verdicts.append(met)
        rows.append(
            f"| {level.concurrency} | {percentile(level.wismo_ms, 50):.1f} | {w95:.1f} "
            f"| {percentile(level.no_action_ms, 50):.1f} | {n95:.1f} | {ratio:.2f} "
            f"| {len(level.wismo_ms)} + {len(level.no_action_ms)} | {level.errors} "
            f"| {'met' if met else 'missed'} |"
        )
    write_summary(
        REPORT.stem,
        title='A "where is my order?" turn through Rasa',
        script="bench/wismo_turn.py",
        goals=[
            Goal(
                f"WISMO turn p95 ≤ {GOAL_RATIO}× the no-action turn's, {level.concurrency}"
                " concurrent, no errors",
                f"{percentile(level.wismo_ms, 95) / percentile(level.no_action_ms, 95):.2f}×,"
                f" {level.errors} errors",
                met,
            )
            for level, met in zip(levels, verdicts, strict=True)
        ],
        figures={
            "levels": [
                {
                    "concurrency": level.concurrency,
                    "wismo_ms": distribution(level.wismo_ms),
                    "no_action_ms": distribution(level.no_action_ms),
                    "errors": level.errors,
                }
                for level in levels
            ]
        },
    )
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(
        f"""# Benchmark: a "where is my order?" turn through Rasa

Written by `bench/wismo_turn.py` on {now}, commit `{git_commit()}`, model `{model.name}`.
Machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}
(actions), Rasa 3.6.21 on Python 3.10, SQLite demo database (1,000 customers, 3,000 orders).
Load average when the measurement ended: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} (1, 5, 15 min;
anything above ~0.5 means other work shared the 2 cores and the figures are pessimistic).

**Goal:** the WISMO turn's p95 at most {GOAL_RATIO}x the no-action turn's p95, at 1 and 20
concurrent conversations, with no errors.

{TABLE_HEADER}
{chr(10).join(rows)}

**Overall:** {"goal met" if all(verdicts) else "goal missed"}.

## What is measured

Each simulated customer verifies once (order number and e-mail in one message), then alternates
two turns about {turns} times in total per level, split over the conversations:

* **WISMO turn** - "where is my order 100001?" from a verified customer. Rasa parses it, the
  rules run `action_start_journey`, `order_form` (whose validation action asks the database
  whether the order is this customer's; it is, so the form asks nothing) and
  `action_show_order_status` (two indexed queries build the timeline), and the replies (header,
  status, timeline) come back.
* **no-action turn** - "thanks": Rasa parses it and a rule answers with a response; no action
  server call, no database.

Latency is taken at the client around one POST to Rasa's REST channel
(`/webhooks/rest/webhook`), so it includes NLU, every policy prediction, the action server's
HTTP calls and the database. Both turns alternate in the same conversations, so they see the
same tracker length and the same load.
"""
    )


async def main_async(args: argparse.Namespace) -> int:
    levels = [int(x) for x in args.concurrency.split(",")]
    print("==> seeding the benchmark database", flush=True)
    database_url = build_database()
    model = Path(args.model) if args.model else ensure_model()
    print("==> starting the action server and Rasa", flush=True)
    with local_assistant(
        model=model, database_url=database_url, log_dir=OUT_DIR / "wismo-turn-logs"
    ) as servers:
        print("==> warming up", flush=True)
        await run_level(servers.rasa_url, 2, 10, "warmup")
        results = []
        for level in levels:
            print(f"==> {level} concurrent conversation(s), {args.turns} turns of each kind")
            samples = await run_level(servers.rasa_url, level, args.turns, "run")
            print(
                f"    WISMO p50 {percentile(samples.wismo_ms, 50):.1f} ms"
                f" p95 {percentile(samples.wismo_ms, 95):.1f} ms |"
                f" no-action p50 {percentile(samples.no_action_ms, 50):.1f} ms"
                f" p95 {percentile(samples.no_action_ms, 95):.1f} ms | errors {samples.errors}"
            )
            results.append(samples)
    raw = OUT_DIR / "wismo_turn.json"
    raw.write_text(json.dumps([s.__dict__ for s in results]))
    write_report(results, model, args.turns, os.getloadavg())
    print(f"==> report: {REPORT.relative_to(ROOT)} (raw samples: {raw.relative_to(ROOT)})")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=200, help="turns of each kind per level")
    parser.add_argument("--concurrency", default="1,20", help="comma-separated levels")
    parser.add_argument("--model", help="a trained model (default: the current data's)")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
