"""The demo's staff side: a demo agent shown once, canned replies, nothing added twice."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from delivery.db.migrations import migrate
from delivery.db.session import make_engine
from delivery.demo.cli import register
from delivery.demo.staff import DEMO_CANNED_REPLIES, seed_demo_staff
from delivery.services.canned_replies import list_canned_replies
from delivery.services.staff_accounts import authenticate_staff, list_staff_users
from delivery.settings import Settings
from delivery.vocabulary import StaffRole
from tests import factories
from tests.factories import NOW

LOGIN_LINE = re.compile(
    r"^staff console login: agent / (\S+) \(shown once; change it with: "
    r"python -m delivery staff set-password agent\)$",
    re.MULTILINE,
)


def test_an_empty_database_gets_the_demo_agent_and_canned_replies(session: Session) -> None:
    added = seed_demo_staff(session, now=NOW)
    assert added.agent_password is not None and len(added.agent_password) >= 10
    [agent] = list_staff_users(session)
    assert (agent.username, agent.display_name, agent.role) == (
        "agent",
        "Alex (demo agent)",
        StaffRole.ADMIN,
    )
    assert authenticate_staff(session, username="agent", password=added.agent_password, now=NOW)
    assert added.canned_replies == len(DEMO_CANNED_REPLIES) == len(list_canned_replies(session))
    assert 4 <= len(DEMO_CANNED_REPLIES) <= 6
    line = added.login_line()
    assert line is not None
    match = LOGIN_LINE.fullmatch(line)
    assert match is not None and match.group(1) == added.agent_password


def test_existing_staff_and_replies_are_kept(session: Session) -> None:
    factories.staff_user(session, username="maria")
    factories.canned_reply(session, title="Our own reply")
    added = seed_demo_staff(session, now=NOW)
    assert (added.agent_password, added.canned_replies, added.login_line()) == (None, 0, None)
    assert [u.username for u in list_staff_users(session)] == ["maria"]
    assert [r.title for r in list_canned_replies(session)] == ["Our own reply"]


def test_canned_replies_fit_the_limits() -> None:
    for title, text in DEMO_CANNED_REPLIES:
        assert 0 < len(title) <= 80 and 0 < len(text) <= 1000
        assert "{" not in text and "<" not in text  # nothing to fill in before sending


def _seed(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["seed-demo", *argv])
    return int(args.handler(args, settings))


def test_seed_demo_prints_the_login_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrate(url)
    settings = Settings(DATABASE_URL=url)
    assert _seed(settings, "--if-empty", "--customers", "8", "--orders", "8") == 0
    out = capsys.readouterr().out
    match = LOGIN_LINE.search(out)
    assert match is not None
    assert f"added {len(DEMO_CANNED_REPLIES)} canned replies" in out
    assert _seed(settings, "--if-empty") == 0
    again = capsys.readouterr().out
    assert "already has orders" in again
    assert "staff console login" not in again and "canned replies" not in again
    engine = make_engine(url)
    with Session(engine) as session:
        assert authenticate_staff(session, username="agent", password=match.group(1), now=NOW)
    engine.dispose()


def test_a_database_seeded_before_the_console_gets_its_login(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url)
    settings = Settings(DATABASE_URL=url)
    _seed(settings, "--customers", "8", "--orders", "8")
    engine = make_engine(url)
    with engine.begin() as connection:  # as if the orders were there before the staff tables
        connection.exec_driver_sql("DELETE FROM staff_users")
        connection.exec_driver_sql("DELETE FROM canned_replies")
    engine.dispose()
    capsys.readouterr()
    assert _seed(settings, "--if-empty") == 0
    assert LOGIN_LINE.search(capsys.readouterr().out)
