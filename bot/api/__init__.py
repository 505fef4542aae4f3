"""The gateway's versioned HTTP API, mounted under ``/api/v1``."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from bot.api.carrier_webhooks import carrier_events_endpoint
from bot.api.imports import import_orders_endpoint


def api_routes() -> list[BaseRoute]:
    return [
        Route("/orders/import", import_orders_endpoint, methods=["POST"], name="import_orders"),
        Route(
            "/carriers/{carrier}/events",
            carrier_events_endpoint,
            methods=["POST"],
            name="carrier_events",
        ),
    ]
