"""Running the Alembic migrations from code (the CLI, the tests, the checks and the benchmarks)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from delivery.settings import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    """The project's Alembic configuration, aimed at ``database_url``, logging left alone."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def migrate(database_url: str) -> None:
    """Bring the database to the newest schema (creates an SQLite file that does not exist)."""
    command.upgrade(alembic_config(database_url), "head")
