"""``python -m delivery carriers poll``: one round against the demo carrier service (``--once``),
rounds until a signal stops them, and a clear refusal without a schema."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.carriers.cli import StopSignal, run_rounds
from delivery.cli import main
from delivery.clock import utcnow
from delivery.db.migrations import migrate
from delivery.db.models import Shipment, TrackingCheck
from delivery.db.notification_models import Notification
from delivery.db.session import make_engine
from delivery.settings import PROJECT_ROOT
from delivery.vocabulary import ShipmentStatus as S
from democarrier.app import create_app
from tests import factories
from tests.democarrier.conftest import CARRIER_ENV, serve_in_thread, settings, small_world, still
from tests.factories import NOW


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'poll.db'}"
    migrate(url)
    monkeypatch.setenv("DATABASE_URL", url)
    for name in ("SWIFT_API_URL", "BOREAL_API_URL"):
        monkeypatch.delenv(name, raising=False)
    return url


@pytest.fixture
def demo_service(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The demo carrier service, and the environment that points the command at it."""
    app = create_app(settings(), still(), world=small_world(), clock=lambda: NOW)
    with serve_in_thread(app) as url:
        for name, value in CARRIER_ENV.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("SWIFT_API_URL", f"{url}/swift")
        monkeypatch.setenv("BOREAL_API_URL", f"{url}/boreal")
        yield url


def test_once_asks_the_carriers_and_queues_overdue_notices(
    database_url: str, demo_service: str, caplog: pytest.LogCaptureFixture
) -> None:
    today = utcnow().date()  # the command runs on the real clock
    engine = make_engine(database_url)
    with Session(engine) as session:
        swift = factories.carrier(session, code="swift", name="Swift Parcels")
        veloce = factories.carrier(session, code="veloce", name="Corriere Veloce")  # no adapter
        moving = factories.shipment(
            session,
            factories.order(session),
            carrier_=swift,
            tracking_number="SP2",
            status=S.INFO_RECEIVED,
            promised_date=today + dt.timedelta(days=2),
        )
        late = factories.shipment(
            session,
            factories.order(session),
            carrier_=veloce,
            tracking_number="CV1",
            promised_date=today - dt.timedelta(days=1),
            eta_date=None,
        )
        session.commit()
        ids = moving.id, late.id

    caplog.set_level(logging.INFO)
    assert main(["carriers", "poll", "--once"]) == 0

    assert "carriers boreal, swift; at most 50 parcels a round" in caplog.text
    assert "round 1: carriers: asked 1 (swift 1), 1 changed, 0 notifications queued" in caplog.text
    assert "round 1: overdue: 1 delay notice queued" in caplog.text
    with Session(engine) as session:
        moving_now = session.get(Shipment, ids[0])
        assert moving_now is not None and moving_now.status is S.IN_TRANSIT
        check = session.get(TrackingCheck, ids[0])
        assert check is not None and check.refreshed_at == check.checked_at
        keys = session.scalars(select(Notification.dedup_key)).all()
        assert keys == [f"{ids[1]}:delayed:overdue-{today - dt.timedelta(days=1)}"]
    engine.dispose()


def test_without_a_schema_it_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["carriers", "poll", "--once"]) == 1
    assert "run `python -m delivery migrate` first" in caplog.text


def test_every_must_be_a_positive_number_of_seconds(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["carriers", "poll", "--every", "0"])
    assert "must be more than 0 seconds" in capsys.readouterr().err


def test_rounds_run_every_so_often_until_stopped() -> None:
    stop = threading.Event()
    seconds = [0.0]
    started: list[float] = []

    def one_round() -> None:
        started.append(seconds[0])
        seconds[0] += 2.0  # a round takes two seconds
        if len(started) == 3:
            stop.set()

    waits: list[float] = []
    original_wait = stop.wait

    def wait(timeout: float | None = None) -> bool:
        waits.append(timeout or 0.0)
        seconds[0] += timeout or 0.0
        return original_wait(0)

    stop.wait = wait  # type: ignore[method-assign]
    assert run_rounds(one_round, every=5.0, stop=stop, monotonic=lambda: seconds[0]) == 0
    assert started == [0.0, 5.0, 10.0]  # start to start
    assert waits == [3.0, 3.0, 3.0]


def test_a_second_signal_stops_at_once() -> None:
    stop = StopSignal()
    stop._handle(signal.SIGTERM, None)
    assert stop.event.is_set()
    with pytest.raises(KeyboardInterrupt):
        stop._handle(signal.SIGINT, None)


@pytest.mark.slow
def test_sigterm_stops_the_process_between_rounds(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "delivery", "carriers", "poll", "--every", "0.2"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "round 2: overdue" in line:
                break
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    output = "".join(lines) + out
    assert process.returncode == 0, output
    assert "SIGTERM received: stopping after this round" in output
    assert "carrier poller stopped after" in output
    assert "Traceback" not in output
