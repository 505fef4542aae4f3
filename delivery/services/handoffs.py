"""Handoffs of a conversation from the bot to a person, and back (docs/handoff-design.md).

waiting --claim--> active --hand back--> returned; waiting or active --close--> closed.
A conversation has at most one open (waiting or active) handoff: a partial unique index
enforces it, and :func:`request_handoff` answers a second request with the first one. State
changes are conditional UPDATEs, so two agents racing for one handoff cannot both win.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy import ColumnElement, Row, Select, and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from delivery.db.models import Customer
from delivery.db.staff_models import Handoff, StaffUser
from delivery.services import audit
from delivery.vocabulary import Channel, HandoffOutcome, HandoffReason, HandoffStatus

__all__ = [
    "OPEN_STATUSES",
    "HandoffAlreadyClaimed",
    "HandoffError",
    "HandoffNotFound",
    "HandoffNotOpen",
    "HandoffNotYours",
    "HandoffTicket",
    "HandoffView",
    "claim_handoff",
    "close_handoff",
    "ensure_handler",
    "get_handoff",
    "hand_back",
    "open_handoff",
    "request_handoff",
    "staff_queue",
    "typical_wait",
]

OPEN_STATUSES = (HandoffStatus.WAITING, HandoffStatus.ACTIVE)
#: How far back :func:`typical_wait` looks.
WAIT_WINDOW = dt.timedelta(days=7)
AUDIT_ENTITY = "handoff"


class HandoffError(Exception):
    """A handoff cannot be changed the way asked."""


class HandoffNotFound(HandoffError):
    pass


class HandoffAlreadyClaimed(HandoffError):
    """Another agent claimed it first."""


class HandoffNotOpen(HandoffError):
    """It was handed back or closed already."""


class HandoffNotYours(HandoffError):
    """It is not held by the agent who asked (held by another, or by nobody yet)."""


@dataclass(frozen=True)
class HandoffTicket:
    """The answer to a request: the customer's place in the queue (1 = next; 0 once active)."""

    handoff_id: int
    created: bool
    position: int
    status: HandoffStatus


@dataclass(frozen=True)
class HandoffView:
    """A handoff as the console and the gateway see it."""

    handoff_id: int
    conversation_id: str
    channel: Channel
    customer_id: int | None
    customer_name: str | None
    reason: HandoffReason
    status: HandoffStatus
    requested_at: dt.datetime
    claimed_by_id: int | None
    claimed_by_name: str | None
    claimed_at: dt.datetime | None
    ended_at: dt.datetime | None
    outcome: HandoffOutcome | None
    detail: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


# --- reading ---------------------------------------------------------------------------------


def _views() -> Select[Handoff, str, str]:
    # The names are None where the outer joins find nothing.
    return (
        select(Handoff, Customer.name, StaffUser.display_name)
        .outerjoin(Customer, Customer.id == Handoff.customer_id)
        .outerjoin(StaffUser, StaffUser.id == Handoff.claimed_by_id)
        # Rows changed by a conditional UPDATE must not come back stale from the identity map.
        .execution_options(populate_existing=True)
    )


def _view(found: Row[Handoff, str, str]) -> HandoffView:
    row, customer_name, claimed_by_name = found
    return HandoffView(
        handoff_id=row.id,
        conversation_id=row.conversation_id,
        channel=row.channel,
        customer_id=row.customer_id,
        customer_name=customer_name,
        reason=row.reason,
        status=row.status,
        requested_at=row.requested_at,
        claimed_by_id=row.claimed_by_id,
        claimed_by_name=claimed_by_name,
        claimed_at=row.claimed_at,
        ended_at=row.ended_at,
        outcome=row.outcome,
        detail=row.detail,
    )


def _first_view(session: Session, *where: ColumnElement[bool]) -> HandoffView | None:
    found = session.execute(_views().where(*where)).one_or_none()
    return None if found is None else _view(found)


def get_handoff(session: Session, handoff_id: int) -> HandoffView:
    """One handoff; :class:`HandoffNotFound` if there is none with this id."""
    view = _first_view(session, Handoff.id == handoff_id)
    if view is None:
        raise HandoffNotFound(f"no handoff {handoff_id}")
    return view


def open_handoff(session: Session, conversation_id: str) -> HandoffView | None:
    """The conversation's waiting or active handoff, if it has one."""
    return _first_view(
        session, Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN_STATUSES)
    )


def staff_queue(session: Session) -> list[HandoffView]:
    """Every open handoff: the waiting ones oldest first, then the active ones."""
    waiting_first = case((Handoff.status == HandoffStatus.WAITING, 0), else_=1)
    rows = session.execute(
        _views()
        .where(Handoff.status.in_(OPEN_STATUSES))
        .order_by(waiting_first, Handoff.requested_at, Handoff.id)
    )
    return [_view(row) for row in rows]


def _position(session: Session, row: Handoff) -> int:
    """1 for the next waiting handoff, 2 for the one after...; 0 when a person has it."""
    if row.status != HandoffStatus.WAITING:
        return 0
    ahead_or_same = or_(
        Handoff.requested_at < row.requested_at,
        and_(Handoff.requested_at == row.requested_at, Handoff.id <= row.id),
    )
    count = session.scalar(
        select(func.count())
        .select_from(Handoff)
        .where(Handoff.status == HandoffStatus.WAITING, ahead_or_same)
    )
    return int(count or 0)


def _ticket(session: Session, row: Handoff, *, created: bool) -> HandoffTicket:
    return HandoffTicket(
        handoff_id=row.id, created=created, position=_position(session, row), status=row.status
    )


def _open_row(session: Session, conversation_id: str) -> Handoff | None:
    return session.scalars(
        select(Handoff)
        .where(Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN_STATUSES))
        .execution_options(populate_existing=True)
    ).one_or_none()


def typical_wait(session: Session, *, now: dt.datetime, default: dt.timedelta) -> dt.timedelta:
    """The median wait from request to claim over the last week, else ``default``."""
    rows = session.execute(
        select(Handoff.requested_at, Handoff.claimed_at).where(
            Handoff.claimed_at.is_not(None), Handoff.claimed_at >= now - WAIT_WINDOW
        )
    )
    waits = sorted(
        max(claimed - requested, dt.timedelta(0))
        for requested, claimed in rows
        if claimed is not None
    )
    if not waits:
        return default
    middle = len(waits) // 2
    if len(waits) % 2:
        return waits[middle]
    return (waits[middle - 1] + waits[middle]) / 2


# --- changing --------------------------------------------------------------------------------


def request_handoff(
    session: Session,
    *,
    conversation_id: str,
    channel: Channel,
    reason: HandoffReason,
    customer_id: int | None,
    now: dt.datetime,
    detail: str | None = None,
) -> HandoffTicket:
    """Put the conversation in the queue, or answer with its open handoff (``created=False``)."""
    existing = _open_row(session, conversation_id)
    if existing is not None:
        return _joined(session, existing, customer_id)
    row = Handoff(
        conversation_id=conversation_id,
        channel=channel,
        customer_id=customer_id,
        reason=reason,
        status=HandoffStatus.WAITING,
        detail=detail,
        requested_at=now,
    )
    try:
        with session.begin_nested():  # only this insert is undone if another request won
            session.add(row)
    except IntegrityError:
        # The same conversation asked twice at once: the other request's row is the open one.
        existing = _open_row(session, conversation_id)
        if existing is None:
            raise
        return _joined(session, existing, customer_id)
    return _ticket(session, row, created=True)


def _joined(session: Session, existing: Handoff, customer_id: int | None) -> HandoffTicket:
    if existing.customer_id is None and customer_id is not None:
        existing.customer_id = customer_id  # verified while waiting: the agent should see who
        session.flush()
    return _ticket(session, existing, created=False)


def claim_handoff(
    session: Session, handoff_id: int, *, staff_user_id: int, now: dt.datetime
) -> HandoffView:
    """Take a waiting handoff. Loses to an earlier claim with :class:`HandoffAlreadyClaimed`;
    claiming one's own active handoff again just returns it."""
    agent = _staff_user(session, staff_user_id)
    claimed = _conditional_update(
        session,
        handoff_id,
        [Handoff.status == HandoffStatus.WAITING],
        status=HandoffStatus.ACTIVE,
        claimed_by_id=staff_user_id,
        claimed_at=now,
    )
    view = get_handoff(session, handoff_id)
    if not claimed:
        if view.status == HandoffStatus.ACTIVE and view.claimed_by_id == staff_user_id:
            return view  # a double click
        _refuse(view, staff_user_id, claiming=True)
    _audit(session, agent, "handoff_claimed", view, now)
    return view


def ensure_handler(session: Session, handoff_id: int, *, staff_user_id: int) -> HandoffView:
    """The handoff, provided it is active and held by this agent; else the error that says why."""
    view = get_handoff(session, handoff_id)
    if view.status != HandoffStatus.ACTIVE or view.claimed_by_id != staff_user_id:
        _refuse(view, staff_user_id)
    return view


def hand_back(
    session: Session, handoff_id: int, *, staff_user_id: int, now: dt.datetime
) -> HandoffView:
    """Give the conversation back to the bot; only the agent holding it may."""
    agent = _staff_user(session, staff_user_id)
    done = _conditional_update(
        session,
        handoff_id,
        [Handoff.status == HandoffStatus.ACTIVE, Handoff.claimed_by_id == staff_user_id],
        status=HandoffStatus.RETURNED,
        ended_at=now,
        ended_by_id=staff_user_id,
        outcome=HandoffOutcome.HANDED_BACK,
    )
    view = get_handoff(session, handoff_id)
    if not done:
        _refuse(view, staff_user_id)
    _audit(session, agent, "handoff_handed_back", view, now)
    return view


def close_handoff(
    session: Session,
    handoff_id: int,
    *,
    staff_user_id: int,
    outcome: HandoffOutcome,
    now: dt.datetime,
) -> HandoffView:
    """End a handoff with an outcome: an active one by the agent holding it, a waiting one
    (the customer left, say) by any agent."""
    agent = _staff_user(session, staff_user_id)
    may_close = or_(
        Handoff.status == HandoffStatus.WAITING,
        and_(Handoff.status == HandoffStatus.ACTIVE, Handoff.claimed_by_id == staff_user_id),
    )
    done = _conditional_update(
        session,
        handoff_id,
        [may_close],
        status=HandoffStatus.CLOSED,
        ended_at=now,
        ended_by_id=staff_user_id,
        outcome=HandoffOutcome(outcome),
    )
    view = get_handoff(session, handoff_id)
    if not done:
        _refuse(view, staff_user_id)
    _audit(session, agent, "handoff_closed", view, now)
    return view


def _conditional_update(
    session: Session, handoff_id: int, conditions: list[ColumnElement[bool]], **values: Any
) -> bool:
    """One ``UPDATE ... WHERE id = ? AND <conditions>``; whether it changed the row.

    The database decides between concurrent callers: exactly one of them sees a row changed.
    """
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


def _refuse(view: HandoffView, staff_user_id: int, *, claiming: bool = False) -> NoReturn:
    """Raise the error that says why ``staff_user_id`` cannot act on the handoff as it is now."""
    if view.status in (HandoffStatus.RETURNED, HandoffStatus.CLOSED):
        raise HandoffNotOpen(f"handoff {view.handoff_id} is {view.status.value} already")
    if view.status == HandoffStatus.ACTIVE and view.claimed_by_id != staff_user_id:
        who = view.claimed_by_name or "another agent"
        if claiming:
            raise HandoffAlreadyClaimed(f"{who} has already claimed handoff {view.handoff_id}")
        raise HandoffNotYours(f"handoff {view.handoff_id} is handled by {who}")
    if view.status == HandoffStatus.WAITING and not claiming:
        raise HandoffNotYours(f"handoff {view.handoff_id} has not been claimed yet")
    raise HandoffError(f"handoff {view.handoff_id} ({view.status.value}) cannot be changed now")


def _staff_user(session: Session, staff_user_id: int) -> StaffUser:
    user = session.get(StaffUser, staff_user_id)
    if user is None:
        raise HandoffError(f"no staff user {staff_user_id}")
    return user


def _audit(
    session: Session, agent: StaffUser, action: str, view: HandoffView, now: dt.datetime
) -> None:
    audit.record(
        session,
        actor=f"staff:{agent.username}",
        action=action,
        entity_type=AUDIT_ENTITY,
        entity_id=view.handoff_id,
        details={
            "conversation_id": view.conversation_id,
            "status": view.status.value,
            "outcome": view.outcome.value if view.outcome else None,
        },
        now=now,
    )
