"""An off-the-shelf Rasa widget against the gateway: botfront's rasa-webchat, unchanged.

rasa-webchat's browser build (``lib/index.js``, pinned in ``webchat/package.json``) is served
by a plain HTTP server on another port, so the page is another origin than the gateway (as a
shop's site would be) and the socket starts with long-polling across origins. The widget is
configured as its README says and nothing more: ``socketUrl`` and ``customData``. It talks
to the real gateway in front of the real Rasa and action server (the ``gateway`` fixture).

rasa-webchat keeps its session id and its copy of the conversation in ``localStorage``; on a
reload it sends that id in ``session_request`` and the conversation goes on.

``npm ci`` installs the widget into ``webchat/node_modules`` when it is missing (needs the
npm registry once); without npm the tests are skipped, except in CI, where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from bot.relay import Outgoing
from bot.socket_channel import bot_uttered
from tests.browser.conftest import OpenPage, free_port
from tests.browser.stub_gateway import StubGateway

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WEBCHAT_DIR = Path(__file__).resolve().parent / "webchat"
WEBCHAT_JS = WEBCHAT_DIR / "node_modules" / "rasa-webchat" / "lib" / "index.js"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
#: rasa-webchat shows each bot message after a delay of its own (up to 3 s by default).
REPLY_TIMEOUT = 45_000


@pytest.fixture(scope="module")
def webchat_js() -> bytes:
    """rasa-webchat's browser build, installed from the lock file when it is missing."""
    if not WEBCHAT_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            reason = "npm is not installed: cannot install rasa-webchat (tests/browser/webchat)"
            if os.environ.get("CI"):
                pytest.fail(reason)  # CI must run these tests, never skip them
            pytest.skip(reason)
        subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=WEBCHAT_DIR,
            check=True,
            timeout=600,
        )
    return WEBCHAT_JS.read_bytes()


@pytest.fixture
def expected_errors() -> list[str]:
    # rasa-webchat's stylesheet @imports its font from Google Fonts, out of reach here.
    return [r"ERR_NAME_NOT_RESOLVED \(https://fonts\.googleapis\.com/"]


def shop_page(socket_url: str) -> str:
    """A shop's page with rasa-webchat set up as its README shows."""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>A shop with rasa-webchat</title><link rel="icon" href="data:,"></head>
<body><h1>A shop using rasa-webchat</h1>
<script src="/rasa-webchat.js"></script>
<script>
  WebChat.default({{
    socketUrl: "{socket_url}",
    customData: {{ language: "en" }},
    title: "Delivery help",
  }}, null);
</script></body></html>"""


@contextmanager
def shop(html: str, script: bytes) -> Iterator[str]:
    """Serve the page at / and rasa-webchat at /rasa-webchat.js on a port of their own."""
    files = {
        "/": (html.encode(), "text/html; charset=utf-8"),
        "/rasa-webchat.js": (script, "text/javascript; charset=utf-8"),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, content_type = files.get(self.path.split("?")[0], (b"", ""))
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", content_type or "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Webchat:
    """rasa-webchat on a page, by its own class names (``rw-*``)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = page.locator("button.rw-launcher")
        self.input = page.locator("textarea.rw-new-message")

    def open(self) -> None:
        # Hidden until the gateway confirmed the session (hideWhenNotConnected).
        expect(self.launcher).to_be_visible(timeout=20_000)
        self.launcher.click()
        expect(self.input).to_be_visible()

    def say(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")
        expect(self.customer_messages().last).to_have_text(text)

    def customer_messages(self) -> Locator:
        return self.page.locator(".rw-client")

    def bot_messages(self) -> Locator:
        return self.page.locator(".rw-response")

    def wait_for_reply(self, text: str) -> Locator:
        reply = self.bot_messages().filter(has_text=text).last
        expect(reply).to_be_visible(timeout=REPLY_TIMEOUT)
        return reply

    def session_id(self) -> str | None:
        value = self.page.evaluate(
            "() => (JSON.parse(localStorage.getItem('chat_session') || '{}')).session_id"
        )
        return value if isinstance(value, str) else None


def test_rasa_webchat_verifies_shows_the_timeline_and_continues_after_a_reload(
    gateway: str, webchat_js: bytes, open_page: OpenPage
) -> None:
    with shop(shop_page(gateway), webchat_js) as site:
        assert site != gateway  # another origin: CORS and long-polling across origins
        page = open_page(site + "/", **DESKTOP)
        chat = Webchat(page)
        chat.open()
        chat.say("where is my order 100001")
        chat.wait_for_reply("e-mail")
        chat.say("ada@example.com")
        chat.wait_for_reply("Thanks, Ada")
        chat.wait_for_reply("Here's order 100001")
        timeline = chat.wait_for_reply("✅ Ordered")
        expect(timeline).to_contain_text("Shipped")
        session = chat.session_id()
        assert session, "rasa-webchat kept no session id"

        page.reload()
        chat = Webchat(page)
        # The same conversation: rasa-webchat's own copy is shown, the gateway confirmed
        # the stored id, and the assistant still knows the order.
        expect(chat.customer_messages().first).to_have_text("where is my order 100001")
        if not chat.input.is_visible():
            chat.open()
        assert chat.session_id() == session
        before = chat.bot_messages().count()
        chat.say("and where is it now?")
        expect(chat.bot_messages()).not_to_have_count(before, timeout=REPLY_TIMEOUT)
        chat.wait_for_reply("100001")


def test_rasa_webchat_shows_the_assistant_s_buttons_and_sends_their_payload(
    gateway: str, webchat_js: bytes, open_page: OpenPage
) -> None:
    with shop(shop_page(gateway), webchat_js) as site:
        page = open_page(site + "/", **DESKTOP)
        chat = Webchat(page)
        chat.open()
        chat.say("where is my order 100002? my email is marco.rossi@example.com")
        chat.wait_for_reply("running late")
        replies = page.locator(".rw-replies .rw-reply")
        expect(replies.first).to_be_visible(timeout=REPLY_TIMEOUT)
        expect(replies).to_have_text(
            ["Deliver another day", "Send it to a pickup point", "Talk to a person"]
        )
        before = chat.bot_messages().count()
        replies.filter(has_text="Deliver another day").click()
        # rasa-webchat shows the title and sends the payload, which the gateway lets through
        # because the assistant offered it; the assistant answers (free days, or too late).
        expect(chat.customer_messages().last).to_have_text("Deliver another day")
        expect(chat.bot_messages()).not_to_have_count(before, timeout=REPLY_TIMEOUT)
        assert "use the buttons" not in chat.bot_messages().last.inner_text().lower()


def test_rasa_webchat_shows_a_live_agent_s_reply(
    stub: tuple[StubGateway, str, int], webchat_js: bytes, open_page: OpenPage
) -> None:
    script, url, _ = stub
    with shop(shop_page(url), webchat_js) as site:
        page = open_page(site + "/", **DESKTOP)
        chat = Webchat(page)
        chat.open()
        # Shaped by the real gateway's function: first the assistant's, then an agent's.
        for payload in bot_uttered(Outgoing(text="The assistant speaking.")):
            script.push(payload)
        chat.wait_for_reply("The assistant speaking")
        for payload in bot_uttered(Outgoing(text="Hi, Sam here. Let me look.", agent="Sam")):
            script.push(payload)
        expect(chat.bot_messages().filter(has_text="Sam here")).to_be_visible(timeout=10_000)
