"""``python -m delivery import FILE [--dry-run]``: validate and load a shop's order file.

Exit status: 0 imported (or valid, on a dry run), 1 rejected (every error printed as
``path: message``; nothing written), 2 the file cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from delivery.db.session import make_engine, make_session_factory, unit_of_work
from delivery.importer.errors import ImportRejected
from delivery.importer.pipeline import import_orders
from delivery.importer.progress import ImportProgress
from delivery.settings import Settings

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_NO_FILE = 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "import",
        help="validate and import a shop's order file (docs/import-format.md)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, help="the JSON order file")
    parser.add_argument(
        "--dry-run", action="store_true", help="only validate the file; write nothing"
    )
    parser.set_defaults(handler=run_import)


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    path: Path = args.file
    try:
        stream = path.open("rb")
    except OSError as exc:
        print(f"cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_NO_FILE
    engine = make_engine(settings.database_url)
    try:
        with stream, unit_of_work(make_session_factory(engine), writes=True) as session:
            report = import_orders(
                stream, session, dry_run=args.dry_run, on_progress=_print_progress
            )
    except ImportRejected as rejected:
        for line in rejected.lines():
            print(line, file=sys.stderr)
        print(
            f"{path}: rejected with {rejected.error_count} error(s); nothing was imported",
            file=sys.stderr,
        )
        return EXIT_REJECTED
    finally:
        engine.dispose()
    print("\n".join(report.summary_lines()))
    return EXIT_OK


def _print_progress(progress: ImportProgress) -> None:
    print(progress, file=sys.stderr, flush=True)
