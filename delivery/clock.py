"""The current time, always UTC-aware. Services take ``now`` as a parameter so tests pin it."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
