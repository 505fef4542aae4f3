"""The staff console's test helpers: staff accounts and sessions, handoffs, signing in.

The gateway runs as in tests/bot (``serve``: in-process, lifespan included) with the Rasa
stand-in behind it, so the handoff desk's calls to Rasa's HTTP API land somewhere.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import transcript
from bot.transcript import Button, Outgoing
from delivery.clock import utcnow
from delivery.db.session import unit_of_work
from delivery.db.staff_models import StaffUser
from delivery.services.handoffs import request_handoff
from delivery.services.staff_accounts import create_staff_user
from delivery.services.staff_sessions import start_staff_session
from delivery.vocabulary import Channel, HandoffReason, StaffRole
from tests.bot.conftest import Serve
from tests.bot.rasa_standin import TOKEN, RasaStandIn, rasa_standin

PASSWORD = "a long enough password"
LIFETIME = dt.timedelta(hours=12)
IDLE = dt.timedelta(minutes=60)

_CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@dataclass(frozen=True)
class Agent:
    user_id: int
    username: str
    display_name: str
    token: str  # the session cookie's value
    csrf: str

    @property
    def cookie(self) -> dict[str, str]:
        """The session cookie, as a header (httpx deprecates per-request cookies)."""
        return {"Cookie": f"staff_session={self.token}"}

    @property
    def headers(self) -> dict[str, str]:
        """The CSRF header and the session cookie, as a console's fetch() sends them."""
        return {"X-CSRF-Token": self.csrf, "Cookie": f"staff_session={self.token}"}


MakeAgent = Callable[..., Agent]


@pytest.fixture
def make_agent(sessions: sessionmaker[Session]) -> MakeAgent:
    """``make_agent("maria", name=..., role=...)``: a staff account with a live session."""

    def make(
        username: str = "maria",
        *,
        name: str = "Maria Rossi",
        role: StaffRole = StaffRole.AGENT,
        signed_in_at: dt.datetime | None = None,
        lifetime: dt.timedelta = LIFETIME,
    ) -> Agent:
        with unit_of_work(sessions, writes=True) as session:
            user = create_user(session, username, name=name, role=role)
            issued = start_staff_session(
                session, user, now=signed_in_at or utcnow(), lifetime=lifetime, idle=IDLE
            )
            return Agent(user.id, user.username, user.display_name, issued.token, issued.csrf_token)

    return make


def create_user(
    session: Session, username: str, *, name: str = "Maria Rossi", role: StaffRole = StaffRole.AGENT
) -> StaffUser:
    return create_staff_user(
        session, username=username, display_name=name, password=PASSWORD, role=role, now=utcnow()
    )


def open_handoff_for(
    sessions: sessionmaker[Session],
    conversation_id: str = "web-customer-session-1",
    *,
    customer_id: int | None = None,
    reason: HandoffReason = HandoffReason.CUSTOMER_REQUEST,
    channel: Channel = Channel.WEB,
    requested_at: dt.datetime | None = None,
    with_messages: bool = True,
) -> int:
    """A waiting handoff (and a short conversation before it); its id."""
    now = requested_at or utcnow()
    with unit_of_work(sessions, writes=True) as session:
        if with_messages:
            # Delivered: Rasa answered it (a pending one would be sent again at startup).
            entry_id = transcript.add_customer_message(
                session, channel=channel, conversation_id=conversation_id,
                text="where is my parcel?", metadata={"language": "en"},
                now=now - dt.timedelta(seconds=30),
            )  # fmt: skip
            transcript.mark_delivered(session, entry_id, now)
            transcript.add_bot_messages(
                session, channel=channel, conversation_id=conversation_id,
                messages=[Outgoing(text="Which order?", buttons=(Button("A person", "/talk"),))],
                now=now - dt.timedelta(seconds=29),
            )  # fmt: skip
        ticket = request_handoff(
            session, conversation_id=conversation_id, channel=channel, reason=reason,
            customer_id=customer_id, now=now,
        )  # fmt: skip
        return ticket.handoff_id


async def sign_in(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    """What a browser does: fetch the form (its double-submit cookie and field), post it."""
    form = await client.get("/agent/login")
    return await client.post(
        "/agent/login",
        data={"csrf": login_csrf(form.text), "username": username, "password": password},
    )


def login_csrf(html: str) -> str:
    found = _CSRF_FIELD.search(html)
    assert found, html
    return found.group(1)


def console_csrf(html: str) -> str:
    found = _CSRF_META.search(html)
    assert found, html
    return found.group(1)


Console = Callable[..., AbstractAsyncContextManager[tuple[httpx.AsyncClient, RasaStandIn]]]


@pytest.fixture
def console(serve: Serve) -> Console:
    """``async with console() as (client, rasa)``: the gateway with the Rasa stand-in."""

    @asynccontextmanager
    async def run(**settings: Any) -> AsyncIterator[tuple[httpx.AsyncClient, RasaStandIn]]:
        async with (
            rasa_standin() as rasa,
            serve(RASA_URL=rasa.url, RASA_TOKEN=TOKEN, **settings) as client,
        ):
            yield client, rasa

    return run
