"""The carrier poller: ask the carriers about parcels nobody has told us about for a while.

Webhooks bring most news; polling is the safety net for what they miss (a carrier without
webhooks, a delivery lost on the way, the gateway down for a while). One round
(:meth:`CarrierPoller.poll_once`):

1. picks at most ``batch`` shipments worth asking about, in a read-only unit of work: not
   delivered or returned, of a carrier that has an adapter, not asked about for ``min_age``
   (:class:`~delivery.db.models.TrackingCheck`); never-asked first, then the longest-unasked,
   the carriers taken in turn so that one carrier's backlog cannot crowd out the others;
2. asks each parcel's carrier outside any transaction (a carrier call can take seconds, and a
   write transaction holds SQLite's only write lock);
3. applies each answer in a short unit of work of its own, the way the carrier webhook does:
   :func:`~delivery.carriers.refresh.apply_tracking`, then
   :func:`~delivery.notifications.from_refresh.notify_refresh` (so the notifications exist
   exactly when the change does), noting when the parcel was asked and answered
   (:func:`note_check`).

A carrier that cannot be reached leaves the last known status as it is (the refresh is stale),
is logged, and is not asked again in that round: one failed call per dead carrier per round, and
its circuit breaker keeps later rounds from waiting on it while the other carriers go on. A
carrier whose API is not configured is left out of every later round. Any other failure of one
parcel is logged and the round goes on. The clock is injected, so a round is deterministic.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, zip_longest
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from delivery.carriers.adapter import CarrierAdapter
from delivery.carriers.errors import CarrierError, CarrierUnavailable
from delivery.carriers.refresh import Fetched, RefreshOutcome, apply_tracking, fetch_tracking
from delivery.clock import utcnow
from delivery.db.models import Carrier, Shipment, TrackingCheck
from delivery.db.session import unit_of_work
from delivery.notifications.from_refresh import notify_refresh
from delivery.notifications.kinds import KindRules
from delivery.notifications.policy import QueuePolicy
from delivery.notifications.queue import Enqueued
from delivery.settings import Settings
from delivery.vocabulary import FINAL_SHIPMENT_STATUSES

logger = logging.getLogger(__name__)

#: ``CarrierUnavailable.reason`` values for which no request went out: nothing was asked, so
#: nothing is noted on the shipment.
NOT_ASKED = frozenset({"not_configured", "circuit_open"})
NOT_CONFIGURED = "not_configured"


class Adapters(Protocol):
    """The carrier adapters by code (a :class:`~delivery.carriers.registry.CarrierRegistry`)."""

    def get(self, carrier_code: str) -> CarrierAdapter | None: ...

    def __iter__(self) -> Iterator[str]: ...


@dataclass(frozen=True)
class PollPolicy:
    min_age: dt.timedelta = dt.timedelta(minutes=15)  # a parcel is asked about at most this often
    batch: int = 50  # parcels asked about per round

    @classmethod
    def from_settings(cls, settings: Settings) -> PollPolicy:
        return cls(
            min_age=dt.timedelta(seconds=settings.carrier_poll_min_age_seconds),
            batch=settings.carrier_poll_batch,
        )


@dataclass(frozen=True)
class DueShipment:
    shipment_id: int
    carrier_code: str
    tracking_number: str


@dataclass(frozen=True)
class Polled:
    """One parcel asked about in a round, and what came of it."""

    due: DueShipment
    outcome: RefreshOutcome
    queued: int  # notifications this refresh created
    failure: CarrierError | None = None


@dataclass(frozen=True)
class PollReport:
    polled: tuple[Polled, ...] = ()
    skipped: tuple[DueShipment, ...] = ()  # not asked: their carrier failed earlier this round
    errors: int = 0  # parcels whose refresh failed for another reason (logged)

    @property
    def changed(self) -> int:
        return sum(1 for item in self.polled if item.outcome.changed)

    @property
    def stale(self) -> tuple[Polled, ...]:
        return tuple(item for item in self.polled if item.outcome.stale)

    @property
    def queued(self) -> int:
        return sum(item.queued for item in self.polled)

    def summary(self) -> str:
        """One log line: 'asked 12 (boreal 6, swift 6): 3 changed, 2 notifications queued, ...'."""
        if not self.polled and not self.skipped and not self.errors:
            return "nothing to ask about"
        by_carrier = Counter(item.due.carrier_code for item in self.polled)
        carriers = ", ".join(f"{code} {count}" for code, count in sorted(by_carrier.items()))
        parts = [f"asked {len(self.polled)}" + (f" ({carriers})" if carriers else "")]
        parts.append(f"{self.changed} changed")
        parts.append(plural(self.queued, "notification") + " queued")
        if self.stale:
            reasons = sorted({_reason(item) for item in self.stale})
            parts.append(f"{len(self.stale)} stale ({', '.join(reasons)})")
        if self.skipped:
            parts.append(f"{len(self.skipped)} left for the next round")
        if self.errors:
            parts.append(f"{self.errors} failed (see the errors above)")
        return ", ".join(parts)


def plural(count: int, noun: str) -> str:
    """'1 notification', '2 notifications' (for log lines)."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _reason(item: Polled) -> str:
    failure = item.failure
    if isinstance(failure, CarrierUnavailable):
        return f"{item.due.carrier_code}: {failure.reason}"
    kind = item.outcome.failure.value if item.outcome.failure else "stale"
    return f"{item.due.carrier_code}: {kind}"


def due_shipments(
    session: Session,
    carrier_codes: Iterable[str],
    *,
    now: dt.datetime,
    min_age: dt.timedelta,
    limit: int,
) -> list[DueShipment]:
    """At most ``limit`` shipments to ask about: not final, of one of ``carrier_codes``, not
    asked since ``now - min_age``; never-asked first, then the longest-unasked, the carriers
    taken in turn."""
    cutoff = now - min_age
    per_carrier: list[Sequence[DueShipment]] = []
    for code in sorted(set(carrier_codes)):
        rows = session.execute(
            select(Shipment.id, Shipment.tracking_number)
            .join(Carrier, Carrier.id == Shipment.carrier_id)
            .outerjoin(TrackingCheck, TrackingCheck.shipment_id == Shipment.id)
            .where(
                Carrier.code == code,
                Shipment.status.not_in(FINAL_SHIPMENT_STATUSES),
                or_(TrackingCheck.checked_at.is_(None), TrackingCheck.checked_at <= cutoff),
            )
            .order_by(TrackingCheck.checked_at.asc().nulls_first(), Shipment.id)
            .limit(limit)
        ).all()
        per_carrier.append([DueShipment(row[0], code, row[1]) for row in rows])
    in_turn = chain.from_iterable(zip_longest(*per_carrier))
    return [item for item in in_turn if item is not None][:limit]


def apply_fetched(
    session: Session,
    shipment: Shipment,
    fetched: Fetched,
    *,
    now: dt.datetime,
    rules: KindRules,
    policy: QueuePolicy,
) -> tuple[RefreshOutcome, list[Enqueued]]:
    """Apply what asking the carrier gave, queue what the change deserves, and note that the
    parcel was asked (and, unless stale, answered) at ``now``. Call it in a writing unit of
    work, like the webhook's."""
    outcome = apply_tracking(session, shipment, fetched, now=now)
    queued = notify_refresh(session, shipment, outcome, rules=rules, policy=policy, now=now)
    note_check(session, shipment.id, now=now, answered=not outcome.stale)
    return outcome, queued


def note_check(session: Session, shipment_id: int, *, now: dt.datetime, answered: bool) -> None:
    """Note that the carrier was asked about the shipment at ``now`` (and answered, if so)."""
    check = session.get(TrackingCheck, shipment_id)
    if check is None:
        row = TrackingCheck(
            shipment_id=shipment_id, checked_at=now, refreshed_at=now if answered else None
        )
        try:
            with session.begin_nested():  # only this insert is undone if another caller won
                session.add(row)
            return
        except IntegrityError:
            check = session.get(TrackingCheck, shipment_id, populate_existing=True)
            if check is None:
                raise
    check.checked_at = max(check.checked_at, now)
    if answered:
        check.refreshed_at = now if check.refreshed_at is None else max(check.refreshed_at, now)
    session.flush()


def was_asked(fetched: Fetched) -> bool:
    """Whether a request went out (a circuit that is open or an API that is not configured
    fail before any)."""
    return not (isinstance(fetched, CarrierUnavailable) and fetched.reason in NOT_ASKED)


class CarrierPoller:
    """Rounds of asking the carriers; see the module's docs."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        carriers: Adapters,
        *,
        rules: KindRules,
        queue_policy: QueuePolicy,
        policy: PollPolicy | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._carriers = carriers
        self._rules = rules
        self._queue_policy = queue_policy
        self.policy = policy or PollPolicy()
        self._clock = clock
        self._unconfigured: set[str] = set()

    @property
    def carrier_codes(self) -> list[str]:
        """The carriers a round asks (those with an adapter whose API is configured, as far as
        the rounds so far have found)."""
        return sorted(code for code in self._carriers if code not in self._unconfigured)

    def poll_once(self) -> PollReport:
        """One round: pick, ask, apply; never raises for one parcel or one carrier."""
        with unit_of_work(self._sessions) as session:
            due = due_shipments(
                session,
                self.carrier_codes,
                now=self._clock(),
                min_age=self.policy.min_age,
                limit=self.policy.batch,
            )
        polled: list[Polled] = []
        skipped: list[DueShipment] = []
        down: set[str] = set()  # carriers not reached this round
        errors = 0
        for item in due:
            adapter = self._carriers.get(item.carrier_code)
            if adapter is None or item.carrier_code in down:
                skipped.append(item)
                continue
            fetched = fetch_tracking(adapter, item.tracking_number)  # outside any transaction
            if isinstance(fetched, CarrierUnavailable):
                down.add(item.carrier_code)
                if fetched.reason == NOT_CONFIGURED:
                    logger.info("%s has no API configured: not polled", item.carrier_code)
                    self._unconfigured.add(item.carrier_code)
            if not was_asked(fetched):
                skipped.append(item)
                continue
            try:
                result = self._apply(item, fetched)
            except Exception:
                logger.exception("refreshing shipment %s failed", item.shipment_id)
                errors += 1
                continue
            if result is not None:
                polled.append(result)
        return PollReport(tuple(polled), tuple(skipped), errors)

    def _apply(self, item: DueShipment, fetched: Fetched) -> Polled | None:
        """One unit of work; retried once when a webhook stored the same event first."""
        for attempt in (1, 2):
            try:
                with unit_of_work(self._sessions, writes=True) as session:
                    shipment = session.get(Shipment, item.shipment_id)
                    if shipment is None:
                        return None  # deleted since it was picked
                    outcome, queued = apply_fetched(
                        session,
                        shipment,
                        fetched,
                        now=self._clock(),
                        rules=self._rules,
                        policy=self._queue_policy,
                    )
                failure = fetched if isinstance(fetched, CarrierError) else None
                created = sum(1 for enqueued in queued if enqueued.created)
                return Polled(item, outcome, created, failure)
            except IntegrityError:
                if attempt == 2:
                    raise
                logger.info("shipment %s raced a webhook; applying again", item.shipment_id)
        raise AssertionError("unreachable")  # pragma: no cover
