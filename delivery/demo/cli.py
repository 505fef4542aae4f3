"""``python -m delivery seed-demo``: fill an empty database with the demo data.

``make run`` calls it with ``--if-empty`` on every start, so a fresh clone gets demo orders and
an existing database keeps its orders. Either way, a database without staff users gets the demo
agent (its password printed once) and one without canned replies gets the demo ones.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time

from sqlalchemy import inspect

from delivery.clock import utcnow
from delivery.db.session import make_engine, make_session_factory, unit_of_work
from delivery.demo.generator import DemoSummary, has_orders, seed_demo
from delivery.demo.showcase import SHOWCASE_ORDERS
from delivery.demo.staff import seed_demo_staff
from delivery.settings import Settings

#: The showcase orders the command suggests trying: reschedule, delay, too late, return.
SUGGESTED = ("100001", "100002", "100004", "100005")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "seed-demo",
        help="fill an empty database with deterministic demo data",
        description="Carriers, pickup points, customers and orders in every delivery state, "
        "dated relative to now. The showcase orders 100001-100008 are always included.",
    )
    parser.add_argument(
        "--if-empty", action="store_true", help="do nothing (and succeed) when any order exists"
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    parser.add_argument(
        "--customers", type=_at_least(8), default=1000, help="customers, showcase included"
    )
    parser.add_argument(
        "--orders", type=_at_least(8), default=3000, help="orders, showcase included"
    )
    parser.set_defaults(handler=seed_demo_command)


def _at_least(minimum: int) -> functools.partial[int]:
    return functools.partial(_bounded_int, minimum=minimum)


def _bounded_int(text: str, *, minimum: int) -> int:
    value = int(text)
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be at least {minimum}")
    return value


def _say(line: str) -> None:
    print(line, flush=True)


def seed_demo_command(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        schema = inspect(engine)
        if not (schema.has_table("orders") and schema.has_table("staff_users")):
            print("error: no schema yet; run `python -m delivery migrate` first", file=sys.stderr)
            return 1
        started = time.perf_counter()
        summary: DemoSummary | None = None
        with unit_of_work(make_session_factory(engine), writes=True) as session:
            if has_orders(session):
                if not args.if_empty:
                    print(
                        "error: the database already has orders; seed-demo fills an empty "
                        "database (pass --if-empty to skip quietly)",
                        file=sys.stderr,
                    )
                    return 1
            else:
                _say(f"seeding demo data (seed {args.seed}) ...")
                summary = seed_demo(
                    session,
                    now=utcnow(),
                    seed=args.seed,
                    customers=args.customers,
                    orders=args.orders,
                    progress=_say,
                )
            # Also for a database seeded before the staff console existed: it gets a login.
            staff = seed_demo_staff(session, now=utcnow())
    finally:
        engine.dispose()
    if summary is None:
        _say("the database already has orders: no demo orders added")
    else:
        _say_summary(summary, time.perf_counter() - started)
    if staff.canned_replies:
        _say(f"added {staff.canned_replies} canned replies for the staff console")
    login = staff.login_line()
    if login is not None:
        _say(login)
    return 0


def _say_summary(summary: DemoSummary, seconds: float) -> None:
    rows = summary.rows
    _say(
        f"done in {seconds:.1f} s: {rows['customers']:,} customers, "
        f"{rows['orders']:,} orders, {rows['shipments']:,} shipments, "
        f"{rows['pickup_points']:,} pickup points"
    )
    _say("try these orders (order number + e-mail):")
    for showcase in (s for s in SHOWCASE_ORDERS if s.number in SUGGESTED):
        _say(f"  {showcase.number}  {showcase.email:<28} {showcase.story}")
