"""``python -m delivery staff ...``: accounts from the command line, passwords never echoed."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from delivery.cli import main
from delivery.clock import utcnow
from delivery.db.migrations import migrate
from delivery.db.session import make_engine
from delivery.services.staff_accounts import authenticate_staff, find_staff_user
from delivery.vocabulary import StaffRole

PASSWORD = "a long enough password"


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'staff.db'}"
    migrate(url)
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Session]:
    """A look at the database the commands wrote (fresh for each read)."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def _typed(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    """Answer the hidden prompts with ``answers``; returns the prompts shown."""
    prompts: list[str] = []
    replies = iter(answers)

    def getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(replies)

    monkeypatch.setattr("getpass.getpass", getpass)
    return prompts


def _can_log_in(db: Session, username: str, password: str) -> bool:
    db.expire_all()
    user = authenticate_staff(db, username=username, password=password, now=utcnow())
    db.rollback()
    return user is not None


def test_add_user_with_a_prompted_password(
    db: Session, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = _typed(monkeypatch, PASSWORD, PASSWORD)
    assert main(["staff", "add-user", "Maria", "--name", "Maria Rossi", "--role", "admin"]) == 0
    assert len(prompts) == 2
    out = capsys.readouterr().out
    assert "'maria' (Maria Rossi, admin) created" in out
    assert PASSWORD not in out
    user = find_staff_user(db, "maria")
    assert user is not None and (user.display_name, user.role) == ("Maria Rossi", StaffRole.ADMIN)
    assert _can_log_in(db, "maria", PASSWORD)


def test_add_user_is_an_agent_by_default_and_reads_stdin(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, PASSWORD + "\n")
    assert main(["staff", "add-user", "luca", "--name", "Luca", "--password-stdin"]) == 0
    user = find_staff_user(db, "luca")
    assert user is not None and user.role is StaffRole.AGENT
    assert _can_log_in(db, "luca", PASSWORD)


def test_prompted_passwords_must_match(
    db: Session, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _typed(monkeypatch, PASSWORD, PASSWORD + "x")
    assert main(["staff", "add-user", "maria", "--name", "Maria"]) == 1
    assert "differ" in capsys.readouterr().err
    assert find_staff_user(db, "maria") is None


def test_a_short_password_is_refused(
    db: Session, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, "short\n")
    assert main(["staff", "add-user", "maria", "--name", "Maria", "--password-stdin"]) == 1
    assert "at least 10" in capsys.readouterr().err
    assert find_staff_user(db, "maria") is None


def test_a_taken_username_is_refused_before_asking_for_a_password(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, PASSWORD + "\n")
    main(["staff", "add-user", "maria", "--name", "Maria", "--password-stdin"])
    prompts = _typed(monkeypatch)
    assert main(["staff", "add-user", "MARIA", "--name", "Another Maria"]) == 1
    assert prompts == []
    assert "taken" in capsys.readouterr().err


def test_a_bad_username_is_refused(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, PASSWORD + "\n")
    assert main(["staff", "add-user", "a b", "--name", "Maria", "--password-stdin"]) == 1
    assert "username" in capsys.readouterr().err


def test_set_password(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, PASSWORD + "\n")
    main(["staff", "add-user", "maria", "--name", "Maria", "--password-stdin"])
    _typed(monkeypatch, "another long password", "another long password")
    assert main(["staff", "set-password", "maria"]) == 0
    assert _can_log_in(db, "maria", "another long password")
    assert not _can_log_in(db, "maria", PASSWORD)


def test_set_password_of_an_unknown_user(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = _typed(monkeypatch)
    assert main(["staff", "set-password", "nobody"]) == 1
    assert prompts == []
    assert "no staff user 'nobody'" in capsys.readouterr().err


def test_an_empty_stdin_is_refused(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, "")
    assert main(["staff", "add-user", "maria", "--name", "Maria", "--password-stdin"]) == 1
    assert "standard input is empty" in capsys.readouterr().err


def test_list(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["staff", "list"]) == 0
    assert "no staff users yet" in capsys.readouterr().out
    for name, role in (("zoe", "agent"), ("adam", "admin")):
        _stdin(monkeypatch, PASSWORD + "\n")
        main(
            ["staff", "add-user", name, "--name", name.title(), "--role", role, "--password-stdin"]
        )
    capsys.readouterr()
    assert main(["staff", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["username", "role", "active", "last", "login", "name"]
    assert [line.split()[:3] for line in lines[1:]] == [
        ["adam", "admin", "yes"],
        ["zoe", "agent", "yes"],
    ]


def test_asks_for_the_schema_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bare.db'}")
    assert main(["staff", "list"]) == 1
    assert "migrate" in capsys.readouterr().err


def test_a_subcommand_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["staff"])
    assert "add-user" in capsys.readouterr().err
