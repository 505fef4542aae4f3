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

    # The gateway's channels (bot/): who may open the widget's socket, and its guards.
    # Comma-separated origins allowed to connect to the widget's socket.io ("*": any).
    widget_allowed_origins: str = Field(default="*", alias="WIDGET_ALLOWED_ORIGINS")
    # Longest customer message passed on to the assistant (characters).
    message_max_chars: int = Field(default=2000, alias="MESSAGE_MAX_CHARS", ge=1)
    # At most RATE_LIMIT_MESSAGES messages per connection within RATE_LIMIT_SECONDS.
    rate_limit_messages: int = Field(default=8, alias="RATE_LIMIT_MESSAGES", ge=1)
    rate_limit_seconds: float = Field(default=10.0, alias="RATE_LIMIT_SECONDS", gt=0)
    # How long the gateway waits for one Rasa answer before it counts Rasa as down.
    rasa_timeout_seconds: float = Field(default=30.0, alias="RASA_TIMEOUT_SECONDS", gt=0)
    # After this long without an answer the customer is told "one moment" (once).
    slow_reply_notice_seconds: float = Field(default=4.0, alias="SLOW_REPLY_NOTICE_SECONDS", gt=0)
    # The action server's base URL; unset: 127.0.0.1 on ACTION_SERVER_PORT.
    action_server_url: str | None = Field(default=None, alias="ACTION_SERVER_URL")

    @property
    def widget_origins(self) -> list[str] | str:
        """WIDGET_ALLOWED_ORIGINS as python-socketio takes it: "*" or a list of origins."""
        origins = [o.strip().rstrip("/") for o in self.widget_allowed_origins.split(",")]
        origins = [o for o in origins if o]
        return "*" if not origins or "*" in origins else origins

    @property
    def action_server_base_url(self) -> str:
        url = self.action_server_url or f"http://127.0.0.1:{self.action_server_port}"
        return url.rstrip("/")

    # Telegram (bot/telegram/, docs/telegram.md): on when TELEGRAM_BOT_TOKEN is set.
    # The Bot API's base URL (python-telegram-bot appends the token); tests point it at a stand-in.
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL"
    )
    # Set: webhook mode (Telegram POSTs to this public HTTPS URL, served at /telegram/webhook);
    # unset: long polling.
    telegram_webhook_url: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_URL")
    # Telegram sends it in X-Telegram-Bot-Api-Secret-Token; required in webhook mode
    # (1-256 characters of A-Z, a-z, 0-9, _ and -).
    telegram_webhook_secret: SecretStr | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")

    # Live agents (docs/handoff-design.md): when people answer, and the staff console's sessions.
    # Days and hours staff answer handed-off conversations,
    # e.g. "mon-fri 09:00-18:00, sat 10:00-14:00".
    staff_hours: str = Field(default="mon-fri 09:00-18:00", alias="STAFF_HOURS")
    staff_timezone: str = Field(default="Europe/Rome", alias="STAFF_TIMEZONE")
    # The wait a customer is told while there is no recent handoff to measure it from.
    handoff_default_wait_minutes: int = Field(default=5, alias="HANDOFF_DEFAULT_WAIT_MINUTES", ge=1)
    # A staff login lasts at most this long, and ends sooner after this long unused.
    staff_session_hours: float = Field(default=12.0, alias="STAFF_SESSION_HOURS", gt=0)
    staff_idle_minutes: float = Field(default=60.0, alias="STAFF_IDLE_MINUTES", gt=0)
    # Mark the staff session cookie Secure (set it when the console is served over HTTPS).
    staff_cookie_secure: bool = Field(default=False, alias="STAFF_COOKIE_SECURE")

    # Carriers (delivery/carriers/, docs/carriers-design.md): their APIs and their webhooks.
    # Swift Parcels' REST API (unset: its API calls fail as unavailable, tracking reads stale).
    swift_api_url: str | None = Field(default=None, alias="SWIFT_API_URL")
    swift_api_key: SecretStr | None = Field(default=None, alias="SWIFT_API_KEY")
    # The secret Swift signs its webhook bodies with (HMAC-SHA256); unset: its webhook is off.
    swift_webhook_secret: SecretStr | None = Field(default=None, alias="SWIFT_WEBHOOK_SECRET")
    # Boreal Express' API (HTTP basic auth) and its webhook secret, as for Swift.
    boreal_api_url: str | None = Field(default=None, alias="BOREAL_API_URL")
    boreal_api_user: str | None = Field(default=None, alias="BOREAL_API_USER")
    boreal_api_password: SecretStr | None = Field(default=None, alias="BOREAL_API_PASSWORD")
    boreal_webhook_secret: SecretStr | None = Field(default=None, alias="BOREAL_WEBHOOK_SECRET")
    # Every carrier call: connect and read timeouts, tries in all (GETs and keyed POSTs only).
    carrier_connect_timeout_seconds: float = Field(
        default=3.05, alias="CARRIER_CONNECT_TIMEOUT_SECONDS", gt=0
    )
    carrier_read_timeout_seconds: float = Field(
        default=10.0, alias="CARRIER_READ_TIMEOUT_SECONDS", gt=0
    )
    carrier_max_attempts: int = Field(default=3, alias="CARRIER_MAX_ATTEMPTS", ge=1)
    # A carrier's circuit opens after this many failed attempts in a row, for this long.
    carrier_breaker_failures: int = Field(default=5, alias="CARRIER_BREAKER_FAILURES", ge=1)
    carrier_breaker_cooldown_seconds: float = Field(
        default=30.0, alias="CARRIER_BREAKER_COOLDOWN_SECONDS", gt=0
    )

    # --- Carrier polling and refreshing (delivery/carriers/poller.py, on_demand.py) ---------
    # `python -m delivery carriers poll` runs a round every CARRIER_POLL_SECONDS: it asks the
    # carriers about at most CARRIER_POLL_BATCH parcels (not delivered or returned) that none
    # was asked about for CARRIER_POLL_MIN_AGE_SECONDS, then queues overdue delay notices
    # (at most CARRIER_POLL_BATCH of those too).
    carrier_poll_seconds: float = Field(default=60.0, alias="CARRIER_POLL_SECONDS", gt=0)
    carrier_poll_min_age_seconds: float = Field(
        default=900.0, alias="CARRIER_POLL_MIN_AGE_SECONDS", ge=0
    )
    carrier_poll_batch: int = Field(default=50, alias="CARRIER_POLL_BATCH", ge=1)
    # "Where is my order?" first asks the carrier about parcels last heard of longer ago than
    # this (0: every time), waiting at most WISMO_REFRESH_BUDGET_SECONDS in all (0: never asks).
    wismo_refresh_max_age_seconds: float = Field(
        default=300.0, alias="WISMO_REFRESH_MAX_AGE_SECONDS", ge=0
    )
    wismo_refresh_budget_seconds: float = Field(
        default=3.0, alias="WISMO_REFRESH_BUDGET_SECONDS", ge=0
    )
    # --- end of carrier polling and refreshing ------------------------------------------------

    # Proactive notifications (delivery/notifications/, docs/notifications-design.md).
    # Comma-separated kinds that are sent ("all", or some of: delayed, failed_attempt,
    # exception, out_for_delivery, delivered, rating_request).
    notification_kinds: str = Field(default="all", alias="NOTIFICATION_KINDS")
    # No messages in this local span ("HH:MM-HH:MM", may run past midnight; empty: none), in
    # the customer's timezone, or this one when theirs is unknown.
    quiet_hours: str = Field(default="21:00-08:00", alias="QUIET_HOURS")
    notification_default_timezone: str = Field(
        default="Europe/London", alias="NOTIFICATION_DEFAULT_TIMEZONE"
    )
    # The delivery rating question comes this long after the delivery.
    rating_request_delay_hours: float = Field(default=4.0, alias="RATING_REQUEST_DELAY_HOURS", ge=0)
    # A delay of at least this many days past the promise offers a voucher; 0: never.
    delay_voucher_min_days: int = Field(default=2, alias="DELAY_VOUCHER_MIN_DAYS", ge=0)
    # A failed send is retried after NOTIFICATION_RETRY_SECONDS, doubling up to the maximum,
    # until NOTIFICATION_MAX_ATTEMPTS attempts; a sender holds a claimed one this long.
    notification_max_attempts: int = Field(default=5, alias="NOTIFICATION_MAX_ATTEMPTS", ge=1)
    notification_retry_seconds: float = Field(
        default=30.0, alias="NOTIFICATION_RETRY_SECONDS", gt=0
    )
    notification_retry_max_seconds: float = Field(
        default=3600.0, alias="NOTIFICATION_RETRY_MAX_SECONDS", gt=0
    )
    notification_lease_seconds: float = Field(
        default=60.0, alias="NOTIFICATION_LEASE_SECONDS", gt=0
    )
    # The gateway's sender (bot/notifier.py): on or off, notifications in flight at once, and
    # how often it looks for due ones when no webhook said there are new ones.
    notifier_enabled: bool = Field(default=True, alias="NOTIFIER_ENABLED")
    notifier_concurrency: int = Field(default=32, alias="NOTIFIER_CONCURRENCY", ge=1)
    notifier_poll_seconds: float = Field(default=2.0, alias="NOTIFIER_POLL_SECONDS", gt=0)


def load_settings() -> Settings:
    """Read the settings from the environment (called once per process)."""
    return Settings()
