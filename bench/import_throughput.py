"""Measure an import of a large synthetic file (not a test; run it by hand).

    .venv/bin/python bench/import_throughput.py --orders 100000 [--database-url URL]

Without a URL it uses a fresh SQLite file in a temporary folder. It imports the file, then
imports it again (every order unchanged, the update path), and prints the time of each pass
and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from delivery.db.migrations import migrate
from delivery.db.session import make_engine, make_session_factory, unit_of_work
from delivery.importer import ImportReport, import_orders
from delivery.importer.synthetic import write_synthetic_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--database-url", help="a migrated, empty database (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'measure.db'}"
        if not args.database_url:
            migrate(url)
        path = Path(folder) / "orders.json"
        with path.open("wb") as file:
            write_synthetic_file(file, args.orders)
        print(f"{args.orders} orders, {path.stat().st_size / 1e6:.0f} MB, {url.split(':')[0]}")
        engine = make_engine(url)
        factory = make_session_factory(engine)
        for label in ("first import", "re-import"):
            started = time.perf_counter()
            with path.open("rb") as file, unit_of_work(factory) as session:
                report: ImportReport = import_orders(file, session)
            seconds = time.perf_counter() - started
            orders = report.tally("orders")
            print(
                f"{label}: {seconds:.1f} s ({args.orders / seconds:.0f} orders/s), "
                f"orders created {orders.created}, unchanged {orders.unchanged}"
            )
        engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
