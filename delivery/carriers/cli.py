"""``python -m delivery carriers poll``: the carrier poller and the overdue sweep, round by round.

Each round asks the carriers about the parcels due (:mod:`delivery.carriers.poller`), then
queues the delay notices of parcels past their expected delivery without news
(:mod:`delivery.notifications.overdue`), and logs one line for each. ``--once`` runs one round
and exits (1 if it failed); otherwise a round starts every ``--every`` seconds (default
CARRIER_POLL_SECONDS) until Ctrl-C or SIGTERM, which let the round under way finish (a second
one stops at once). ``make run`` starts it beside the other processes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

from sqlalchemy import inspect
from sqlalchemy.orm import Session, sessionmaker

from delivery.carriers.poller import CarrierPoller, PollPolicy, plural
from delivery.carriers.registry import build_registry
from delivery.clock import utcnow
from delivery.db.session import make_engine, make_session_factory, unit_of_work
from delivery.notifications.kinds import KindRules
from delivery.notifications.overdue import sweep_overdue
from delivery.notifications.policy import QueuePolicy
from delivery.settings import Settings

logger = logging.getLogger("delivery.carriers.poll")

DESCRIPTION = """\
Each round asks the carriers about at most CARRIER_POLL_BATCH parcels not delivered or returned
that none was asked about for CARRIER_POLL_MIN_AGE_SECONDS, applies what they say (queueing the
notifications it deserves), then queues a delay notice for each parcel past its expected
delivery without news. A carrier that cannot be reached leaves the last known status.
Ctrl-C or SIGTERM stops after the round under way."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    carriers = subparsers.add_parser(
        "carriers",
        help="the carriers' APIs: poll them for news",
        description="Commands that talk to the carriers' APIs (docs/carriers-design.md).",
    )
    commands = carriers.add_subparsers(dest="carriers_command", required=True)
    poll = commands.add_parser(
        "poll",
        help="ask the carriers about parcels not heard of lately; queue overdue delay notices",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    poll.add_argument("--once", action="store_true", help="run one round and exit")
    poll.add_argument(
        "--every",
        type=_positive_seconds,
        default=None,
        metavar="SECONDS",
        help="seconds from the start of one round to the next (default: CARRIER_POLL_SECONDS)",
    )
    poll.set_defaults(handler=poll_command)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


@dataclass
class Round:
    """One round's work: the poller, then the sweep (each in its own units of work)."""

    poller: CarrierPoller
    sessions: sessionmaker[Session]
    rules: KindRules
    queue_policy: QueuePolicy
    overdue_limit: int
    clock: Callable[[], dt.datetime] = utcnow
    number: int = 0

    def __call__(self) -> bool:
        """Run it; False if it failed (logged), True otherwise."""
        self.number += 1
        try:
            report = self.poller.poll_once()
            logger.info("round %d: carriers: %s", self.number, report.summary())
            with unit_of_work(self.sessions, writes=True) as session:
                queued = sweep_overdue(
                    session,
                    now=self.clock(),
                    rules=self.rules,
                    policy=self.queue_policy,
                    limit=self.overdue_limit,
                )
                made = sum(1 for item in queued if item.enqueued.created)
            notices = plural(made, "delay notice")
            logger.info("round %d: overdue: %s queued", self.number, notices)
        except Exception:
            logger.exception("round %d failed; the next one runs as planned", self.number)
            return False
        return True


class StopSignal:
    """SIGINT/SIGTERM ask to stop after the round under way; a second one stops at once."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def install(self) -> None:
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt
        logger.info("%s received: stopping after this round", signal.Signals(signum).name)
        self.event.set()


def poll_command(args: argparse.Namespace, settings: Settings) -> int:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    engine = make_engine(settings.database_url)
    registry = build_registry(settings)
    try:
        if not inspect(engine).has_table("notifications"):
            logger.error("no schema yet; run `python -m delivery migrate` first")
            return 1
        sessions = make_session_factory(engine)
        rules, queue_policy = KindRules.from_settings(settings), QueuePolicy.from_settings(settings)
        policy = PollPolicy.from_settings(settings)
        poller = CarrierPoller(
            sessions, registry, rules=rules, queue_policy=queue_policy, policy=policy
        )
        run_round = Round(poller, sessions, rules, queue_policy, overdue_limit=policy.batch)
        every = args.every or settings.carrier_poll_seconds
        logger.info(
            "carrier poller: carriers %s; at most %d parcels a round, each asked at most every "
            "%.0f s; %s",
            ", ".join(poller.carrier_codes) or "(none)",
            policy.batch,
            policy.min_age.total_seconds(),
            "one round" if args.once else f"a round every {every:g} s",
        )
        if args.once:
            return 0 if run_round() else 1
        stop = StopSignal()
        stop.install()
        return run_rounds(run_round, every=every, stop=stop.event)
    finally:
        registry.close()
        engine.dispose()


def run_rounds(
    run_round: Callable[[], object],
    *,
    every: float,
    stop: threading.Event,
    monotonic: Callable[[], float] | None = None,
) -> int:
    """Run rounds ``every`` seconds apart (start to start; at once when one ran longer) until
    ``stop`` is set; always 0 (a failed round is logged, and the next one runs)."""
    clock = monotonic or time.monotonic
    rounds = 0
    while not stop.is_set():
        started = clock()
        run_round()
        rounds += 1
        stop.wait(max(0.0, every - (clock() - started)))
    logger.info("carrier poller stopped after %d rounds", rounds)
    return 0
