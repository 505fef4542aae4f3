"""The staff console's JSON API under ``/agent/api/`` (docs/handoff-design.md).

Every endpoint needs a staff session (401 without one); every POST and DELETE also needs the
session's CSRF token in ``X-CSRF-Token`` (403). Reads run here, in one read-only unit of work;
changes to a handoff go through the gateway's :class:`~bot.handoff_desk.HandoffDesk`, which also
tells the customer and the other consoles. The domain's refusals become answers at one place,
:func:`staff_endpoint`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot import transcript
from bot.conversation_queue import in_unit_of_work
from bot.staff.auth import csrf_header_ok, json_error, staff_required
from bot.staff.views import (
    canned_dict,
    customer_dict,
    handoff_dict,
    order_dict,
    queue_dict,
    transcript_dicts,
)
from bot.state import gateway_state
from delivery.clock import utcnow
from delivery.db.models import Customer
from delivery.services.canned_replies import (
    CannedReplyError,
    add_canned_reply,
    delete_canned_reply,
    list_canned_replies,
)
from delivery.services.handoffs import (
    HandoffAlreadyClaimed,
    HandoffError,
    HandoffNotFound,
    HandoffNotOpen,
    HandoffNotYours,
    get_handoff,
    staff_queue,
)
from delivery.services.orders import orders_of_customer
from delivery.services.staff_sessions import StaffIdentity
from delivery.services.tracking_reads import track_order_number
from delivery.vocabulary import HandoffOutcome

T = TypeVar("T")

REPLY_MAX_CHARS = 2000
#: "The whole transcript": far more than any conversation a person takes over.
TRANSCRIPT_LIMIT = 2000
#: The customer's most recent orders shown beside the conversation.
ORDERS_SHOWN = 5

Handler = Callable[[Request, StaffIdentity], Awaitable[Response]]
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BadRequest(Exception):
    """A request body the endpoint cannot use; answered 400 or 422 with its message."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def staff_endpoint(
    handler: Handler, *, admin: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """``handler`` behind the session and CSRF checks, with the domain's refusals answered."""

    async def endpoint(request: Request) -> Response:
        identity = await staff_required(request, api=True)
        if isinstance(identity, Response):
            return identity
        if request.method in _UNSAFE and not csrf_header_ok(request, identity):
            return json_error(403, "csrf", "The request lacks this session's CSRF token.")
        if admin and not identity.is_admin:
            return json_error(403, "forbidden", "Only an administrator may do this.")
        try:
            return await handler(request, identity)
        except BadRequest as bad:
            return json_error(bad.status, "invalid", str(bad))
        except HandoffNotFound:
            return json_error(404, "not_found", "There is no such handoff.")
        except HandoffAlreadyClaimed:
            by = await _claimed_by(request)
            return json_error(409, "already_claimed", "Someone else took it first.", by=by)
        except HandoffNotYours:
            return json_error(403, "not_yours", "Another person holds this conversation.")
        except HandoffNotOpen:
            return json_error(409, "not_open", "This handoff has already ended.")
        except HandoffError as refused:
            return json_error(409, "conflict", str(refused))

    return endpoint


async def queue(request: Request, identity: StaffIdentity) -> Response:
    views = await _read(request, staff_queue)
    return JSONResponse(queue_dict(views, now=utcnow()))


async def conversation(request: Request, identity: StaffIdentity) -> Response:
    handoff_id = request.path_params["handoff_id"]
    now = utcnow()

    def read(session: Session) -> dict[str, Any]:
        view = get_handoff(session, handoff_id)
        messages = transcript.history(session, view.conversation_id, limit=TRANSCRIPT_LIMIT)
        customer = None if view.customer_id is None else session.get(Customer, view.customer_id)
        orders = []
        if customer is not None:
            for order in orders_of_customer(session, customer.id, limit=ORDERS_SHOWN):
                tracking = track_order_number(
                    session, order.number, now=now, customer_id=customer.id
                )
                if tracking is not None:
                    orders.append(order_dict(tracking))
        return {
            "handoff": handoff_dict(view, now=now),
            "transcript": transcript_dicts(messages),
            "customer": customer_dict(customer),
            "orders": orders,
        }

    return JSONResponse(await _read(request, read))


async def claim(request: Request, identity: StaffIdentity) -> Response:
    view = await gateway_state(request).desk.claim(request.path_params["handoff_id"], identity)
    return JSONResponse({"handoff": handoff_dict(view, now=utcnow())})


async def reply(request: Request, identity: StaffIdentity) -> Response:
    body = await _json_object(request)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("Write a reply first.")
    text = text.strip()
    if len(text) > REPLY_MAX_CHARS:
        raise BadRequest(f"A reply is at most {REPLY_MAX_CHARS} characters.")
    await gateway_state(request).desk.reply(request.path_params["handoff_id"], identity, text)
    return JSONResponse({"sent": True})


async def hand_back(request: Request, identity: StaffIdentity) -> Response:
    view = await gateway_state(request).desk.hand_back(request.path_params["handoff_id"], identity)
    return JSONResponse({"handoff": handoff_dict(view, now=utcnow())})


async def close(request: Request, identity: StaffIdentity) -> Response:
    body = await _json_object(request)
    try:
        outcome = HandoffOutcome(str(body.get("outcome")))
    except ValueError:
        choices = ", ".join(o.value for o in HandoffOutcome)
        raise BadRequest(f"The outcome must be one of: {choices}.") from None
    desk = gateway_state(request).desk
    view = await desk.close(request.path_params["handoff_id"], identity, outcome)
    return JSONResponse({"handoff": handoff_dict(view, now=utcnow())})


async def canned(request: Request, identity: StaffIdentity) -> Response:
    replies = await _read(
        request, lambda session: [canned_dict(r) for r in list_canned_replies(session)]
    )
    return JSONResponse({"replies": replies})


async def add_canned(request: Request, identity: StaffIdentity) -> Response:
    body = await _json_object(request)
    title, text = body.get("title"), body.get("text")
    if not isinstance(title, str) or not isinstance(text, str):
        raise BadRequest("A canned reply needs a title and a text.")
    now = utcnow()
    try:
        added = await in_unit_of_work(
            gateway_state(request).session_factory,
            lambda session: canned_dict(add_canned_reply(session, title=title, text=text, now=now)),
        )
    except CannedReplyError as refused:
        raise BadRequest(f"Not saved: {refused}.") from None
    return JSONResponse({"reply": added}, status_code=201)


async def remove_canned(request: Request, identity: StaffIdentity) -> Response:
    reply_id = request.path_params["reply_id"]
    removed = await in_unit_of_work(
        gateway_state(request).session_factory,
        lambda session: delete_canned_reply(session, reply_id),
    )
    if not removed:
        return json_error(404, "not_found", "There is no such canned reply.")
    return Response(status_code=204)


def api_routes() -> list[BaseRoute]:
    """The API's routes, relative to ``/agent/api``."""
    handoff = "/handoffs/{handoff_id:int}"
    return [
        Route("/queue", staff_endpoint(queue), methods=["GET"]),
        Route(handoff, staff_endpoint(conversation), methods=["GET"]),
        Route(f"{handoff}/claim", staff_endpoint(claim), methods=["POST"]),
        Route(f"{handoff}/reply", staff_endpoint(reply), methods=["POST"]),
        Route(f"{handoff}/hand-back", staff_endpoint(hand_back), methods=["POST"]),
        Route(f"{handoff}/close", staff_endpoint(close), methods=["POST"]),
        Route("/canned", staff_endpoint(canned), methods=["GET"]),
        Route("/canned", staff_endpoint(add_canned, admin=True), methods=["POST"]),
        Route(
            "/canned/{reply_id:int}", staff_endpoint(remove_canned, admin=True), methods=["DELETE"]
        ),
    ]


async def _read(request: Request, work: Callable[[Session], T]) -> T:
    return await in_unit_of_work(gateway_state(request).session_factory, work, writes=False)


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadRequest("The body must be a JSON object.", status=400) from None
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.", status=400)
    return body


async def _claimed_by(request: Request) -> str | None:
    """Who holds the handoff that could not be claimed (for the console's message)."""
    try:
        view = await _read(
            request, lambda session: get_handoff(session, request.path_params["handoff_id"])
        )
    except HandoffNotFound:
        return None
    return view.claimed_by_name
