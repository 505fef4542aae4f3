"""A committed database for tests of code that owns its unit of work (the CLI)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.importer.documents import wipe


@pytest.fixture
def database_url(engine: Engine) -> Iterator[str]:
    """The URL of the test database, emptied before and after the test."""
    wipe(engine)
    yield engine.url.render_as_string(hide_password=False)
    wipe(engine)
