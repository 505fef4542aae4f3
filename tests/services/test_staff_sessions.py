"""Staff sessions: only the token's hash is stored; expiry, idleness and deactivation end them."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.db.staff_models import StaffSession
from delivery.services.staff_sessions import (
    IssuedStaffSession,
    StaffIdentity,
    end_staff_session,
    resolve_staff_session,
    start_staff_session,
)
from delivery.vocabulary import StaffRole
from tests import factories
from tests.factories import NOW

LIFETIME = dt.timedelta(hours=12)
IDLE = dt.timedelta(minutes=60)
MINUTE = dt.timedelta(minutes=1)


def _start(session: Session, **user: object) -> IssuedStaffSession:
    agent = factories.staff_user(session, **user)
    return start_staff_session(session, agent, now=NOW, lifetime=LIFETIME, idle=IDLE)


def _row(session: Session) -> StaffSession:
    return session.scalars(select(StaffSession)).one()


def test_the_token_is_never_stored_only_its_sha256(session: Session) -> None:
    issued = _start(session)
    row = _row(session)
    assert len(issued.token) >= 40
    assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in (row.token_hash, row.csrf_token)
    assert row.csrf_token == issued.csrf_token
    assert issued.expires_at == NOW + LIFETIME


def test_every_session_gets_its_own_tokens(session: Session) -> None:
    agent = factories.staff_user(session)
    first = start_staff_session(session, agent, now=NOW, lifetime=LIFETIME, idle=IDLE)
    second = start_staff_session(session, agent, now=NOW, lifetime=LIFETIME, idle=IDLE)
    assert first.token != second.token
    assert first.csrf_token != second.csrf_token


def test_a_token_resolves_to_its_user(session: Session) -> None:
    agent = factories.staff_user(session, display_name="Maria Rossi", role=StaffRole.ADMIN)
    issued = start_staff_session(session, agent, now=NOW, lifetime=LIFETIME, idle=IDLE)
    identity = resolve_staff_session(session, issued.token, now=NOW + MINUTE, idle=IDLE)
    assert identity == StaffIdentity(
        user_id=agent.id,
        username=agent.username,
        display_name="Maria Rossi",
        role=StaffRole.ADMIN,
        csrf_token=issued.csrf_token,
    )
    assert identity.is_admin


def test_unknown_missing_or_absurd_tokens_resolve_to_nobody(session: Session) -> None:
    issued = _start(session)
    for token in (None, "", "not-a-token", issued.token + "x", "x" * 10_000):
        assert resolve_staff_session(session, token, now=NOW, idle=IDLE) is None
    row = _row(session)
    # The stored hash itself is not a token either.
    assert resolve_staff_session(session, row.token_hash, now=NOW, idle=IDLE) is None


def test_a_session_ends_at_its_lifetime_even_when_used(session: Session) -> None:
    issued = _start(session)
    at = NOW
    while at + 30 * MINUTE < NOW + LIFETIME:  # used every half hour, never idle
        at += 30 * MINUTE
        assert resolve_staff_session(session, issued.token, now=at, idle=IDLE) is not None
    assert resolve_staff_session(session, issued.token, now=NOW + LIFETIME, idle=IDLE) is None


def test_a_session_unused_for_the_idle_time_ends(session: Session) -> None:
    issued = _start(session)
    seen = NOW + IDLE - MINUTE
    assert resolve_staff_session(session, issued.token, now=seen, idle=IDLE)  # restarts the clock
    seen_again = seen + IDLE - MINUTE
    assert resolve_staff_session(session, issued.token, now=seen_again, idle=IDLE)
    assert resolve_staff_session(session, issued.token, now=seen_again + IDLE, idle=IDLE) is None


def test_last_seen_is_written_at_most_once_a_minute(session: Session) -> None:
    issued = _start(session)
    resolve_staff_session(session, issued.token, now=NOW + dt.timedelta(seconds=30), idle=IDLE)
    assert _row(session).last_seen_at == NOW
    resolve_staff_session(session, issued.token, now=NOW + 2 * MINUTE, idle=IDLE)
    assert _row(session).last_seen_at == NOW + 2 * MINUTE


def test_a_deactivated_user_is_signed_out(session: Session) -> None:
    agent = factories.staff_user(session)
    issued = start_staff_session(session, agent, now=NOW, lifetime=LIFETIME, idle=IDLE)
    agent.active = False
    session.flush()
    assert resolve_staff_session(session, issued.token, now=NOW, idle=IDLE) is None


def test_ending_a_session_forgets_it_and_only_it(session: Session) -> None:
    agent = factories.staff_user(session)
    mine = start_staff_session(session, agent, now=NOW, lifetime=LIFETIME, idle=IDLE)
    other = start_staff_session(session, agent, now=NOW, lifetime=LIFETIME, idle=IDLE)
    end_staff_session(session, mine.token)
    end_staff_session(session, "unknown-token")  # harmless
    assert resolve_staff_session(session, mine.token, now=NOW, idle=IDLE) is None
    assert resolve_staff_session(session, other.token, now=NOW, idle=IDLE) is not None
