"""For bench/notification_fanout.py: the database it fans out from, and a Rasa that only raises
notifications.

The database: the demo data set (customers with orders and parcels), every customer's chat
linked to a Telegram chat of their own, and one queued notification per customer, due now.
The Rasa stand-in answers the gateway's ``trigger_intent`` with one message naming the
notification's id, so that what reaches the Bot API stand-in can be counted by id.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from sqlalchemy import func, insert, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from delivery.db.models import ChannelIdentity, Customer, Order, Shipment
from delivery.db.notification_models import Notification, NotificationStatus
from delivery.db.session import make_engine, make_session_factory, unit_of_work
from delivery.demo.generator import seed_demo
from delivery.notifications.kinds import NotificationKind
from delivery.vocabulary import Channel

LOOPBACK = "127.0.0.1"
#: Telegram chat ids of the benchmark's customers start here (chat id = base + customer id).
CHAT_BASE = 700_000_000


def chat_of(customer_id: int) -> int:
    return CHAT_BASE + customer_id


def prepare(database_url: str, count: int, now: dt.datetime) -> list[int]:
    """Seed ``count`` customers, link each to a Telegram chat and queue one notification each;
    the notifications' ids."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        with unit_of_work(sessions, writes=True) as session:
            # A few more customers than asked: some opted out, some have no parcel yet.
            seed_demo(session, now=now, customers=count * 13 // 10, orders=count * 3)
        with unit_of_work(sessions, writes=True) as session:
            # One parcel per customer (their first), so every customer gets one notification.
            # Customers who opted out are left out: their notifications would be skipped.
            first_parcel = (
                select(Order.customer_id, func.min(Shipment.id))
                .join(Shipment, Shipment.order_id == Order.id)
                .join(Customer, Customer.id == Order.customer_id)
                .where(Customer.notifications_opt_out.is_(False))
                .group_by(Order.customer_id)
                .order_by(Order.customer_id)
                .limit(count)
            )
            parcels = session.execute(first_parcel).all()
            session.execute(
                insert(ChannelIdentity),
                [
                    {
                        "channel": Channel.TELEGRAM,
                        "external_id": f"tg-{chat_of(customer_id)}",
                        "customer_id": customer_id,
                        "created_at": now,
                    }
                    for customer_id, _ in parcels
                ],
            )
            session.execute(
                insert(Notification),
                [
                    {
                        "customer_id": customer_id,
                        "shipment_id": shipment_id,
                        "kind": NotificationKind.DELAYED,
                        "dedup_key": f"{shipment_id}:delayed:bench",
                        "values": {"bench": True},
                        "status": NotificationStatus.QUEUED,
                        "due_at": now,
                        "not_before": now,
                        "attempts": 0,
                        "created_at": now,
                    }
                    for customer_id, shipment_id in parcels
                ],
            )
            ids = session.scalars(select(Notification.id).order_by(Notification.id)).all()
        return list(ids)
    finally:
        engine.dispose()


def status_counts(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            rows = session.execute(
                select(Notification.status, func.count()).group_by(Notification.status)
            ).all()
        return {str(status.value): int(n) for status, n in rows}
    finally:
        engine.dispose()


def notifying_rasa() -> Starlette:
    """Rasa as the notifier sees it: trigger_intent answers one message with the id."""

    async def trigger(request: Request) -> Response:
        body: dict[str, Any] = await request.json()
        entities = body.get("entities") or {}
        text = f"Notification {entities.get('notification_id')}: your parcel is running late."
        sender = request.path_params["sender"]
        return JSONResponse({"messages": [{"recipient_id": sender, "text": text}]})

    async def up(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/conversations/{sender}/trigger_intent", trigger, methods=["POST"]),
            Route("/status", up),
            Route("/health", up),
            Route("/", up),
        ]
    )


@asynccontextmanager
async def serve(app: ASGIApp, port: int) -> AsyncIterator[str]:
    """``app`` served by uvicorn in this event loop; its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host=LOOPBACK, port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the server stopped before it started")
        await asyncio.sleep(0.01)
    try:
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.should_exit = True
        await task
