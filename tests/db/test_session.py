"""Units of work on SQLite: writers that read first do not fail when others write meanwhile."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from delivery.db.session import make_engine, make_session_factory, unit_of_work

WRITERS = 4


def _read_then_write(path: Path, *, writes: bool) -> list[Exception]:
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS visits (n INTEGER)")
    factory = make_session_factory(engine)
    errors: list[Exception] = []

    def work() -> None:
        try:
            with unit_of_work(factory, writes=writes) as session:
                session.execute(text("SELECT count(*) FROM visits")).scalar()
                time.sleep(0.1)  # others write meanwhile
                session.execute(text("INSERT INTO visits VALUES (1)"))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    return errors


def test_writers_take_the_lock_up_front_and_all_succeed(tmp_path: Path) -> None:
    assert _read_then_write(tmp_path / "w.db", writes=True) == []


def test_without_it_sqlite_refuses_all_but_one(tmp_path: Path) -> None:
    # Why `writes=True` exists: deferred transactions that read, then write, collide at once.
    errors = _read_then_write(tmp_path / "r.db", writes=False)
    assert errors
    assert all("database is locked" in str(e) for e in errors)
