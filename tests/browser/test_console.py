"""The staff console in real headless Chromium: sign in, see the queue, open a conversation
with its orders, claim it and reply, and see the queue change live.

The real gateway runs under uvicorn on its own migrated SQLite database; Rasa is nowhere (the
console never needs it: the desk's updates to Rasa's tracker retry in the background).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from bot import transcript
from bot.transcript import Outgoing
from delivery.clock import utcnow
from delivery.db.migrations import migrate
from delivery.db.session import make_engine, make_session_factory, unit_of_work
from delivery.services.canned_replies import add_canned_reply
from delivery.services.handoffs import request_handoff
from delivery.services.staff_accounts import create_staff_user
from delivery.services.staff_sessions import start_staff_session
from delivery.settings import PROJECT_ROOT
from delivery.vocabulary import Channel, HandoffReason, ShipmentStatus
from tests import factories
from tests.browser.conftest import OpenPage, _wait_for, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "a long enough password"
NOWHERE = "http://127.0.0.1:9"


class Desk:
    """The console's gateway and a database to set the scene in."""

    def __init__(self, url: str, database_url: str) -> None:
        self.url = url
        self.sessions = make_session_factory(make_engine(database_url))

    def handoff(self, conversation_id: str, *, customer_id: int | None = None) -> int:
        now = utcnow()
        with unit_of_work(self.sessions) as session:
            # Delivered: Rasa answered it (a pending one would be sent again at startup).
            entry_id = transcript.add_customer_message(
                session, channel=Channel.WEB, conversation_id=conversation_id,
                text="My parcel is late, I want a person", metadata={"language": "en"},
                now=now - dt.timedelta(minutes=2),
            )  # fmt: skip
            transcript.mark_delivered(session, entry_id, now)
            transcript.add_bot_messages(
                session, channel=Channel.WEB, conversation_id=conversation_id,
                messages=[Outgoing(text="I'm passing you to a colleague.")],
                now=now - dt.timedelta(minutes=2),
            )  # fmt: skip
            return request_handoff(
                session, conversation_id=conversation_id, channel=Channel.WEB,
                reason=HandoffReason.CUSTOMER_REQUEST, customer_id=customer_id,
                now=now - dt.timedelta(minutes=2),
            ).handoff_id  # fmt: skip


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    database_url = f"sqlite:///{tmp_path / 'console.db'}"
    migrate(database_url)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RASA_URL": NOWHERE,
        "ACTION_SERVER_URL": NOWHERE,
        "TELEGRAM_BOT_TOKEN": "",
    }
    log_path = tmp_path / "gateway.log"
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "bot.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait_for(url, process, log_path)
        yield Desk(url, database_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_an_agent_signs_in_opens_a_conversation_claims_it_and_replies(
    desk: Desk, open_page: OpenPage, shot: Callable[[Page, str], Path]
) -> None:
    with unit_of_work(desk.sessions) as session:
        create_staff_user(
            session, username="maria", display_name="Maria Rossi", password=PASSWORD,
            now=utcnow(),
        )  # fmt: skip
        luca = create_staff_user(
            session, username="luca", display_name="Luca Bianchi", password=PASSWORD,
            now=utcnow(),
        )  # fmt: skip
        luca_session = start_staff_session(
            session, luca, now=utcnow(), lifetime=dt.timedelta(hours=1),
            idle=dt.timedelta(hours=1),
        )  # fmt: skip
        add_canned_reply(session, title="Checking", text="Let me check that for you.", now=utcnow())
        customer = factories.customer(session, name="Grace Hopper")
        order = factories.order(session, customer_=customer, number="#300200")
        factories.shipment(session, order, status=ShipmentStatus.OUT_FOR_DELIVERY)
        customer_id = customer.id
    handoff_id = desk.handoff("web-browser-customer-1", customer_id=customer_id)

    page = open_page(desk.url + "/agent")
    expect(page).to_have_url(desk.url + "/agent/login")
    page.fill("#login-username", "maria")
    page.fill("#login-password", PASSWORD)
    shot(page, "login")
    page.click("#login-submit")
    expect(page).to_have_url(desk.url + "/agent")
    expect(page.locator("#connection")).to_have_text("Live")

    item = page.locator(f'#queue li[data-handoff-id="{handoff_id}"]')
    expect(item).to_contain_text("Grace Hopper")
    expect(item).to_contain_text("Asked for a person")
    expect(item).to_contain_text("waiting 2 min")
    item.locator("button").click()

    messages = page.locator("#transcript .msg")
    expect(messages).to_have_count(2)
    expect(messages.nth(0)).to_have_attribute("data-sender", "customer")
    expect(messages.nth(1)).to_have_attribute("data-sender", "bot")
    expect(page.locator("#orders")).to_contain_text("Order #300200")
    expect(page.locator("#orders .step--current")).to_contain_text("Out for delivery")
    expect(page.locator("#reply-text")).to_be_disabled()

    page.click("#claim")
    expect(page.locator("#reply-text")).to_be_enabled()
    expect(page.locator("#reply-text")).to_be_focused()
    expect(item).to_contain_text("With you")
    page.select_option("#canned", label="Checking")
    expect(page.locator("#reply-text")).to_have_value("Let me check that for you.")
    expect(page.locator("#reply-text")).to_be_focused()
    page.fill("#reply-text", "Hello Grace, I'm checking with the carrier.")
    page.keyboard.press("Enter")
    agent_message = page.locator('#transcript .msg[data-sender="agent"]')
    expect(agent_message).to_contain_text("Hello Grace, I'm checking with the carrier.")
    expect(agent_message).to_contain_text("Maria Rossi")
    expect(page.locator("#reply-text")).to_have_value("")

    # Another agent takes a new handoff: the queue changes without a reload.
    other = desk.handoff("web-browser-customer-2")
    claimed = httpx.post(
        f"{desk.url}/agent/api/handoffs/{other}/claim",
        headers={
            "X-CSRF-Token": luca_session.csrf_token,
            "Cookie": f"staff_session={luca_session.token}",
        },
    )
    assert claimed.status_code == 200
    expect(page.locator(f'#queue li[data-handoff-id="{other}"]')).to_contain_text("With Luca")
    shot(page, "claimed")

    page.select_option("#close-outcome", "resolved")
    page.click("#close")
    expect(page.locator(".status-line")).to_contain_text("closed")
    expect(page.locator(f'#queue li[data-handoff-id="{handoff_id}"]')).to_have_count(0)

    page.click("#logout")
    expect(page).to_have_url(desk.url + "/agent/login")
