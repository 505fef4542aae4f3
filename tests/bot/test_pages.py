"""``GET /``: the demo shop with the chat widget, and the demo orders to ask it about."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from bot.pages import DEFAULT_LANGUAGE, WIDGET_LANGUAGES, chat_language, render_home_page
from delivery.demo.showcase import SHOWCASE_ORDERS, ShowcaseOrder
from tests.bot.conftest import Serve


class _Page(HTMLParser):
    """The page's language, its table (header cells and body rows), scripts and links."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self.scripts: list[dict[str, str | None]] = []
        self.links: list[dict[str, str | None]] = []
        self.images: list[dict[str, str | None]] = []
        self._cell: str | None = None
        self._in_header = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        elif tag == "script":
            self.scripts.append(attributes)
        elif tag == "a":
            self.links.append(attributes)
        elif tag == "img":
            self.images.append(attributes)
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""
            self._in_header = tag == "th" and attributes.get("scope") == "col"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            (self.headers if self._in_header else self.rows[-1]).append(self._cell)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell += data


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


async def test_the_shop_page_lists_the_demo_orders(serve: Serve) -> None:
    async with serve() as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = _parse(response.text)
    assert page.lang == "en"
    assert page.headers == ["Order number", "E-mail", "Postcode", "What to expect"]
    rows = [row for row in page.rows if row]
    assert rows == [[o.number, o.email, o.postcode, o.story] for o in SHOWCASE_ORDERS]
    assert '<meta name="viewport"' in response.text


async def test_the_page_embeds_the_widget_with_its_one_line_snippet(serve: Serve) -> None:
    async with serve() as client:
        response = await client.get("/")
        page = _parse(response.text)
        (widget,) = page.scripts
        assert widget["src"] == "/static/widget/widget.js"
        assert widget["data-language"] == "en"
        assert widget["data-color"]
        assert "defer" in widget
        # Everything the page and the widget load is served by the gateway itself.
        for path in [
            "/static/widget/widget.js",
            "/static/widget/widget.css",
            "/static/vendor/socket.io.min.js",
            "/static/demo/shop.css",
            "/static/demo/favicon.svg",
            *[str(image["src"]) for image in page.images],
        ]:
            assert (await client.get(path)).status_code == 200, path


@pytest.mark.parametrize("code", list(WIDGET_LANGUAGES))
async def test_the_chat_language_is_picked_on_the_page(serve: Serve, code: str) -> None:
    async with serve() as client:
        response = await client.get("/", params={"lang": code})
    page = _parse(response.text)
    assert page.scripts[0]["data-language"] == code
    assert page.lang == "en"  # the shop stays in English; only the chat changes
    current = [link for link in page.links if "aria-current" in link]
    assert [link["href"] for link in current] == [f"/?lang={code}"]


@pytest.mark.parametrize("requested", [None, "", "xx", "EN", '"><script>', "ar-EG"])
def test_an_unknown_language_is_english(requested: str | None) -> None:
    assert chat_language(requested) == DEFAULT_LANGUAGE
    page = _parse(render_home_page(SHOWCASE_ORDERS, language=requested))
    assert page.scripts[0]["data-language"] == DEFAULT_LANGUAGE


def test_values_are_escaped() -> None:
    html = render_home_page([ShowcaseOrder("<b>1</b>", "a&b@example.com", "1", "x", "<script>")])
    assert "<b>1</b>" not in html and "&lt;b&gt;1&lt;/b&gt;" in html
    assert "<script>" not in html and "a&amp;b@example.com" in html
