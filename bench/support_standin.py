"""A stand-in for Rasa that answers at once, so that the gateway's own cost can be measured.

Served by uvicorn in its own process (``bench/gateway_overhead.py`` starts it), so neither the
benchmark's client nor the gateway shares an event loop with it. It answers the REST channel
with the assistant's greeting, as the real Rasa answers "hello", and its health URLs with 200.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

#: The same words as the domain's utter_greet, so both Rasas send replies of the same size.
GREETING = (
    "Hi! I'm the shop's delivery assistant. I can tell you where your order is, move a "
    "delivery, send it to a pickup point or book a return pickup. What can I do for you?"
)


async def webhook(request: Request) -> JSONResponse:
    body = await request.json()
    return JSONResponse([{"recipient_id": body.get("sender"), "text": GREETING}])


async def up(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route("/webhooks/rest/webhook", webhook, methods=["POST"]),
        Route("/status", up),
        Route("/health", up),
        Route("/", up),
    ]
)
