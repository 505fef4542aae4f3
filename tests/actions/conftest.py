"""Running actions for real: rasa-sdk's own Tracker and CollectingDispatcher, the real database
(the test's rolled-back transaction, on SQLite and PostgreSQL) and the real domain."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from ruamel.yaml import YAML
from sqlalchemy.orm import Session, sessionmaker

from actions.runtime import Runtime
from delivery.settings import Settings
from tests.factories import NOW

ROOT = Path(__file__).resolve().parents[2]
_message_ids = itertools.count(1)


def load_domain() -> dict[str, Any]:
    """domain.yml with the responses kept beside the training data merged in, as Rasa does."""
    yaml = YAML(typ="safe")
    domain: dict[str, Any] = yaml.load((ROOT / "domain.yml").read_text())
    responses = domain.setdefault("responses", {})
    for path in sorted((ROOT / "data").rglob("*.yml")):
        content = yaml.load(path.read_text()) or {}
        responses.update(content.get("responses") or {})
    return domain


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return load_domain()


@pytest.fixture
def clock() -> list[dt.datetime]:
    """The actions' current time; tests may move it (``clock[0] += ...``)."""
    return [NOW]


@pytest.fixture
def runtime(session: Session, clock: list[dt.datetime]) -> Runtime:
    """Actions share the test's connection; their commits become savepoints."""
    factory = sessionmaker(
        bind=session.connection(),
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )
    return Runtime(settings=Settings(), sessions=factory, clock=lambda: clock[0], threaded=False)


def user_message(
    text: str = "",
    intent: str = "inform",
    entities: dict[str, str] | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
        "message_id": f"m{next(_message_ids)}",
        "metadata": metadata or {},
    }


@dataclass
class Chat:
    """One conversation's state as Rasa would send it to the action server."""

    sender_id: str = "web-visitor-1"
    input_channel: str = "socketio"
    slots: dict[str, Any] = field(default_factory=lambda: {"language": "en"})
    latest: dict[str, Any] = field(default_factory=user_message)
    events: list[dict[str, Any]] = field(default_factory=list)
    active_loop: dict[str, Any] = field(default_factory=dict)

    def says(
        self, text: str = "", intent: str = "inform", entities: dict[str, str] | None = None
    ) -> Chat:
        self.latest = user_message(text, intent, entities)
        self.latest["input_channel"] = self.input_channel
        self.events.append(
            {
                "event": "user",
                "text": text,
                "parse_data": self.latest,
                "input_channel": self.input_channel,
            }
        )
        # Like Rasa's action_extract_slots for the one slot mapped from an entity everywhere.
        if entities and "order_number" in entities:
            self.slots["order_number"] = entities["order_number"]
            self.events.append(
                {"event": "slot", "name": "order_number", "value": entities["order_number"]}
            )
        return self

    def tracker(self) -> Tracker:
        return Tracker(
            sender_id=self.sender_id,
            slots=dict(self.slots),
            latest_message=self.latest,
            events=list(self.events),
            paused=False,
            followup_action=None,
            active_loop=self.active_loop,
            latest_action_name="action_listen",
        )

    def apply(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]


@dataclass
class Reply:
    events: list[dict[str, Any]]
    messages: list[dict[str, Any]]

    @property
    def responses(self) -> list[str]:
        return [m.get("response") for m in self.messages]

    @property
    def slots(self) -> dict[str, Any]:
        return {e["name"]: e["value"] for e in self.events if e.get("event") == "slot"}

    def buttons(self) -> list[dict[str, str]]:
        return [b for m in self.messages for b in (m.get("buttons") or [])]


RunAction = Callable[..., Any]


@pytest.fixture
def run(domain: dict[str, Any]) -> RunAction:
    """``await run(action, chat)``: the action's events and messages; slots are applied."""

    async def run_action(action: Action, chat: Chat) -> Reply:
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, chat.tracker(), domain)
        chat.apply(events)
        return Reply(events=events, messages=dispatcher.messages)

    return run_action
