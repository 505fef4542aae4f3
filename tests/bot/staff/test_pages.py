"""The console's pages: the login form, the console shell, their headers and markup."""

from __future__ import annotations

from html.parser import HTMLParser

from bot.staff.auth import SECURITY_HEADERS
from delivery.vocabulary import StaffRole
from tests.bot.conftest import Serve
from tests.bot.staff.conftest import MakeAgent, console_csrf, login_csrf

CONSOLE_IDS = {
    "queue", "claim", "reply-text", "reply-send", "hand-back", "close-outcome", "close",
    "transcript", "orders", "canned", "logout", "customer", "announcer", "notice",
}  # fmt: skip


class _Markup(HTMLParser):
    """Ids, labels, scripts and anything inline a strict CSP would block."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.labels: set[str] = set()
        self.scripts: list[str | None] = []
        self.inline: list[str] = []
        self.options: list[str | None] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if element_id := attributes.get("id"):
            self.ids.add(element_id)
        if tag == "label" and attributes.get("for"):
            self.labels.add(str(attributes["for"]))
        if tag == "script":
            self.scripts.append(attributes.get("src"))
            self._in_script = True
        if tag == "style" or "style" in attributes:
            self.inline.append(tag)
        if any(name.startswith("on") for name in attributes):
            self.inline.append(f"{tag} handler")
        if tag == "option":
            self.options.append(attributes.get("value"))

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append("script body")


def _markup(html: str) -> _Markup:
    parsed = _Markup()
    parsed.feed(html)
    return parsed


async def test_the_console_sends_a_signed_out_visitor_to_the_login_page(serve: Serve) -> None:
    async with serve() as client:
        response = await client.get("/agent")
    assert response.status_code == 303
    assert response.headers["location"] == "/agent/login"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value


async def test_the_login_page_is_a_labelled_form_with_a_double_submit_token(serve: Serve) -> None:
    async with serve() as client:
        response = await client.get("/agent/login")
    assert response.status_code == 200
    page = _markup(response.text)
    assert {"login-username", "login-password", "login-submit"} <= page.ids
    assert {"login-username", "login-password"} <= page.labels
    assert response.cookies["staff_login_csrf"] == login_csrf(response.text)
    assert page.scripts == [] and page.inline == []
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


async def test_the_console_page_carries_its_csrf_token_and_every_control(
    serve: Serve, make_agent: MakeAgent
) -> None:
    agent = make_agent()
    async with serve() as client:
        response = await client.get("/agent", headers=agent.cookie)
    assert response.status_code == 200
    assert console_csrf(response.text) == agent.csrf
    page = _markup(response.text)
    assert page.ids >= CONSOLE_IDS
    assert {"reply-text", "close-outcome", "canned"} <= page.labels
    assert page.scripts == ["/static/vendor/socket.io.min.js", "/static/agent/console.js"]
    assert page.inline == []
    assert [o for o in page.options if o] == ["resolved", "unresolved", "no_reply"]
    assert "Maria Rossi" in response.text
    assert response.headers["referrer-policy"] == "same-origin"


async def test_names_are_escaped_on_the_console_page(serve: Serve, make_agent: MakeAgent) -> None:
    agent = make_agent("eve", name='<script>alert("x")</script>', role=StaffRole.ADMIN)
    async with serve() as client:
        response = await client.get("/agent", headers=agent.cookie)
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in response.text


async def test_a_signed_in_visitor_of_the_login_page_goes_to_the_console(
    serve: Serve, make_agent: MakeAgent
) -> None:
    agent = make_agent()
    async with serve() as client:
        response = await client.get("/agent/login", headers=agent.cookie)
    assert response.status_code == 303
    assert response.headers["location"] == "/agent"


async def test_the_console_s_assets_are_served(serve: Serve) -> None:
    async with serve() as client:
        for path in ("/static/agent/console.js", "/static/agent/console.css",
                     "/static/agent/login.css"):  # fmt: skip
            response = await client.get(path)
            assert response.status_code == 200, path
