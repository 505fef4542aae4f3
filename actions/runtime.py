"""What actions need from the outside world: settings, a session factory and a clock.

The rasa-sdk executor creates every action with no arguments, so actions fall back to one
process-wide runtime built on first use (never at import). Tests pass their own.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

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


@functools.cache
def default_runtime() -> Runtime:
    """The action server's runtime: settings from the environment, one engine per process."""
    settings = load_settings()
    return Runtime(
        settings=settings, sessions=make_session_factory(make_engine(settings.database_url))
    )
