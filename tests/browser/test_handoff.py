"""A live-agent handoff in two browsers: a customer in the demo shop's widget and an agent in
the staff console, against the real gateway, Rasa and action server.

The customer asks for a person → the conversation appears in the agent's queue → the agent
claims it and replies → the customer sees the reply, and who is there → the customer's answer
reaches the agent while the bot stays silent → the agent hands back → the bot answers the
customer's next message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from delivery.services.staff_accounts import create_staff_user
from delivery.vocabulary import StaffRole
from tests.browser.conftest import OpenPage
from tests.browser.widget import REPLY_TIMEOUT_MS, Widget

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PASSWORD = "correct horse battery staple"
Shot = Callable[[Page, str], Path]


def _agent(db: Session, username: str, name: str) -> None:
    create_staff_user(
        db,
        username=username,
        display_name=name,
        password=PASSWORD,
        role=StaffRole.AGENT,
        now=dt.datetime.now(dt.UTC),
    )
    db.commit()


def _log_in(page: Page, username: str) -> None:
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORD)
    page.locator("#login-submit").click()
    expect(page.locator("#logout")).to_be_visible()


def test_a_customer_is_handed_to_an_agent_and_back(
    gateway: str, open_page: OpenPage, shot: Shot, db: Session
) -> None:
    _agent(db, "browser-agent", "Maria")
    console = open_page(gateway + "/agent", **DESKTOP)
    expect(console).to_have_url(f"{gateway}/agent/login")
    _log_in(console, "browser-agent")

    shop = open_page(gateway + "/", **DESKTOP)
    widget = Widget(shop)
    widget.open()
    widget.say("I'd like to talk to a person please")
    widget.wait_for_reply("in line")

    # The conversation appears in the queue without reloading the console.
    entry = console.locator("#queue li[data-handoff-id]").last
    expect(entry).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    entry.click()
    expect(console.locator("#transcript .msg[data-sender='customer']").last).to_contain_text(
        "talk to a person"
    )
    console.locator("#claim").click()
    expect(shop.locator(".da-agent")).to_contain_text("Maria")

    console.locator("#reply-text").fill("Hi, I'm Maria from the shop. How can I help?")
    console.locator("#reply-send").click()
    widget.wait_for_reply("Hi, I'm Maria from the shop")
    expect(shop.locator(".da-msg--agent").last).to_contain_text("Maria from the shop")

    # The customer's answer reaches the agent; the bot says nothing.
    bot_messages = widget.bot_count()
    widget.say("My parcel arrived with a broken mug")
    expect(console.locator("#transcript .msg[data-sender='customer']").last).to_contain_text(
        "broken mug", timeout=REPLY_TIMEOUT_MS
    )
    shop.wait_for_timeout(2000)
    assert widget.bot_count() == bot_messages
    shot(console, "agent-console")
    shot(shop, "customer-with-agent")

    # Handed back: the widget says so, and the bot answers the next message.
    console.locator("#hand-back").click()
    expect(shop.locator(".da-agent")).to_be_hidden(timeout=REPLY_TIMEOUT_MS)
    widget.say("where is my order?")
    widget.wait_for_reply("order number")
