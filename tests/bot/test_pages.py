"""``GET /``: the placeholder page with the demo orders."""

from __future__ import annotations

from html.parser import HTMLParser

from bot.pages import render_home_page
from delivery.demo.showcase import SHOWCASE_ORDERS, ShowcaseOrder
from tests.bot.conftest import Serve


class _Table(HTMLParser):
    """The page's language, header cells and body rows."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: str | None = None
        self._in_header = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""
            self._in_header = tag == "th" and dict(attrs).get("scope") == "col"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            (self.headers if self._in_header else self.rows[-1]).append(self._cell)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell += data


async def test_the_page_lists_the_demo_orders(serve: Serve) -> None:
    async with serve() as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = _Table()
    page.feed(response.text)
    assert page.lang == "en"
    assert page.headers == ["Order number", "E-mail", "Postcode", "What to expect"]
    rows = [row for row in page.rows if row]
    assert rows == [[o.number, o.email, o.postcode, o.story] for o in SHOWCASE_ORDERS]
    assert "chat window arrives" in response.text
    assert '<meta name="viewport"' in response.text


def test_values_are_escaped() -> None:
    html = render_home_page([ShowcaseOrder("<b>1</b>", "a&b@example.com", "1", "x", "<script>")])
    assert "<b>1</b>" not in html and "&lt;b&gt;1&lt;/b&gt;" in html
    assert "<script>" not in html and "a&amp;b@example.com" in html
