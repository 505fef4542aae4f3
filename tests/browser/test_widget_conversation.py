"""The widget on the demo shop page, talking to the real gateway, Rasa and action server.

The conversations use the demo showcase orders (docs/images/widget.png is the screenshot of
the first test). Nothing here changes an order: a reschedule is offered and a slot picked, but
never confirmed, so other end-to-end tests on the same database see the orders as seeded.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from delivery.clock import utcnow
from delivery.db.models import Customer
from delivery.services.customer_tokens import issue_shop_token
from tests.browser.conftest import CUSTOMER_TOKEN_SECRET, OpenPage, free_port
from tests.browser.widget import Widget
from tests.support.assistant import Assistant

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
Shot = Callable[[Page, str], Path]
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_where_is_my_order_verify_and_see_the_timeline(
    gateway: str, open_page: OpenPage, shot: Shot
) -> None:
    page = open_page(gateway + "/", **DESKTOP)
    widget = Widget(page)
    widget.open()
    expect(widget.input).to_be_focused()
    widget.say("Hi! Where is my order 100001?")
    expect(widget.typing).to_be_visible()
    widget.wait_for_reply("e-mail")
    expect(widget.typing).to_be_hidden()
    widget.say("ada@example.com")
    widget.wait_for_reply("Thanks, Ada")
    widget.wait_for_reply("Here's order 100001")
    timeline = widget.wait_for_reply("✅ Ordered")
    expect(timeline).to_contain_text("Shipped")
    widget.wait_for_reply("tracking")
    # Every message carries its time.
    expect(page.locator(".da-msg .da-time").first).to_have_attribute("datetime", ISO_UTC)
    # Scrolled so that the newest message is in view.
    expect(widget.bot_messages().last).to_be_in_viewport()
    shot(page, "timeline")


def test_a_problem_option_button_is_pressed_and_answered(gateway: str, open_page: OpenPage) -> None:
    page = open_page(gateway + "/", **DESKTOP)
    widget = Widget(page)
    widget.open()
    widget.say("where is my order 100002? my email is marco.rossi@example.com")
    widget.wait_for_reply("running late")
    widget.wait_for_reply("Here's what I can do for you")
    expect(widget.enabled_buttons()).to_have_text(
        ["Deliver another day", "Send it to a pickup point", "Talk to a person"]
    )
    before = widget.bot_count()
    widget.enabled_buttons().filter(has_text="Deliver another day").click()
    # The customer sees the button's title as their message, not its payload.
    expect(widget.customer_messages().last).to_have_text("Deliver another day")
    expect(page.locator(".da-chosen")).to_contain_text("Deliver another day")
    expect(page.locator(".da-choice").filter(has_text="Send it to a pickup point")).to_be_disabled()
    # The assistant answers: free days, or (after the carrier's cut-off time) why it is too
    # late, whichever holds at the time of day the test runs.
    widget.wait_for_more_replies(before)


def test_a_reschedule_slot_is_picked_from_the_buttons(
    gateway: str, open_page: OpenPage, shot: Shot, far_order: str
) -> None:
    number, email = far_order.split()
    page = open_page(gateway + "/", **DESKTOP)
    widget = Widget(page)
    widget.open()
    widget.say("can I get my delivery on another day?")
    widget.wait_for_reply("order number")
    widget.say(number)
    widget.wait_for_reply("e-mail")
    widget.say(email)
    slots = widget.enabled_buttons()
    expect(slots.first).to_be_visible(timeout=30_000)
    assert slots.count() >= 2
    slot = slots.first.inner_text()
    before = widget.bot_count()
    slots.first.click()
    expect(widget.customer_messages().last).to_have_text(slot)
    widget.wait_for_more_replies(before)
    # It asks to confirm (left unconfirmed: the order stays as seeded), with new buttons.
    expect(widget.enabled_buttons().first).to_be_visible(timeout=30_000)
    assert not any(text.startswith("/") for text in widget.customer_messages().all_inner_texts())
    shot(page, "slot-chosen")


def test_the_history_survives_a_reload_and_a_new_tab(gateway: str, open_page: OpenPage) -> None:
    page = open_page(gateway + "/", **DESKTOP)
    widget = Widget(page)
    widget.open()
    widget.say("has order #100003 shipped")
    widget.wait_for_reply("e-mail")
    widget.say("00-950")
    widget.wait_for_reply("Here's order 100003")
    shown = widget.log.inner_text()

    page.reload()
    expect(widget.panel).to_be_visible()  # it stays open across pages of the shop
    expect(widget.customer_messages()).to_have_text(["has order #100003 shipped", "00-950"])
    widget.wait_for_reply("Here's order 100003")
    assert widget.log.inner_text().count("Here's order 100003") == shown.count(
        "Here's order 100003"
    )

    tab = page.context.new_page()
    tab.goto(gateway + "/")
    other = Widget(tab)
    other.open()
    expect(other.customer_messages()).to_have_text(["has order #100003 shipped", "00-950"])
    # The conversation goes on in the new tab, where the assistant still knows the order.
    other.say("and where is it now?")
    other.wait_for_reply("100003")


def test_keyboard_only(gateway: str, open_page: OpenPage, shot: Shot) -> None:
    page = open_page(gateway + "/", **DESKTOP)
    widget = Widget(page)
    # Tab through the shop page until the chat button has the focus.
    for _ in range(40):
        page.keyboard.press("Tab")
        if widget.focused() == "da-launcher":
            break
    assert widget.focused() == "da-launcher"
    outline = widget.launcher.evaluate("node => getComputedStyle(node).outlineStyle")
    assert outline == "solid"  # a visible focus ring
    shot(page, "launcher-focused")

    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    expect(widget.launcher).to_have_attribute("aria-expanded", "true")
    assert widget.focused() == "da-input"
    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    expect(widget.bot_messages().first).to_be_visible(timeout=30_000)
    page.keyboard.press("Tab")
    assert widget.focused() == "da-send"

    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    assert widget.focused() == "da-launcher"

    page.keyboard.press("Space")
    expect(widget.panel).to_be_visible()
    assert widget.focused() == "da-input"
    # What assistive technology is told.
    expect(page.get_by_role("dialog", name="Delivery help")).to_be_visible()
    expect(page.get_by_role("button", name="Chat with us")).to_have_attribute(
        "aria-expanded", "true"
    )
    expect(page.get_by_role("button", name="Close chat")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    expect(page.get_by_role("region", name="Conversation")).to_be_visible()
    expect(page.locator(".da-panel [aria-live=polite]")).not_to_be_empty()


def test_on_a_phone_the_chat_takes_the_whole_screen(
    gateway: str, open_page: OpenPage, shot: Shot
) -> None:
    page = open_page(gateway + "/", **PHONE)
    widget = Widget(page)
    shot(page, "closed")
    widget.launcher.tap()
    expect(widget.panel).to_be_visible()
    expect(widget.status).to_be_hidden()
    # The panel slides in: on a loaded machine the transition may still be running, so its
    # box is read until it settles (within a pixel of the whole screen, or 3 s have passed).
    box = None
    for _ in range(30):
        box = widget.panel.bounding_box()
        assert box is not None
        placed = (box["x"], box["y"], box["width"], box["height"])
        if all(abs(a - b) < 1 for a, b in zip(placed, (0, 0, 390, 844), strict=True)):
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError(f"the panel does not fill the phone's screen: {box}")
    expect(widget.launcher).to_be_hidden()  # the header's close button is the way out
    widget.say("where is my order 100004")
    widget.wait_for_reply("e-mail")
    widget.say("aino.virtanen@example.com")
    widget.wait_for_reply("Here's order 100004")
    shot(page, "open")
    page.get_by_role("button", name="Close chat").tap()
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_visible()


def test_arabic_is_right_to_left(gateway: str, open_page: OpenPage, shot: Shot) -> None:
    page = open_page(gateway + "/?lang=ar", **DESKTOP)
    widget = Widget(page)
    launcher = widget.launcher.bounding_box()
    assert launcher is not None and launcher["x"] < 640  # bottom left, mirrored
    widget.launcher.click()
    expect(widget.panel).to_have_attribute("dir", "rtl")
    expect(widget.panel).to_have_attribute("lang", "ar")
    expect(page.locator(".da-title")).to_have_text("مساعد التوصيل")
    arabic = Widget(page, input_label="رسالتك")
    arabic.say("100001")
    expect(arabic.bot_messages().first).to_be_visible(timeout=30_000)
    # Mirrored as a whole: the customer's own messages sit at the end side, here the left.
    bubble = arabic.customer_messages().last.bounding_box()
    panel = widget.panel.bounding_box()
    assert bubble is not None and panel is not None
    assert bubble["x"] - panel["x"] < 60
    shot(page, "rtl")


class _ShopPage(BaseHTTPRequestHandler):
    """Another shop's page on another origin, embedding the widget with a signed token."""

    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def _another_shop(html: str) -> Iterator[str]:
    handler = type("ShopPage", (_ShopPage,), {"body": html.encode()})
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_logged_in_customer_on_another_site_is_known_by_the_shop_token(
    gateway: str, assistant: Assistant, open_page: OpenPage
) -> None:
    with assistant.sessions()() as session:
        ada = session.scalars(select(Customer).where(Customer.email == "ada@example.com")).one()
        external_id = ada.external_id
    token = issue_shop_token(
        external_id, CUSTOMER_TOKEN_SECRET, now=utcnow(), ttl=dt.timedelta(minutes=15)
    )
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Another shop</title><link rel="icon" href="data:,"></head><body><h1>Another shop</h1>
<script src="{gateway}/static/widget/widget.js" data-manual defer></script>
<script>
addEventListener("DOMContentLoaded", () => DeliveryAssistant.init({{
  server: "{gateway}", language: "en", token: "{token}", color: "#8a1c7c" }}));
</script></body></html>"""
    with _another_shop(html) as shop:
        assert not shop.startswith(gateway)
        page = open_page(shop + "/", **DESKTOP)
        widget = Widget(page)
        widget.open()
        widget.say("where is order 100001?")
        widget.wait_for_reply("Here's order 100001")
        assert "e-mail" not in widget.log.inner_text()  # never asked to prove it
        # The shop's colour, with readable text on it.
        colour = widget.launcher.evaluate("node => getComputedStyle(node).backgroundColor")
        assert colour == "rgb(138, 28, 124)"
