"""``python -m delivery staff add-user|set-password|list``: the staff console's accounts.

Passwords are asked for twice at a hidden prompt, or read from the first line of standard
input with ``--password-stdin`` (for scripts: ``echo "$PW" | python -m delivery staff ...``).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session

from delivery.clock import utcnow
from delivery.db.session import make_engine, make_session_factory, unit_of_work
from delivery.services.staff_accounts import (
    MIN_PASSWORD_LENGTH,
    StaffAccountError,
    create_staff_user,
    find_staff_user,
    list_staff_users,
    normalize_username,
    set_staff_password,
)
from delivery.settings import Settings
from delivery.vocabulary import StaffRole

EXIT_OK = 0
EXIT_REFUSED = 1


class _Refused(Exception):
    """Ends the command with an error message and exit status 1."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "staff",
        help="manage the staff console's accounts",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="staff_command", required=True)

    add = commands.add_parser("add-user", help="create a staff account")
    add.add_argument("username", help="3-32 characters of a-z, 0-9, '.', '_' and '-'")
    add.add_argument("--name", required=True, help="the name customers see, e.g. 'Maria Rossi'")
    add.add_argument(
        "--role",
        choices=[role.value for role in StaffRole],
        default=StaffRole.AGENT.value,
        help="admins may also edit the canned replies (default: agent)",
    )
    _password_option(add)
    add.set_defaults(handler=add_user_command)

    reset = commands.add_parser("set-password", help="set a staff account's password")
    reset.add_argument("username")
    _password_option(reset)
    reset.set_defaults(handler=set_password_command)

    commands.add_parser("list", help="list the staff accounts").set_defaults(handler=list_command)


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of a prompt",
    )


def add_user_command(args: argparse.Namespace, settings: Settings) -> int:
    def add(session: Session) -> str:
        if find_staff_user(session, args.username) is not None:  # before asking for a password
            raise _Refused(f"the username {normalize_username(args.username)!r} is taken")
        user = create_staff_user(
            session,
            username=args.username,
            display_name=args.name,
            password=_read_password(args.password_stdin),
            role=StaffRole(args.role),
            now=utcnow(),
        )
        return f"staff user {user.username!r} ({user.display_name}, {user.role.value}) created"

    return _run(settings, add)


def set_password_command(args: argparse.Namespace, settings: Settings) -> int:
    def reset(session: Session) -> str:
        if find_staff_user(session, args.username) is None:
            raise _Refused(f"no staff user {normalize_username(args.username)!r}")
        set_staff_password(
            session, username=args.username, password=_read_password(args.password_stdin)
        )
        return f"password of {normalize_username(args.username)!r} changed; its sessions ended"

    return _run(settings, reset)


def list_command(args: argparse.Namespace, settings: Settings) -> int:
    def show(session: Session) -> str:
        users = list_staff_users(session)
        if not users:
            return "no staff users yet (add one: python -m delivery staff add-user NAME --name ...)"
        lines = [f"{'username':<20} {'role':<6} {'active':<6} {'last login':<17} name"]
        for user in users:
            login = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "-"
            active = "yes" if user.active else "no"
            lines.append(
                f"{user.username:<20} {user.role.value:<6} {active:<6} {login:<17} "
                f"{user.display_name}"
            )
        return "\n".join(lines)

    return _run(settings, show)


def _run(settings: Settings, work: Callable[[Session], str]) -> int:
    """Do ``work`` in one unit of work; print its message, or the error and return 1."""
    engine = make_engine(settings.database_url)
    try:
        _require_schema(engine)
        with unit_of_work(make_session_factory(engine), writes=True) as session:
            message = work(session)
    except (_Refused, StaffAccountError) as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return EXIT_REFUSED
    finally:
        engine.dispose()
    print(message)
    return EXIT_OK


def _require_schema(engine: Engine) -> None:
    if not inspect(engine).has_table("staff_users"):
        raise _Refused("no staff tables yet; run `python -m delivery migrate` first")


def _read_password(from_stdin: bool) -> str:
    """The new password: stdin's first line, or typed twice at a hidden prompt."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise _Refused("--password-stdin: standard input is empty")
        return line.rstrip("\r\n")
    password = getpass.getpass(f"Password (at least {MIN_PASSWORD_LENGTH} characters): ")
    if getpass.getpass("The same password again: ") != password:
        raise _Refused("the two passwords differ; nothing changed")
    return password
