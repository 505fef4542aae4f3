"""What actions need from the outside world: settings, a session factory, a clock and the
carriers (to refresh a parcel's tracking while the customer waits).

The rasa-sdk executor creates every action with no arguments, so actions fall back to one
process-wide runtime built on first use (never at import). Tests pass their own.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from delivery.carriers.on_demand import TrackingRefresh
from delivery.clock import utcnow
from delivery.db.session import make_engine, make_session_factory
from delivery.settings import Settings, load_settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: Callable[[], dt.datetime] = utcnow
    # Database work runs in a worker thread so the action server's event loop never blocks;
    # tests that share one connection with the action turn it off.
    threaded: bool = True
    # Asks the carriers about an order's parcels before "where is my order?" is answered; None:
    # answer from the database as it is (tests that do not test the refresh).
    tracking_refresh: TrackingRefresh | None = None


@functools.cache
def default_runtime() -> Runtime:
    """The action server's runtime: settings from the environment, one engine per process,
    the carriers' adapters in their fast mode (docs/carriers-design.md)."""
    settings = load_settings()
    return Runtime(
        settings=settings,
        sessions=make_session_factory(make_engine(settings.database_url)),
        tracking_refresh=TrackingRefresh.from_settings(settings),
    )
