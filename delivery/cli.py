"""The admin command line: ``python -m delivery <command>``.

Commands: ``migrate`` (schema to the newest migration), ``seed-demo`` (demo data when the
database is empty), ``import`` (a shop's order file), ``staff`` (the staff console's logins)
and ``carriers poll`` (ask the carriers for news, queue overdue delay notices).
Each subcommand lives beside the code it drives and registers itself here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from delivery.db.migrations import migrate
from delivery.settings import Settings, load_settings


def _migrate_command(args: argparse.Namespace, settings: Settings) -> int:
    migrate(settings.database_url)
    print("database schema is up to date")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from delivery.carriers.cli import register as register_carriers
    from delivery.demo.cli import register as register_demo
    from delivery.importer.cli import register as register_import
    from delivery.staff.cli import register as register_staff

    parser = argparse.ArgumentParser(prog="python -m delivery", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply the schema migrations").set_defaults(
        handler=_migrate_command
    )
    register_demo(commands)
    register_import(commands)
    register_staff(commands)
    register_carriers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = load_settings()
    return int(args.handler(args, settings))


if __name__ == "__main__":
    sys.exit(main())
