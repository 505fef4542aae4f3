"""Benchmark: what the gateway's socket.io path adds to a turn, and 200 widgets held open.

Run by hand (never in CI):

    .venv/bin/python bench/gateway_overhead.py [--hold-seconds 300] [--pairs 300]

For each Rasa - a stand-in that answers at once (bench/support_standin.py, so the gateway's
own cost is what is left) and the real Rasa with the current model and the action server - it
starts the gateway (uvicorn, as tests/browser/conftest.py does) in front of it and times the
same turn, "hello" (Rasa answers utter_greet by a rule, no custom action), two ways, one
at a time and interleaved: straight to Rasa's REST channel, and through the gateway as a
widget (socket.io ``user_uttered`` until the ``bot_uttered`` greeting arrives). Then, on the
real Rasa by default, it connects 200 widgets (each its own conversation), keeps them chatting
for --hold-seconds and reads the gateway's memory and CPU time from /proc every second.

The gateway's per-connection rate limit is raised (RATE_LIMIT_MESSAGES, RATE_LIMIT_SECONDS):
one measuring socket sends hundreds of messages a minute. The report goes to
docs/benchmarks/gateway-overhead.md; raw samples to var/bench/gateway_overhead.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from local_assistant import local_assistant  # noqa: E402
from support_processes import Sampler, Server, git_commit, usage, uvicorn_server  # noqa: E402
from support_report import (  # noqa: E402
    ISSUE_HOLD_SECONDS,
    NAMES,
    RATE_LIMIT,
    REPORT,
    Held,
    Latency,
    write_report,
)
from support_widgets import connect_widgets, hold, measure_pairs  # noqa: E402
from train_model import ensure_model  # noqa: E402

from delivery.db.migrations import migrate  # noqa: E402

OUT_DIR = ROOT / "var" / "bench"
LOGS = OUT_DIR / "gateway-overhead-logs"


def gateway_env(rasa_url: str, token: str | None, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "RASA_"))}
    env |= {"DATABASE_URL": database_url, "RASA_URL": rasa_url, **RATE_LIMIT}
    env |= {"WIDGET_ALLOWED_ORIGINS": "*"} | ({"RASA_TOKEN": token} if token else {})
    return env


@contextmanager
def rasa(kind: str, database_url: str, model: Path) -> Iterator[tuple[str, str | None]]:
    """The Rasa to measure against: (its URL, its API token)."""
    if kind == "standin":
        app = ["--app-dir", "bench", "support_standin:app"]
        with uvicorn_server(app, env=dict(os.environ), log_path=LOGS / "standin.log") as s:
            yield s.url, None
    else:
        with local_assistant(model=model, database_url=database_url, log_dir=LOGS) as servers:
            yield servers.rasa_url, servers.token


async def measure(gateway: Server, rasa_url: str, kind: str, args: argparse.Namespace) -> Latency:
    run = secrets.token_hex(3)
    print(f"    warming up ({args.warmup} pairs)", flush=True)
    await measure_pairs(gateway.url, rasa_url, pairs=args.warmup, block=args.block, tag=f"w{run}")
    print(f"    {args.pairs} interleaved pairs", flush=True)
    before = usage(gateway.pid)
    pairs = await measure_pairs(
        gateway.url, rasa_url, pairs=args.pairs, block=args.block, tag=f"m{run}"
    )
    cpu = usage(gateway.pid).cpu_seconds - before.cpu_seconds
    latency = Latency(kind, pairs, 1000 * cpu / max(pairs.gateway_turns, 1))
    f = latency.figures()
    print(
        f"    direct p50 {f['direct_p50']:.1f} p95 {f['direct_p95']:.1f} ms | gateway"
        f" p50 {f['gateway_p50']:.1f} p95 {f['gateway_p95']:.1f} ms | added p50"
        f" {f['added_p50']:.1f} ms, p95 x{f['ratio_p95']:.2f} | errors {dict(pairs.errors)}"
    )
    return latency


async def soak(gateway: Server, kind: str, args: argparse.Namespace) -> Held:
    idle = usage(gateway.pid)
    print(f"    connecting {args.connections} widgets", flush=True)
    started = time.monotonic()
    widgets, connect_errors = await connect_widgets(
        gateway.url, args.connections, f"s{secrets.token_hex(3)}"
    )
    connect_seconds = time.monotonic() - started
    print(f"    holding {len(widgets)} for {args.hold_seconds:g} s", flush=True)
    sampler, stop = Sampler(gateway.pid), asyncio.Event()
    sampling = asyncio.create_task(sampler.run(stop))
    result = await hold(
        widgets, seconds=args.hold_seconds, interval=args.interval, wait=args.reply_timeout
    )
    stop.set()
    await sampling
    still = sum(1 for w in widgets if w.client.connected)
    await asyncio.gather(*(w.close() for w in widgets), return_exceptions=True)
    await asyncio.sleep(3)
    start = sampler.samples[0]
    held = Held(
        rasa=kind,
        connections=args.connections,
        connected=len(widgets),
        connect_seconds=connect_seconds,
        connect_errors=dict(connect_errors),
        soak=result,
        dropped=sum(w.dropped for w in widgets),
        still_connected=still,
        rss_idle_mb=idle.rss_mb,
        rss_after_mb=usage(gateway.pid).rss_mb,
        samples=[
            {"at": s.at - start.at, "rss_mb": s.rss_mb, "cpu_seconds": s.cpu_seconds}
            for s in sampler.samples
        ],
    )
    f = held.figures()
    print(
        f"    sent {result.sent}, answered {result.answered}, lost {result.lost}, errors"
        f" {held.errors()} | RSS {f['rss_start']:.0f} -> {f['rss_end']:.0f} MB (peak"
        f" {f['rss_peak']:.0f}) | CPU {f['cpu_percent']:.0f}% of a core"
    )
    return held


async def main_async(args: argparse.Namespace) -> int:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    database = OUT_DIR / "gateway_overhead.db"
    database.unlink(missing_ok=True)
    database_url = f"sqlite:///{database}"
    migrate(database_url)
    kinds = args.rasa.split(",")
    model = Path(args.model) if args.model else ensure_model() if "real" in kinds else Path("none")
    # Read before the servers start: the code they run is what was checked out then.
    commit, load_start = git_commit(), os.getloadavg()
    latencies: list[Latency] = []
    held: Held | None = None
    for kind in kinds:
        print(f"==> {NAMES[kind]}", flush=True)
        with rasa(kind, database_url, model) as (rasa_url, token):
            env = gateway_env(rasa_url, token, database_url)
            app = ["--factory", "bot.app:create_app"]
            with uvicorn_server(app, env=env, log_path=LOGS / f"gateway-{kind}.log") as gateway:
                latencies.append(await measure(gateway, rasa_url, kind, args))
                if kind == args.soak_rasa and args.connections > 0:
                    held = await soak(gateway, kind, args)
    raw = OUT_DIR / "gateway_overhead.json"
    data: dict[str, Any] = {"latency": [asdict(x) for x in latencies]}
    data["held"] = asdict(held) if held else None
    raw.write_text(json.dumps(data))
    write_report(latencies, held, args, model.name, commit, (load_start, os.getloadavg()))
    print(f"==> report: {REPORT.relative_to(ROOT)} (raw samples: {raw.relative_to(ROOT)})")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rasa", default="standin,real", help="which Rasas, in order")
    parser.add_argument("--pairs", type=int, default=300, help="measured pairs per Rasa")
    parser.add_argument("--warmup", type=int, default=40, help="unmeasured pairs first")
    parser.add_argument("--block", type=int, default=25, help="pairs per conversation")
    parser.add_argument("--connections", type=int, default=200, help="widgets held open")
    parser.add_argument(
        "--hold-seconds", type=float, default=ISSUE_HOLD_SECONDS, help="how long they are held"
    )
    parser.add_argument("--interval", type=float, default=30.0, help="s between a widget's turns")
    parser.add_argument("--reply-timeout", type=float, default=60.0, help="s to wait for a reply")
    parser.add_argument("--soak-rasa", default="real", choices=sorted(NAMES), help="held against")
    parser.add_argument("--model", help="a trained model (default: the current data's)")
    args = parser.parse_args()
    if set(args.rasa.split(",")) - set(NAMES):
        parser.error(f"--rasa takes a comma-separated list of {', '.join(NAMES)}")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
