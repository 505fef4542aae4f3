"""Refreshing one order's tracking while the customer waits ("where is my order?").

Three steps, so that no transaction is open while a carrier is asked:

1. :meth:`TrackingRefresh.targets`, in a read-only unit of work: the order's parcels worth
   asking about: on their way (not pending, delivered or returned), of a carrier with an
   adapter, and last heard of longer ago than ``max_age`` (the later of the last answer applied
   and the newest event recorded, so a webhook's news counts too);
2. :meth:`TrackingRefresh.fetch`, outside any transaction: the carriers asked at once in worker
   threads, waiting ``budget`` seconds in all. A call not done by then counts as unavailable (it
   finishes in the background and is dropped: the poller asks again later). The adapters should
   be built from :func:`fast_settings` (one try, timeouts within the budget), so a slow carrier
   holds a worker no longer than the customer waits;
3. :meth:`TrackingRefresh.apply`, in a writing unit of work (only when :meth:`answers` has
   any): each answer applied, and the notifications it deserves queued, as the poller does
   (:func:`~delivery.carriers.poller.apply_fetched`). Parcels whose carrier could not be asked
   are :meth:`TrackingRefresh.not_refreshed`: their last known status stands, and the
   assistant says it could not refresh it. A carrier without a configured API is not
   "failing": it is not asked (again), and nothing is said.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from delivery.carriers.errors import CarrierError, CarrierUnavailable
from delivery.carriers.poller import NOT_CONFIGURED, Adapters, apply_fetched, was_asked
from delivery.carriers.refresh import Fetched, fetch_tracking
from delivery.carriers.registry import CarrierRegistry, build_registry
from delivery.db.models import Carrier, Order, Shipment, TrackingCheck, TrackingEvent
from delivery.normalize import order_number_key
from delivery.notifications.kinds import KindRules
from delivery.notifications.policy import QueuePolicy
from delivery.settings import Settings
from delivery.vocabulary import FINAL_SHIPMENT_STATUSES, OrderStatus, ShipmentStatus

logger = logging.getLogger(__name__)

#: Parcels there is no point asking about while the customer waits: not handed over yet
#: (the carrier does not know them), or their journey is over.
_NOT_ASKED_ABOUT = FINAL_SHIPMENT_STATUSES | {ShipmentStatus.PENDING}

#: The reason of the :class:`CarrierUnavailable` a call gets that outlasted the budget.
OVER_BUDGET = "over_budget"

#: Carrier calls in flight at once, over all conversations of one action server.
WORKERS = 8


@dataclass(frozen=True)
class Target:
    """A parcel to ask its carrier about."""

    shipment_id: int
    carrier_code: str
    carrier_name: str
    carrier_timezone: str
    tracking_number: str
    last_update_at: dt.datetime  # when we last heard of it (its status's time if never)


@dataclass(frozen=True)
class NotRefreshed:
    """A parcel whose carrier could not be asked just now: its last known status stands."""

    shipment_id: int
    carrier_name: str
    carrier_timezone: str
    last_update_at: dt.datetime
    failure: CarrierError


def fast_settings(settings: Settings) -> Settings:
    """The settings for adapters a waiting customer depends on: one try, and neither timeout
    longer than WISMO_REFRESH_BUDGET_SECONDS."""
    budget = settings.wismo_refresh_budget_seconds
    return settings.model_copy(
        update={
            "carrier_max_attempts": 1,
            "carrier_connect_timeout_seconds": min(
                settings.carrier_connect_timeout_seconds, budget
            ),
            "carrier_read_timeout_seconds": min(settings.carrier_read_timeout_seconds, budget),
        }
    )


class TrackingRefresh:
    """An order's parcels refreshed within a time budget; see the module's docs."""

    def __init__(
        self,
        carriers: Adapters,
        *,
        rules: KindRules,
        queue_policy: QueuePolicy,
        max_age: dt.timedelta,
        budget: float,
        executor: Executor,
    ) -> None:
        self._carriers = carriers
        self._rules = rules
        self._queue_policy = queue_policy
        self.max_age = max_age
        self.budget = budget
        self._executor = executor
        self._unconfigured: set[str] = set()  # carriers found to have no API: never asked

    @classmethod
    def from_settings(cls, settings: Settings) -> TrackingRefresh | None:
        """The action server's: fast adapters, a small pool of workers; None when the budget
        is 0 (customers never wait for a carrier)."""
        if settings.wismo_refresh_budget_seconds <= 0:
            return None
        registry: CarrierRegistry = build_registry(fast_settings(settings))
        return cls(
            registry,
            rules=KindRules.from_settings(settings),
            queue_policy=QueuePolicy.from_settings(settings),
            max_age=dt.timedelta(seconds=settings.wismo_refresh_max_age_seconds),
            budget=settings.wismo_refresh_budget_seconds,
            executor=ThreadPoolExecutor(WORKERS, thread_name_prefix="carrier-refresh"),
        )

    def targets(
        self, session: Session, order_number: str, *, customer_id: int, now: dt.datetime
    ) -> list[Target]:
        """The parcels of the customer's order ``order_number`` worth asking about at ``now``
        (none when the order is not theirs, or cancelled)."""
        key = order_number_key(order_number)
        codes = [code for code in self._carriers if code not in self._unconfigured]
        if not key or not codes:
            return []
        newest_event = (
            select(func.max(TrackingEvent.recorded_at))
            .where(TrackingEvent.shipment_id == Shipment.id)
            .scalar_subquery()
        )
        rows = session.execute(
            select(
                Shipment.id,
                Carrier.code,
                Carrier.name,
                Carrier.timezone,
                Shipment.tracking_number,
                Shipment.status_updated_at,
                TrackingCheck.refreshed_at,
                newest_event,
            )
            .join(Carrier, Carrier.id == Shipment.carrier_id)
            .join(Order, Order.id == Shipment.order_id)
            .outerjoin(TrackingCheck, TrackingCheck.shipment_id == Shipment.id)
            .where(
                Order.number_key == key,
                Order.customer_id == customer_id,
                Order.status != OrderStatus.CANCELLED,
                Shipment.status.not_in(_NOT_ASKED_ABOUT),
                Carrier.code.in_(codes),
            )
            .order_by(Shipment.id)
        ).all()
        found = []
        for shipment_id, code, name, zone, number, status_at, refreshed_at, event_at in rows:
            heard = [moment for moment in (refreshed_at, event_at) if moment is not None]
            last_heard = max(heard) if heard else None
            if last_heard is not None and now - last_heard <= self.max_age:
                continue
            last_update = max(last_heard, status_at) if last_heard else status_at
            found.append(Target(shipment_id, code, name, zone, number, last_update))
        return found

    def fetch(self, targets: Sequence[Target]) -> dict[int, Fetched]:
        """Each target's snapshot, or the error that kept us from it; returns within the
        budget (plus a moment to start the calls). Blocks: call it from a worker thread."""
        futures: dict[Future[Fetched], Target] = {}
        for target in targets:
            adapter = self._carriers.get(target.carrier_code)
            if adapter is not None:
                future = self._executor.submit(fetch_tracking, adapter, target.tracking_number)
                futures[future] = target
        done, _ = wait(futures, timeout=self.budget)
        fetched: dict[int, Fetched] = {}
        for future, target in futures.items():
            fetched[target.shipment_id] = self._result(future, target, finished=future in done)
        return fetched

    def _result(self, future: Future[Fetched], target: Target, *, finished: bool) -> Fetched:
        if not finished:
            future.cancel()  # only stops a call still waiting for a worker
            logger.warning(
                "tracking %s with %s: no answer within %.1f s; showing the last known status",
                target.tracking_number,
                target.carrier_code,
                self.budget,
            )
            message = f"no answer within {self.budget:.1f} s"
            return CarrierUnavailable(target.carrier_code, OVER_BUDGET, message)
        try:
            return future.result()
        except Exception as error:  # a bug in an adapter must not cost the customer the answer
            logger.exception(
                "tracking %s with %s failed", target.tracking_number, target.carrier_code
            )
            return CarrierUnavailable(target.carrier_code, "error", type(error).__name__)

    def answers(
        self, targets: Sequence[Target], fetched: Mapping[int, Fetched]
    ) -> list[tuple[Target, Fetched]]:
        """What is worth writing: every answer, and every failure of a call that went out and
        ended (noted as asked). Empty: no writing unit of work is needed."""
        worth = []
        for target in targets:
            result = fetched.get(target.shipment_id)
            if result is None:
                continue
            if isinstance(result, CarrierUnavailable) and result.reason == NOT_CONFIGURED:
                self._unconfigured.add(target.carrier_code)  # asked no more
                continue
            if was_asked(result) and not _over_budget(result):
                worth.append((target, result))
        return worth

    def apply(
        self, session: Session, answers: Sequence[tuple[Target, Fetched]], *, now: dt.datetime
    ) -> None:
        """Apply :meth:`answers` (in a writing unit of work), queueing what each deserves."""
        for target, result in answers:
            shipment = session.get(Shipment, target.shipment_id)
            if shipment is not None:
                apply_fetched(
                    session, shipment, result, now=now, rules=self._rules, policy=self._queue_policy
                )

    def not_refreshed(
        self, targets: Sequence[Target], fetched: Mapping[int, Fetched]
    ) -> dict[int, NotRefreshed]:
        """The parcels whose carrier could not be asked (not those without an API), by
        shipment id: told as last known."""
        stale: dict[int, NotRefreshed] = {}
        for target in targets:
            result = fetched.get(target.shipment_id)
            if not isinstance(result, CarrierError):
                continue
            if isinstance(result, CarrierUnavailable) and result.reason == NOT_CONFIGURED:
                continue  # no API to ask: the parcel's news comes by webhook only
            stale[target.shipment_id] = NotRefreshed(
                shipment_id=target.shipment_id,
                carrier_name=target.carrier_name,
                carrier_timezone=target.carrier_timezone,
                last_update_at=target.last_update_at,
                failure=result,
            )
        return stale


def _over_budget(result: Fetched) -> bool:
    # Its answer may still come; nothing is known of it yet, so nothing is noted either.
    return isinstance(result, CarrierUnavailable) and result.reason == OVER_BUDGET
