"""Staff console sessions: issued at login, looked up on every request, ended at logout.

The browser holds a random token; the database holds only its SHA-256, so reading the table
does not let anyone sign in. A session ends at ``expires_at`` or after ``idle`` unused, and at
once when its user is deactivated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from delivery.db.staff_models import StaffSession, StaffUser
from delivery.vocabulary import StaffRole

#: ``last_seen_at`` is written at most this often, so that reads do not each cost a write.
SEEN_RESOLUTION = dt.timedelta(minutes=1)
#: Longer values cannot be tokens this module issued; they are refused before hashing.
_MAX_TOKEN_LENGTH = 256


@dataclass(frozen=True)
class IssuedStaffSession:
    """What the login answer hands to the browser: the cookie's token and the CSRF token."""

    token: str
    csrf_token: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class StaffIdentity:
    """The signed-in person behind a request."""

    user_id: int
    username: str
    display_name: str
    role: StaffRole
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        return self.role is StaffRole.ADMIN


def token_hash(token: str) -> str:
    """The stored form of a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_staff_session(
    session: Session,
    user: StaffUser,
    *,
    now: dt.datetime,
    lifetime: dt.timedelta,
    idle: dt.timedelta,
) -> IssuedStaffSession:
    """A new session for ``user`` that lasts ``lifetime`` at most.

    ``idle`` is not stored: :func:`resolve_staff_session` checks it against ``last_seen_at``, so
    a changed setting applies to sessions already issued. It is taken here so that callers pass
    the session policy in one place.
    """
    token = secrets.token_urlsafe(32)
    row = StaffSession(
        token_hash=token_hash(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + lifetime,
        last_seen_at=now,
    )
    session.add(row)
    session.flush()
    return IssuedStaffSession(token=token, csrf_token=row.csrf_token, expires_at=row.expires_at)


def resolve_staff_session(
    session: Session, token: str | None, *, now: dt.datetime, idle: dt.timedelta
) -> StaffIdentity | None:
    """Who holds ``token``, or None when it is unknown, expired, idle too long or the user is
    inactive. Marks the session as seen (at most once a minute)."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    row = session.scalars(
        select(StaffSession)
        .options(joinedload(StaffSession.user))
        .where(StaffSession.token_hash == token_hash(token))
    ).one_or_none()
    if row is None:
        return None
    if now >= row.expires_at or now >= row.last_seen_at + idle or not row.user.active:
        return None
    if now - row.last_seen_at >= SEEN_RESOLUTION:
        row.last_seen_at = now
        session.flush()
    user = row.user
    return StaffIdentity(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        csrf_token=row.csrf_token,
    )


def end_staff_session(session: Session, token: str) -> None:
    """Forget the session of ``token`` (nothing happens for an unknown token)."""
    if token and len(token) <= _MAX_TOKEN_LENGTH:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash(token)))


def end_sessions_of(session: Session, user_id: int) -> int:
    """End every session of one user (after a password change); how many there were."""
    result = session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
    return int(result.rowcount)  # type: ignore[attr-defined]
