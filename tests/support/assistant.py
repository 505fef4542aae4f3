"""A pytest plugin (tests/conftest.py loads it): the real assistant for end-to-end tests.

The trained model in a real Rasa server, the real action server, and a test database seeded
with the demo data (its showcase orders are the same every run, relative to today).

Started once per test session (Rasa takes 30-70 s to load its model); the model is the one
`make run` uses (models/<fingerprint>.tar.gz), trained first when the training data changed.
Conversations talk to Rasa's REST channel, as the gateway does.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.clock import utcnow
from delivery.db.migrations import migrate
from delivery.db.models import Carrier
from delivery.db.session import make_engine, make_session_factory, unit_of_work
from delivery.demo.generator import seed_demo
from delivery.settings import PROJECT_ROOT
from tests import factories

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
from local_assistant import local_assistant
from train_model import ensure_model

_conversation_numbers = itertools.count(1)


@dataclass
class Assistant:
    rasa_url: str
    token: str
    database_url: str
    action_server_url: str
    logs: list[Path] = field(default_factory=list)

    def sessions(self) -> Any:
        return make_session_factory(make_engine(self.database_url))

    def conversation(self, channel: str = "rest", **metadata: Any) -> Conversation:
        sender = f"e2e-{next(_conversation_numbers)}-{secrets.token_hex(4)}"
        return Conversation(self, sender, channel, metadata)

    def tracker(self, sender: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.rasa_url}/conversations/{sender}/tracker",
            params={"token": self.token},
            timeout=30,
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


@dataclass
class Conversation:
    assistant: Assistant
    sender: str
    channel: str
    metadata: dict[str, Any]
    transcript: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)

    def say(self, text: str, **metadata: Any) -> list[dict[str, Any]]:
        """Send one message through the REST channel; the bot's replies."""
        response = httpx.post(
            f"{self.assistant.rasa_url}/webhooks/rest/webhook",
            json={
                "sender": self.sender,
                "message": text,
                "input_channel": self.channel,
                "metadata": {**self.metadata, **metadata},
            },
            timeout=60,
        )
        response.raise_for_status()
        replies: list[dict[str, Any]] = response.json()
        self.transcript.append((text, replies))
        return replies

    def text_of(self, replies: list[dict[str, Any]]) -> str:
        return "\n".join(str(r.get("text", "")) for r in replies)

    def buttons(self, replies: list[dict[str, Any]]) -> list[dict[str, str]]:
        return [b for r in replies for b in (r.get("buttons") or [])]

    def slots(self) -> dict[str, Any]:
        slots: dict[str, Any] = self.assistant.tracker(self.sender)["slots"]
        return slots

    def shown(self) -> str:
        """The whole conversation, for assertion messages."""
        return "\n".join(
            f"> {said}\n" + "\n".join(f"  {r.get('text', r)}" for r in replies)
            for said, replies in self.transcript
        )


#: Handoffs in the end-to-end tests find staff on duty whatever the time CI runs at.
ALWAYS_STAFFED = {"STAFF_HOURS": "daily 00:00-24:00", "STAFF_TIMEZONE": "UTC"}


@pytest.fixture(scope="session")
def e2e_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'assistant.db'}"
    migrate(url)
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        seed_demo(session, now=utcnow(), customers=50, orders=120)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def assistant(
    e2e_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Assistant]:
    model = ensure_model()
    with local_assistant(
        model=model,
        database_url=e2e_database_url,
        log_dir=tmp_path_factory.mktemp("e2e-logs"),
        action_env=ALWAYS_STAFFED,
    ) as servers:
        yield Assistant(
            rasa_url=servers.rasa_url,
            token=servers.token,
            database_url=e2e_database_url,
            action_server_url=servers.action_server_url,
            logs=list(servers.logs),
        )


@pytest.fixture
def db(assistant: Assistant) -> Iterator[Session]:
    """A session on the assistant's database, to check what a conversation changed."""
    engine = make_engine(assistant.database_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture
def far_order(db: Session) -> str:
    """An order of ours promised four days from now (Swift Parcels, London), so that the
    carrier's cut-off never stands in the way, whatever the time of day the tests run:
    "<order number> <e-mail>". (The showcase orders arrive tomorrow: after the evening cut-off
    they can no longer be changed, which is right, but not what a test of changes wants.)"""
    swift = db.scalars(select(Carrier).where(Carrier.code == "swift")).one()
    customer = factories.customer(db, email=f"far.{secrets.token_hex(4)}@example.com")
    number = str(900000 + secrets.randbelow(90000))
    order = factories.order(db, customer_=customer, number=number)
    promised = (utcnow() + dt.timedelta(days=4)).date()
    factories.shipment(db, order, carrier_=swift, promised_date=promised, eta_date=promised)
    db.commit()
    return f"{number} {customer.email}"
