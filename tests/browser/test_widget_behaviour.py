"""The widget against a scripted gateway stand-in: what the real assistant can't do on cue.

A live agent joining and leaving, images, links, the history's pressed buttons, an outage and
the reconnection after it.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OpenPage, free_port
from tests.browser.stub_gateway import SESSION_ID, StubGateway, running
from tests.browser.widget import Widget

pytestmark = [pytest.mark.browser, pytest.mark.slow]

Stub = tuple[StubGateway, str, int]


def _buttons(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"content_type": "text", "title": t, "payload": p} for t, p in pairs]


def test_a_new_visitor_connects_on_first_open_and_keeps_the_conversation(
    stub: Stub, open_page: OpenPage
) -> None:
    script, url, _ = stub
    page = open_page(url + "/")
    widget = Widget(page)
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    page.wait_for_timeout(300)
    assert script.session_requests == []  # nothing connects before the customer opens it

    widget.open()
    assert script.session_requests == [{"session_id": None}]
    assert page.evaluate("localStorage.getItem('deliveryAssistant.session')") == SESSION_ID
    expect(page.locator(".da-empty")).to_be_visible()

    page.reload()
    expect(widget.panel).to_be_visible()  # still open after the reload
    expect(widget.status).to_be_hidden()
    assert script.session_requests[-1] == {"session_id": SESSION_ID}


def test_buttons_send_their_payload_and_show_their_title(stub: Stub, open_page: OpenPage) -> None:
    script, url, _ = stub
    script.replies = {
        "hi": [{"text": "Pick one", "quick_replies": _buttons(("Option A", "/a"), ("B", "/b"))}],
        "/a": [{"text": "You chose A"}],
    }
    page = open_page(url + "/")
    widget = Widget(page)
    widget.open()
    widget.say("hi")
    expect(widget.typing).to_be_visible()
    widget.wait_for_reply("Pick one")
    expect(widget.typing).to_be_hidden()

    widget.buttons().filter(has_text="Option A").click()
    expect(widget.customer_messages().last).to_have_text("Option A")
    widget.wait_for_reply("You chose A")
    expect(widget.enabled_buttons()).to_have_count(0)
    expect(page.locator(".da-chosen")).to_contain_text("Option A")
    assert script.received[-1] == {
        "message": "/a",
        "session_id": SESSION_ID,
        "customData": {"language": "en"},
    }


def test_newer_buttons_supersede_older_ones(stub: Stub, open_page: OpenPage) -> None:
    script, url, _ = stub
    page = open_page(url + "/")
    widget = Widget(page)
    widget.open()
    script.push({"text": "First", "quick_replies": _buttons(("Old", "/old"))})
    expect(widget.enabled_buttons()).to_have_count(1)
    script.push({"text": "Second", "quick_replies": _buttons(("New 1", "/n1"), ("New 2", "/n2"))})
    expect(widget.enabled_buttons()).to_have_text(["New 1", "New 2"])
    expect(widget.buttons().filter(has_text="Old")).to_be_disabled()


def test_the_history_shows_pressed_buttons_as_their_titles(stub: Stub, open_page: OpenPage) -> None:
    script, url, _ = stub
    day = [("Monday", '/choose{"slot":"1"}'), ("Tuesday", '/choose{"slot":"2"}')]
    script.history = [
        {"sender": "customer", "text": "move my delivery", "at": "2025-03-03T09:15:00Z"},
        {
            "sender": "bot",
            "text": "Which day?",
            "buttons": _plain(day),
            "at": "2025-03-03T09:15:01Z",
        },
        {"sender": "customer", "text": '/choose{"slot":"1"}', "at": "2025-03-03T09:15:09Z"},
        {
            "sender": "bot",
            "text": "Moved to Monday. Anything else?",
            "buttons": _plain([("No, thanks", "/deny")]),
            "at": "2025-03-03T09:15:10Z",
        },
    ]
    page = open_page(url + "/")
    widget = Widget(page)
    widget.open()
    expect(widget.customer_messages()).to_have_text(["move my delivery", "Monday"])
    expect(widget.buttons().filter(has_text="Monday")).to_be_disabled()
    expect(widget.buttons().filter(has_text="Tuesday")).to_be_disabled()
    expect(widget.enabled_buttons()).to_have_text(["No, thanks"])
    # Timestamps of other days carry the date.
    expect(page.locator(".da-time").first).to_have_attribute("datetime", "2025-03-03T09:15:00.000Z")
    expect(page.locator(".da-time").first).to_contain_text("Mar")
    expect(page.locator(".da-empty")).to_be_hidden()


def test_messages_arriving_with_the_history_are_neither_lost_nor_doubled(
    stub: Stub, open_page: OpenPage
) -> None:
    script, url, _ = stub
    script.history = [
        {"sender": "bot", "text": "Earlier answer.", "buttons": [], "at": "2025-03-03T09:15:00Z"},
        {"sender": "bot", "text": "Already in the history.", "buttons": [], "at": None},
    ]
    script.history_delay = 1.0
    page = open_page(url + "/")
    widget = Widget(page)
    widget.launcher.click()
    expect(widget.status).to_have_text("Connecting…")
    for _ in range(100):
        if script.session_requests:
            break
        page.wait_for_timeout(50)
    script.push({"text": "Already in the history."})
    script.push({"text": "Sent while the history was on its way."})
    expect(widget.status).to_be_hidden()
    expect(widget.bot_messages()).to_have_text(
        ["Earlier answer.", "Already in the history.", "Sent while the history was on its way."]
    )


def _plain(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"title": t, "payload": p} for t, p in pairs]


def test_a_live_agent_joining_and_leaving_is_shown(stub: Stub, open_page: OpenPage) -> None:
    script, url, _ = stub
    page = open_page(url + "/")
    widget = Widget(page)
    widget.open()
    badge = page.locator(".da-agent")
    expect(badge).to_be_hidden()

    script.push({"custom": {"handoff": "agent_joined", "agent": "Sam"}})
    expect(badge).to_have_text("Live: Sam")
    expect(page.locator(".da-system").last).to_have_text("Sam from our team has joined the chat.")
    script.push({"text": "Hi, I'm Sam. Let me look at your order."})
    message = page.locator(".da-msg--agent")
    expect(message).to_contain_text("Sam (support team)")
    expect(message).to_contain_text("Let me look at your order.")
    announcer = page.locator("[aria-live=polite]")
    expect(announcer).to_contain_text("Sam: Hi, I'm Sam.")

    script.push({"custom": {"handoff": "agent_left", "agent": "Sam"}})
    expect(badge).to_be_hidden()
    expect(page.locator(".da-system").last).to_contain_text("The assistant is back.")
    script.push({"text": "Back to me, the assistant."})
    expect(page.locator(".da-msg--bot").last).to_contain_text("Back to me")


def test_images_links_and_text_that_looks_like_html(stub: Stub, open_page: OpenPage) -> None:
    script, url, _ = stub
    page = open_page(url + "/")
    widget = Widget(page)
    widget.open()
    script.push({"attachment": {"type": "image", "payload": {"src": url + "/static/demo/mug.svg"}}})
    image = page.locator(".da-image")
    expect(image).to_be_visible()
    expect(image).to_have_attribute("alt", "Image")
    assert (
        page.evaluate(
            "document.querySelector('#delivery-assistant').shadowRoot"
            ".querySelector('.da-image').naturalWidth"
        )
        > 0
    )

    script.push({"text": "Track it at https://carrier.example/t/42. <b>Thanks</b>"})
    link = page.locator(".da-bubble a")
    expect(link).to_have_attribute("href", "https://carrier.example/t/42")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(widget.bot_messages().last).to_contain_text("<b>Thanks</b>")  # shown, not parsed

    script.push({"attachment": {"type": "image", "payload": {"src": "javascript:alert(1)"}}})
    script.push({"text": "after"})
    widget.wait_for_reply("after")
    expect(page.locator(".da-image")).to_have_count(1)


def test_an_unread_reply_is_counted_on_the_closed_launcher(stub: Stub, open_page: OpenPage) -> None:
    script, url, _ = stub
    page = open_page(url + "/")
    widget = Widget(page)
    widget.open()
    widget.launcher.click()  # close
    expect(widget.panel).to_be_hidden()
    script.push({"text": "Your parcel is running late."})
    expect(page.locator(".da-unread")).to_have_text("1")
    expect(widget.launcher).to_have_attribute("aria-label", "Chat with us, new messages")
    widget.launcher.click()
    expect(page.locator(".da-unread")).to_be_hidden()


def test_an_outage_shows_reconnecting_and_nothing_typed_is_lost(
    open_page: OpenPage, expected_errors: list[str]
) -> None:
    # While the server is down the browser logs its failed requests; that is the point here.
    expected_errors += [r"ERR_CONNECTION_REFUSED", r"WebSocket connection to .* failed"]
    script = StubGateway(replies={"are you there?": [{"text": "Yes, I'm here."}]})
    port = free_port()
    with running(script, port) as url:
        page = open_page(url + "/")
        widget = Widget(page)
        widget.open()
        widget.say("hello")
        expect(widget.typing).to_be_visible()
    # The server is gone.
    expect(widget.status).to_have_text("Connection lost. Reconnecting…")
    expect(widget.typing).to_be_hidden()
    widget.say("are you there?")
    expect(page.locator(".da-msg--customer.da-pending")).to_have_count(1)

    with running(script, port):
        expect(widget.status).to_be_hidden(timeout=20_000)
        widget.wait_for_reply("Yes, I'm here.")
        expect(page.locator(".da-pending")).to_have_count(0)
    assert [m["message"] for m in script.received] == ["hello", "are you there?"]
    assert script.session_requests[-1] == {"session_id": SESSION_ID}
