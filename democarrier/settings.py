"""The demo carrier service's own settings, and the carrier credentials it shares with the gateway.

Credentials and webhook secrets come from the same :class:`delivery.settings.Settings` the
gateway and the action server read, so both ends agree. `make run` puts
:data:`DEMO_CREDENTIALS` into every process's environment where they are unset; a variable
left unset here falls back to the same demo value.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from delivery.settings import Settings

DEFAULT_DEMO_CARRIER_PORT = 8100

#: The demo carriers' credentials: demo values, not secrets (docs/configuration.md).
DEMO_CREDENTIALS: dict[str, str] = {
    "SWIFT_API_KEY": "demo-swift-api-key",
    "SWIFT_WEBHOOK_SECRET": "demo-swift-webhook-secret",
    "BOREAL_API_USER": "demo-shop",
    "BOREAL_API_PASSWORD": "demo-boreal-password",
    "BOREAL_WEBHOOK_SECRET": "demo-boreal-webhook-secret",
}
#: Where each carrier's API is mounted on the service.
SWIFT_PREFIX = "/swift"
BOREAL_PREFIX = "/boreal"


class DemoSettings(BaseSettings):
    """How the demo carrier service runs; see docs/configuration.md."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    host: str = Field(default="127.0.0.1", alias="DEMO_CARRIER_HOST")
    port: int = Field(default=DEFAULT_DEMO_CARRIER_PORT, alias="DEMO_CARRIER_PORT")
    # Seconds between simulation ticks; 0 stops the parcels (the APIs still answer).
    tick_seconds: float = Field(default=10.0, alias="DEMO_CARRIER_TICK_SECONDS", ge=0)
    # Parcels moved one step per tick.
    moves_per_tick: int = Field(default=4, alias="DEMO_CARRIER_MOVES_PER_TICK", ge=0)
    # Seed of the simulation's choices (same seed, same database: same story).
    seed: int = Field(default=42, alias="DEMO_CARRIER_SEED")
    # Where the webhooks go; unset: the gateway of GATEWAY_HOST and GATEWAY_PORT.
    gateway_url: str | None = Field(default=None, alias="DEMO_CARRIER_GATEWAY_URL")

    def gateway_base_url(self, settings: Settings) -> str:
        if self.gateway_url:
            return self.gateway_url.rstrip("/")
        host = settings.gateway_host
        if host in ("0.0.0.0", "::", ""):  # noqa: S104 - listening everywhere, reached locally
            host = "127.0.0.1"
        return f"http://{host}:{settings.gateway_port}"


def load_demo_settings() -> DemoSettings:
    return DemoSettings()


def demo_api_urls(port: int, host: str = "127.0.0.1") -> dict[str, str]:
    """SWIFT_API_URL and BOREAL_API_URL pointing at the service on ``port``."""
    base = f"http://{host}:{port}"
    return {"SWIFT_API_URL": base + SWIFT_PREFIX, "BOREAL_API_URL": base + BOREAL_PREFIX}


@dataclass(frozen=True)
class Credentials:
    swift_api_key: str
    boreal_user: str
    boreal_password: str
    webhook_secrets: dict[str, bytes]  # by carrier code

    @classmethod
    def from_settings(cls, settings: Settings) -> Credentials:
        """The settings' values, each unset one replaced by its demo value."""

        def value(secret: SecretStr | str | None, name: str) -> str:
            # As the adapters send them: credentials as given, secrets stripped (registry.py).
            text = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
            if not text or not text.strip():
                return DEMO_CREDENTIALS[name]
            return text.strip() if name.endswith("_SECRET") else text

        return cls(
            swift_api_key=value(settings.swift_api_key, "SWIFT_API_KEY"),
            boreal_user=value(settings.boreal_api_user, "BOREAL_API_USER"),
            boreal_password=value(settings.boreal_api_password, "BOREAL_API_PASSWORD"),
            webhook_secrets={
                "swift": value(settings.swift_webhook_secret, "SWIFT_WEBHOOK_SECRET").encode(),
                "boreal": value(settings.boreal_webhook_secret, "BOREAL_WEBHOOK_SECRET").encode(),
            },
        )
