"""The one typed settings object, read once from the environment.

Every process (gateway, action server, CLI) calls :func:`load_settings` at its composition root
and passes the result (or the parts it needs) into factories. Nothing reads ``os.environ``
elsewhere, and nothing reads settings at import time.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'delivery.db'}"


class Settings(BaseSettings):
    """Configuration of the whole assistant; see docs/configuration.md for each variable."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="DATABASE_URL")

    # Ports of the three processes `make run` starts.
    gateway_host: str = Field(default="127.0.0.1", alias="GATEWAY_HOST")
    gateway_port: int = Field(default=8000, alias="GATEWAY_PORT")
    rasa_url: str = Field(default="http://127.0.0.1:5005", alias="RASA_URL")
    # Token of Rasa's HTTP API (pause/resume conversations, trigger intents).
    rasa_token: SecretStr | None = Field(default=None, alias="RASA_TOKEN")
    action_server_port: int = Field(default=5055, alias="ACTION_SERVER_PORT")

    # Bearer token for the order import API; the endpoint is off while it is unset.
    import_api_token: SecretStr | None = Field(default=None, alias="IMPORT_API_TOKEN")
    # Largest order file the import API accepts (bytes); bigger uploads get 413.
    import_max_bytes: int = Field(default=200 * 1024 * 1024, alias="IMPORT_MAX_BYTES", ge=1)
    # Shared secret with which the shop signs its logged-in customers' tokens (HS256 JWT).
    customer_token_secret: SecretStr | None = Field(default=None, alias="CUSTOMER_TOKEN_SECRET")

    # Shop policies.
    return_window_days: int = Field(default=30, alias="RETURN_WINDOW_DAYS", ge=0)
    verification_max_failures: int = Field(default=5, alias="VERIFICATION_MAX_FAILURES", ge=1)
    verification_window_minutes: int = Field(default=60, alias="VERIFICATION_WINDOW_MINUTES", ge=1)

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")


def load_settings() -> Settings:
    """Read the settings from the environment (called once per process)."""
    return Settings()
