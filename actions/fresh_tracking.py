"""Asking the carriers about an order's parcels before "where is my order?" is answered.

The steps of :class:`delivery.carriers.on_demand.TrackingRefresh`, each where it belongs: the
parcels to ask about are read in one unit of work, the carriers are asked in a worker thread
outside any transaction (within WISMO_REFRESH_BUDGET_SECONDS: the customer is waiting), and the
answers are applied in a short writing unit of work. Nothing here fails the answer: a refresh
that goes wrong is logged, and the order is told from what the database holds.

Used by :mod:`actions.order_status`; any action that tells an order (``tell_order``) can call
:func:`refresh_order` first, outside its own unit of work, and pass what it returns on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import TypeVar

from sqlalchemy.orm import Session

from actions.base import UsesDatabase
from actions.conversation import Conversation
from actions.verification import only_order_number
from delivery.carriers.on_demand import NotRefreshed, Target, TrackingRefresh
from delivery.db.session import unit_of_work

log = logging.getLogger(__name__)

T = TypeVar("T")


async def refresh_order(
    action: UsesDatabase,
    talk: Conversation,
    order_number: str | None,
    *,
    or_their_only_order: bool = False,
) -> Mapping[int, NotRefreshed]:
    """Refresh the parcels of the conversation's customer's order ``order_number`` (or, with
    ``or_their_only_order``, of their only order when no number is given) whose news is older
    than WISMO_REFRESH_MAX_AGE_SECONDS; those whose carrier could not be asked, by shipment id.
    """
    refresh = action.runtime.tracking_refresh
    if refresh is None or not (order_number or or_their_only_order):
        return {}
    try:
        targets = await action.in_session(
            lambda session: _targets(refresh, talk, session, order_number, or_their_only_order)
        )
        if not targets:
            return {}
        fetched = await asyncio.to_thread(refresh.fetch, targets)  # no transaction is open
    except Exception:
        log.exception("refreshing the tracking of order %s failed", order_number)
        return {}
    answers = refresh.answers(targets, fetched)
    if answers:
        now = action.runtime.clock()
        try:
            await _writing(action, lambda session: refresh.apply(session, answers, now=now))
        except Exception:  # e.g. a webhook stored the same event first: it is there anyway
            log.exception("applying the tracking of order %s failed", order_number)
    return refresh.not_refreshed(targets, fetched)


def _targets(
    refresh: TrackingRefresh,
    talk: Conversation,
    session: Session,
    order_number: str | None,
    or_their_only_order: bool,
) -> list[Target]:
    customer = talk.customer(session)
    if customer is None:
        return []  # not verified: nothing is shown, so nothing is asked
    if not order_number and or_their_only_order:
        order_number = only_order_number(session, customer)
    if not order_number:
        return []
    return refresh.targets(session, order_number, customer_id=customer.id, now=talk.now)


async def _writing(action: UsesDatabase, work: Callable[[Session], T]) -> T:
    """``work`` in a writing unit of work, in a thread unless the runtime says otherwise."""

    def call() -> T:
        with unit_of_work(action.runtime.sessions, writes=True) as session:
            return work(session)

    if not action.runtime.threaded:
        return call()
    return await asyncio.to_thread(call)
