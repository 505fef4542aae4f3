"""Handoffs: one open per conversation, queue places, claims that cannot collide, who may end."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from delivery.db.models import AuditEntry
from delivery.db.session import make_session_factory, unit_of_work
from delivery.db.staff_models import Handoff, StaffUser
from delivery.services import handoffs
from delivery.services.handoffs import (
    HandoffAlreadyClaimed,
    HandoffNotFound,
    HandoffNotOpen,
    HandoffNotYours,
    HandoffTicket,
    claim_handoff,
    close_handoff,
    ensure_handler,
    get_handoff,
    hand_back,
    open_handoff,
    request_handoff,
    staff_queue,
    typical_wait,
)
from delivery.vocabulary import Channel, HandoffOutcome, HandoffReason, HandoffStatus
from tests import factories
from tests.factories import NOW

MINUTE = dt.timedelta(minutes=1)
DEFAULT_WAIT = dt.timedelta(minutes=5)


def _request(
    session: Session,
    conversation_id: str = "web-abc",
    *,
    at: dt.datetime = NOW,
    reason: HandoffReason = HandoffReason.CUSTOMER_REQUEST,
    customer_id: int | None = None,
) -> HandoffTicket:
    return request_handoff(
        session,
        conversation_id=conversation_id,
        channel=Channel.WEB,
        reason=reason,
        customer_id=customer_id,
        now=at,
    )


def _agents(session: Session) -> tuple[StaffUser, StaffUser]:
    return (
        factories.staff_user(session, display_name="Maria"),
        factories.staff_user(session, display_name="Luca"),
    )


def _audit_actions(session: Session, handoff_id: int) -> list[str]:
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "handoff", AuditEntry.entity_id == handoff_id)
        .order_by(AuditEntry.id)
    )
    return [entry.action for entry in entries]


# --- requesting ------------------------------------------------------------------------------


def test_a_request_queues_the_conversation(session: Session) -> None:
    buyer = factories.customer(session, name="Ada Lovelace")
    ticket = request_handoff(
        session,
        conversation_id="tg-42",
        channel=Channel.TELEGRAM,
        reason=HandoffReason.LOCKOUT,
        customer_id=buyer.id,
        now=NOW,
        detail="locked out on order #100234",
    )
    assert (ticket.created, ticket.position, ticket.status) == (True, 1, HandoffStatus.WAITING)
    view = get_handoff(session, ticket.handoff_id)
    assert (view.conversation_id, view.channel, view.reason) == (
        "tg-42",
        Channel.TELEGRAM,
        HandoffReason.LOCKOUT,
    )
    assert (view.customer_id, view.customer_name) == (buyer.id, "Ada Lovelace")
    assert (view.requested_at, view.claimed_by_id, view.claimed_by_name) == (NOW, None, None)
    assert (view.ended_at, view.outcome, view.detail) == (None, None, "locked out on order #100234")
    assert view.is_open


def test_asking_twice_keeps_the_same_place(session: Session) -> None:
    first = _request(session, "web-a")
    _request(session, "web-b", at=NOW + MINUTE)
    again = _request(session, "web-a", at=NOW + 2 * MINUTE, reason=HandoffReason.UPSET)
    assert again == HandoffTicket(first.handoff_id, False, 1, HandoffStatus.WAITING)
    view = get_handoff(session, first.handoff_id)
    assert (view.reason, view.requested_at) == (HandoffReason.CUSTOMER_REQUEST, NOW)


def test_asking_again_adds_a_customer_verified_meanwhile(session: Session) -> None:
    buyer = factories.customer(session, name="Ada Lovelace")
    ticket = _request(session, "web-a")
    _request(session, "web-a", customer_id=buyer.id)
    assert get_handoff(session, ticket.handoff_id).customer_name == "Ada Lovelace"


def test_positions_follow_the_request_times(session: Session) -> None:
    tickets = [_request(session, f"web-{i}", at=NOW + i * MINUTE) for i in range(3)]
    assert [t.position for t in tickets] == [1, 2, 3]
    maria, _ = _agents(session)
    claim_handoff(session, tickets[0].handoff_id, staff_user_id=maria.id, now=NOW + 5 * MINUTE)
    assert _request(session, "web-2").position == 2
    active = _request(session, "web-0")
    assert (active.position, active.status, active.created) == (0, HandoffStatus.ACTIVE, False)


def test_requests_at_the_same_instant_still_get_distinct_places(session: Session) -> None:
    tickets = [_request(session, f"web-{i}") for i in range(3)]
    assert [t.position for t in tickets] == [1, 2, 3]


def test_after_a_handoff_ends_a_new_request_opens_a_new_one(session: Session) -> None:
    maria, _ = _agents(session)
    first = _request(session)
    claim_handoff(session, first.handoff_id, staff_user_id=maria.id, now=NOW)
    hand_back(session, first.handoff_id, staff_user_id=maria.id, now=NOW + MINUTE)
    second = _request(session, at=NOW + 2 * MINUTE)
    assert second.created and second.handoff_id != first.handoff_id
    assert second.position == 1


def test_the_database_refuses_two_open_handoffs_for_one_conversation(session: Session) -> None:
    factories.handoff(session, conversation_id="web-x", status=HandoffStatus.CLOSED)
    factories.handoff(session, conversation_id="web-x", status=HandoffStatus.RETURNED)
    factories.handoff(session, conversation_id="web-x", status=HandoffStatus.ACTIVE)
    with pytest.raises(IntegrityError), session.begin_nested():
        factories.handoff(session, conversation_id="web-x", status=HandoffStatus.WAITING)


def test_a_request_that_loses_the_insert_race_joins_the_winner(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner = factories.handoff(session, conversation_id="web-race")
    real_open_row = handoffs._open_row
    calls = iter([None])  # the first look finds nothing: the other request had not committed

    def open_row(session_: Session, conversation_id: str) -> Handoff | None:
        return next(calls, None) or real_open_row(session_, conversation_id)

    monkeypatch.setattr(handoffs, "_open_row", open_row)
    ticket = _request(session, "web-race")
    assert (ticket.handoff_id, ticket.created, ticket.position) == (winner.id, False, 1)
    count = session.scalars(select(Handoff).where(Handoff.conversation_id == "web-race")).all()
    assert len(count) == 1  # the losing insert was undone, the session goes on


# --- reading ---------------------------------------------------------------------------------


def test_open_handoff_finds_only_a_waiting_or_active_one(session: Session) -> None:
    assert open_handoff(session, "web-a") is None
    factories.handoff(session, conversation_id="web-a", status=HandoffStatus.CLOSED)
    assert open_handoff(session, "web-a") is None
    ticket = _request(session, "web-a")
    view = open_handoff(session, "web-a")
    assert view is not None and view.handoff_id == ticket.handoff_id


def test_an_unknown_handoff_is_not_found(session: Session) -> None:
    with pytest.raises(HandoffNotFound):
        get_handoff(session, 999_999)


def test_the_queue_lists_waiting_oldest_first_then_active(session: Session) -> None:
    maria, _ = _agents(session)
    late = _request(session, "web-late", at=NOW + 3 * MINUTE)
    early = _request(session, "web-early", at=NOW + MINUTE)
    taken = _request(session, "web-taken", at=NOW)
    ended = _request(session, "web-ended", at=NOW - MINUTE)
    claim_handoff(session, taken.handoff_id, staff_user_id=maria.id, now=NOW + 4 * MINUTE)
    close_handoff(
        session,
        ended.handoff_id,
        staff_user_id=maria.id,
        outcome=HandoffOutcome.NO_REPLY,
        now=NOW + 4 * MINUTE,
    )
    queue = staff_queue(session)
    assert [view.handoff_id for view in queue] == [
        early.handoff_id,
        late.handoff_id,
        taken.handoff_id,
    ]
    assert queue[-1].claimed_by_name == "Maria"


# --- claiming --------------------------------------------------------------------------------


def test_a_claim_makes_it_active_and_is_audited(session: Session) -> None:
    maria, _ = _agents(session)
    ticket = _request(session)
    view = claim_handoff(session, ticket.handoff_id, staff_user_id=maria.id, now=NOW + MINUTE)
    assert (view.status, view.claimed_by_id, view.claimed_by_name, view.claimed_at) == (
        HandoffStatus.ACTIVE,
        maria.id,
        "Maria",
        NOW + MINUTE,
    )
    assert get_handoff(session, ticket.handoff_id) == view
    assert _audit_actions(session, ticket.handoff_id) == ["handoff_claimed"]


def test_of_two_claims_the_second_loses(session: Session) -> None:
    maria, luca = _agents(session)
    ticket = _request(session)
    claim_handoff(session, ticket.handoff_id, staff_user_id=maria.id, now=NOW + MINUTE)
    with pytest.raises(HandoffAlreadyClaimed, match="Maria"):
        claim_handoff(session, ticket.handoff_id, staff_user_id=luca.id, now=NOW + MINUTE)
    view = get_handoff(session, ticket.handoff_id)
    assert (view.claimed_by_id, view.claimed_at) == (maria.id, NOW + MINUTE)
    assert _audit_actions(session, ticket.handoff_id) == ["handoff_claimed"]


def test_claiming_ones_own_handoff_again_is_harmless(session: Session) -> None:
    maria, _ = _agents(session)
    ticket = _request(session)
    first = claim_handoff(session, ticket.handoff_id, staff_user_id=maria.id, now=NOW)
    again = claim_handoff(session, ticket.handoff_id, staff_user_id=maria.id, now=NOW + MINUTE)
    assert again == first  # claimed_at unchanged
    assert _audit_actions(session, ticket.handoff_id) == ["handoff_claimed"]


def test_an_ended_or_unknown_handoff_cannot_be_claimed(session: Session) -> None:
    maria, luca = _agents(session)
    ticket = _request(session)
    claim_handoff(session, ticket.handoff_id, staff_user_id=maria.id, now=NOW)
    hand_back(session, ticket.handoff_id, staff_user_id=maria.id, now=NOW)
    with pytest.raises(HandoffNotOpen):
        claim_handoff(session, ticket.handoff_id, staff_user_id=luca.id, now=NOW)
    with pytest.raises(HandoffNotFound):
        claim_handoff(session, 999_999, staff_user_id=luca.id, now=NOW)


# --- holding, handing back, closing ----------------------------------------------------------


def test_only_the_holder_is_the_handler(session: Session) -> None:
    maria, luca = _agents(session)
    ticket = _request(session)
    with pytest.raises(HandoffNotYours, match="not been claimed"):
        ensure_handler(session, ticket.handoff_id, staff_user_id=maria.id)
    claim_handoff(session, ticket.handoff_id, staff_user_id=maria.id, now=NOW)
    assert ensure_handler(session, ticket.handoff_id, staff_user_id=maria.id).status == "active"
    with pytest.raises(HandoffNotYours, match="Maria"):
        ensure_handler(session, ticket.handoff_id, staff_user_id=luca.id)
    close_handoff(
        session,
        ticket.handoff_id,
        staff_user_id=maria.id,
        outcome=HandoffOutcome.RESOLVED,
        now=NOW,
    )
    with pytest.raises(HandoffNotOpen):
        ensure_handler(session, ticket.handoff_id, staff_user_id=maria.id)


def test_handing_back_returns_it_to_the_bot(session: Session) -> None:
    maria, luca = _agents(session)
    ticket = _request(session)
    with pytest.raises(HandoffNotYours):
        hand_back(session, ticket.handoff_id, staff_user_id=maria.id, now=NOW)
    claim_handoff(session, ticket.handoff_id, staff_user_id=maria.id, now=NOW)
    with pytest.raises(HandoffNotYours):
        hand_back(session, ticket.handoff_id, staff_user_id=luca.id, now=NOW)
    view = hand_back(session, ticket.handoff_id, staff_user_id=maria.id, now=NOW + MINUTE)
    assert (view.status, view.outcome, view.ended_at) == (
        HandoffStatus.RETURNED,
        HandoffOutcome.HANDED_BACK,
        NOW + MINUTE,
    )
    assert session.get(Handoff, ticket.handoff_id).ended_by_id == maria.id  # type: ignore[union-attr]
    assert not view.is_open
    assert open_handoff(session, "web-abc") is None
    with pytest.raises(HandoffNotOpen):
        hand_back(session, ticket.handoff_id, staff_user_id=maria.id, now=NOW)
    assert _audit_actions(session, ticket.handoff_id) == ["handoff_claimed", "handoff_handed_back"]


def test_any_agent_may_close_a_waiting_handoff(session: Session) -> None:
    _, luca = _agents(session)
    ticket = _request(session)
    view = close_handoff(
        session,
        ticket.handoff_id,
        staff_user_id=luca.id,
        outcome=HandoffOutcome.NO_REPLY,
        now=NOW + MINUTE,
    )
    assert (view.status, view.outcome, view.claimed_by_id) == (
        HandoffStatus.CLOSED,
        HandoffOutcome.NO_REPLY,
        None,
    )
    assert _audit_actions(session, ticket.handoff_id) == ["handoff_closed"]


def test_only_the_holder_may_close_an_active_handoff(session: Session) -> None:
    maria, luca = _agents(session)
    ticket = _request(session)
    claim_handoff(session, ticket.handoff_id, staff_user_id=maria.id, now=NOW)
    with pytest.raises(HandoffNotYours):
        close_handoff(
            session,
            ticket.handoff_id,
            staff_user_id=luca.id,
            outcome=HandoffOutcome.RESOLVED,
            now=NOW,
        )
    view = close_handoff(
        session,
        ticket.handoff_id,
        staff_user_id=maria.id,
        outcome=HandoffOutcome.RESOLVED,
        now=NOW + MINUTE,
    )
    assert (view.status, view.outcome, view.ended_at) == (
        HandoffStatus.CLOSED,
        HandoffOutcome.RESOLVED,
        NOW + MINUTE,
    )
    with pytest.raises(HandoffNotOpen):
        close_handoff(
            session,
            ticket.handoff_id,
            staff_user_id=maria.id,
            outcome=HandoffOutcome.RESOLVED,
            now=NOW,
        )


# --- the usual wait --------------------------------------------------------------------------


def _claimed(session: Session, *, waited_minutes: float, claimed_days_ago: float = 1) -> None:
    claimed_at = NOW - dt.timedelta(days=claimed_days_ago)
    factories.handoff(
        session,
        status=HandoffStatus.CLOSED,
        requested_at=claimed_at - dt.timedelta(minutes=waited_minutes),
        claimed_at=claimed_at,
    )


def test_without_recent_claims_the_wait_is_the_default(session: Session) -> None:
    factories.handoff(session, requested_at=NOW - dt.timedelta(hours=3))  # never claimed
    _claimed(session, waited_minutes=1, claimed_days_ago=8)  # too long ago
    assert typical_wait(session, now=NOW, default=DEFAULT_WAIT) == DEFAULT_WAIT


def test_the_wait_is_the_median_of_the_last_week(session: Session) -> None:
    for minutes in (2, 3, 60):
        _claimed(session, waited_minutes=minutes)
    _claimed(session, waited_minutes=500, claimed_days_ago=7.5)  # outside the week
    assert typical_wait(session, now=NOW, default=DEFAULT_WAIT) == dt.timedelta(minutes=3)
    _claimed(session, waited_minutes=4, claimed_days_ago=6.9)
    assert typical_wait(session, now=NOW, default=DEFAULT_WAIT) == dt.timedelta(minutes=3.5)


# --- real concurrency: two connections, committed rows ---------------------------------------


@dataclass
class _Committed:
    """Rows committed for a concurrency test, removed again afterwards."""

    factory: sessionmaker[Session]
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def conversation(self) -> str:
        return f"web-race-{self.tag}"

    def agents(self) -> tuple[int, int]:
        with unit_of_work(self.factory, writes=True) as session:
            maria = factories.staff_user(session, username=f"maria-{self.tag}")
            luca = factories.staff_user(session, username=f"luca-{self.tag}")
            return maria.id, luca.id

    def cleanup(self) -> None:
        with unit_of_work(self.factory, writes=True) as session:
            ids = select(Handoff.id).where(Handoff.conversation_id == self.conversation())
            session.execute(
                delete(AuditEntry).where(
                    AuditEntry.entity_type == "handoff", AuditEntry.entity_id.in_(ids)
                )
            )
            session.execute(delete(Handoff).where(Handoff.conversation_id == self.conversation()))
            session.execute(delete(StaffUser).where(StaffUser.username.endswith(self.tag)))


@pytest.fixture
def committed(engine: Engine) -> Iterator[_Committed]:
    rows = _Committed(make_session_factory(engine))
    yield rows
    rows.cleanup()


def _race(
    first: Callable[[Session], object],
    second: Callable[[Session], object],
    factory: sessionmaker[Session],
) -> list[object]:
    """Run ``first`` and ``second`` in two transactions: ``second`` starts once ``first`` has
    written and before it commits. Each result is a value or the exception raised."""
    written = threading.Event()
    results: list[object] = [None, None]

    def run(index: int, work: Callable[[Session], object]) -> None:
        try:
            if index == 1:
                written.wait(5)
            with unit_of_work(factory, writes=True) as session:
                results[index] = work(session)
                if index == 0:
                    written.set()
                    time.sleep(0.3)  # the other transaction now waits on our lock
        except Exception as error:
            results[index] = error
        finally:
            written.set()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_concurrent_claims_have_exactly_one_winner(committed: _Committed) -> None:
    maria, luca = committed.agents()
    with unit_of_work(committed.factory, writes=True) as session:
        handoff_id = _request(session, committed.conversation()).handoff_id

    def claim_as(agent: int) -> Callable[[Session], object]:
        return lambda session: claim_handoff(
            session, handoff_id, staff_user_id=agent, now=NOW + MINUTE
        )

    won, lost = _race(claim_as(maria), claim_as(luca), committed.factory)
    assert isinstance(won, handoffs.HandoffView) and won.claimed_by_id == maria
    assert isinstance(lost, HandoffAlreadyClaimed)
    with unit_of_work(committed.factory) as session:
        assert get_handoff(session, handoff_id).claimed_by_id == maria
        assert _audit_actions(session, handoff_id) == ["handoff_claimed"]


def test_concurrent_requests_share_one_handoff(committed: _Committed) -> None:
    def ask(session: Session) -> object:
        return _request(session, committed.conversation())

    first, second = _race(ask, ask, committed.factory)
    assert isinstance(first, HandoffTicket) and isinstance(second, HandoffTicket)
    assert first.handoff_id == second.handoff_id
    assert (first.created, second.created) == (True, False)
