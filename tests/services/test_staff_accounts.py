"""Staff accounts: normalised usernames, password rules, logins that reveal nothing."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.db.staff_models import StaffSession
from delivery.services import staff_accounts
from delivery.services.passwords import verify_password
from delivery.services.staff_accounts import (
    StaffAccountError,
    authenticate_staff,
    create_staff_user,
    find_staff_user,
    list_staff_users,
    set_staff_password,
)
from delivery.services.staff_sessions import start_staff_session
from delivery.vocabulary import StaffRole
from tests import factories
from tests.factories import NOW, STAFF_PASSWORD

PASSWORD = "a long enough password"
HOUR = dt.timedelta(hours=1)


def test_a_new_user_is_an_active_agent_with_a_hashed_password(session: Session) -> None:
    user = create_staff_user(
        session, username="maria", display_name="Maria Rossi", password=PASSWORD, now=NOW
    )
    assert (user.username, user.display_name, user.role, user.active) == (
        "maria",
        "Maria Rossi",
        StaffRole.AGENT,
        True,
    )
    assert user.created_at == NOW
    assert user.last_login_at is None
    assert PASSWORD not in user.password_hash
    assert verify_password(PASSWORD, user.password_hash)


def test_usernames_are_trimmed_and_lowercased(session: Session) -> None:
    user = create_staff_user(
        session,
        username="  Maria.Rossi_2 ",
        display_name=" Maria ",
        password=PASSWORD,
        role=StaffRole.ADMIN,
        now=NOW,
    )
    assert (user.username, user.display_name, user.role) == ("maria.rossi_2", "Maria", "admin")
    assert find_staff_user(session, "MARIA.ROSSI_2") is user


@pytest.mark.parametrize("username", ["ab", "x" * 33, "maria rossi", "maria@shop", "märia", ""])
def test_bad_usernames_are_refused(session: Session, username: str) -> None:
    with pytest.raises(StaffAccountError, match="username"):
        create_staff_user(
            session, username=username, display_name="Maria", password=PASSWORD, now=NOW
        )


def test_a_taken_username_is_refused_in_any_case(session: Session) -> None:
    create_staff_user(session, username="maria", display_name="M", password=PASSWORD, now=NOW)
    with pytest.raises(StaffAccountError, match="taken"):
        create_staff_user(session, username="MARIA", display_name="M", password=PASSWORD, now=NOW)
    assert len(list_staff_users(session)) == 1


def test_a_username_taken_meanwhile_is_refused_too(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process creates "maria" between the check and the insert: the unique index decides.
    create_staff_user(session, username="maria", display_name="M", password=PASSWORD, now=NOW)
    monkeypatch.setattr(staff_accounts, "find_staff_user", lambda *_: None)
    with pytest.raises(StaffAccountError, match="taken"):
        create_staff_user(session, username="maria", display_name="M", password=PASSWORD, now=NOW)
    assert [u.username for u in list_staff_users(session)] == ["maria"]  # the session still works


def test_passwords_under_ten_characters_are_refused(session: Session) -> None:
    with pytest.raises(StaffAccountError, match="at least 10"):
        create_staff_user(
            session, username="maria", display_name="M", password="123456789", now=NOW
        )
    create_staff_user(session, username="maria", display_name="M", password="1234567890", now=NOW)


def test_an_empty_display_name_is_refused(session: Session) -> None:
    with pytest.raises(StaffAccountError, match="display name"):
        create_staff_user(session, username="maria", display_name="  ", password=PASSWORD, now=NOW)


def test_listed_by_username(session: Session) -> None:
    for name in ("zoe", "adam", "maria"):
        factories.staff_user(session, username=name)
    assert [u.username for u in list_staff_users(session)] == ["adam", "maria", "zoe"]


def test_authenticate_with_the_right_password_notes_the_login(session: Session) -> None:
    user = factories.staff_user(session, username="maria")
    found = authenticate_staff(session, username=" Maria ", password=STAFF_PASSWORD, now=NOW)
    assert found is user
    assert user.last_login_at == NOW


def test_authenticate_refuses_a_wrong_password_an_unknown_user_and_an_inactive_one(
    session: Session,
) -> None:
    user = factories.staff_user(session, username="maria")
    factories.staff_user(session, username="gone", active=False)
    assert authenticate_staff(session, username="maria", password="wrong password", now=NOW) is None
    assert authenticate_staff(session, username="nobody", password=STAFF_PASSWORD, now=NOW) is None
    assert authenticate_staff(session, username="gone", password=STAFF_PASSWORD, now=NOW) is None
    assert user.last_login_at is None


def test_an_unknown_username_still_costs_a_hash(session: Session) -> None:
    # Otherwise the answer's speed would tell which usernames exist.
    with mock.patch.object(
        staff_accounts, "verify_password", wraps=staff_accounts.verify_password
    ) as verify:
        assert authenticate_staff(session, username="nobody", password="guess", now=NOW) is None
    verify.assert_called_once()


def test_set_password_replaces_it_and_ends_the_sessions(session: Session) -> None:
    user = factories.staff_user(session, username="maria")
    start_staff_session(session, user, now=NOW, lifetime=HOUR, idle=HOUR)
    set_staff_password(session, username="MARIA", password="a brand new password")
    assert authenticate_staff(session, username="maria", password=STAFF_PASSWORD, now=NOW) is None
    assert (
        authenticate_staff(session, username="maria", password="a brand new password", now=NOW)
        is user
    )
    assert session.scalars(select(StaffSession).where(StaffSession.user_id == user.id)).all() == []


def test_set_password_refuses_an_unknown_user_and_a_short_password(session: Session) -> None:
    factories.staff_user(session, username="maria")
    with pytest.raises(StaffAccountError, match="no staff user"):
        set_staff_password(session, username="nobody", password=PASSWORD)
    with pytest.raises(StaffAccountError, match="at least 10"):
        set_staff_password(session, username="maria", password="short")
