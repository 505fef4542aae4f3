"""Staff accounts: creating them, setting passwords and checking a login."""

from __future__ import annotations

import datetime as dt
import functools
import re

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from delivery.db.staff_models import StaffUser
from delivery.services.passwords import hash_password, verify_password
from delivery.services.staff_sessions import end_sessions_of
from delivery.vocabulary import StaffRole

MIN_PASSWORD_LENGTH = 10
#: Bound the work one login can cause (scrypt hashes whatever it is given).
MAX_PASSWORD_LENGTH = 1024
MAX_DISPLAY_NAME_LENGTH = 200
_USERNAME = re.compile(r"[a-z0-9._-]{3,32}")


class StaffAccountError(ValueError):
    """A username or password the rules refuse, or a username already taken."""


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the username is unknown, so that a wrong username takes as long as
    a wrong password and response times do not tell which usernames exist."""
    return hash_password("not-a-real-password")


def normalize_username(username: str) -> str:
    """The stored form of a username: trimmed and lowercase (not checked)."""
    return username.strip().lower()


def _valid_username(username: str) -> str:
    name = normalize_username(username)
    if not _USERNAME.fullmatch(name):
        raise StaffAccountError(
            "a username is 3-32 characters of letters, digits, '.', '_' and '-'"
        )
    return name


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffAccountError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise StaffAccountError(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    return password


def find_staff_user(session: Session, username: str) -> StaffUser | None:
    """The account with this username (any case, surrounding spaces ignored)."""
    return session.scalars(
        select(StaffUser).where(StaffUser.username == normalize_username(username))
    ).one_or_none()


def list_staff_users(session: Session) -> list[StaffUser]:
    """Every account, by username."""
    return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))


def any_staff_user(session: Session) -> bool:
    """Whether at least one account exists."""
    return bool(session.scalar(select(exists().where(StaffUser.id.is_not(None)))))


def create_staff_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    role: StaffRole = StaffRole.AGENT,
    now: dt.datetime,
) -> StaffUser:
    """A new active account; :class:`StaffAccountError` for bad input or a taken username."""
    name = _valid_username(username)
    shown = display_name.strip()
    if not shown or len(shown) > MAX_DISPLAY_NAME_LENGTH:
        raise StaffAccountError(
            f"a display name has 1-{MAX_DISPLAY_NAME_LENGTH} characters (customers see it)"
        )
    _checked_password(password)
    if find_staff_user(session, name) is not None:
        raise StaffAccountError(f"the username {name!r} is taken")
    user = StaffUser(
        username=name,
        display_name=shown,
        password_hash=hash_password(password),
        role=StaffRole(role),
        active=True,
        created_at=now,
    )
    try:
        with session.begin_nested():  # a concurrent create of the same name loses cleanly
            session.add(user)
    except IntegrityError as error:
        raise StaffAccountError(f"the username {name!r} is taken") from error
    return user


def set_staff_password(session: Session, *, username: str, password: str) -> None:
    """Replace an account's password and sign it out everywhere; :class:`StaffAccountError`
    if the account is unknown or the password too short."""
    user = find_staff_user(session, username)
    if user is None:
        raise StaffAccountError(f"no staff user {normalize_username(username)!r}")
    user.password_hash = hash_password(_checked_password(password))
    session.flush()
    # Whoever knew the old password may hold a session: it ends with the password.
    end_sessions_of(session, user.id)


def authenticate_staff(
    session: Session, *, username: str, password: str, now: dt.datetime
) -> StaffUser | None:
    """The active account these credentials belong to (and note the login), else None."""
    user = find_staff_user(session, username)
    if user is None or len(password) > MAX_PASSWORD_LENGTH:
        verify_password(password[:MAX_PASSWORD_LENGTH], _dummy_hash())
        return None
    if not verify_password(password, user.password_hash) or not user.active:
        return None
    user.last_login_at = now
    session.flush()
    return user
