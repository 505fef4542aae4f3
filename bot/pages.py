"""``GET /``: the demo shop, a small believable shop page with the chat widget on it.

The page is what a shop's own page would be: its content plus the one-line embed of the widget
(docs/widget.md). It also lists the demo orders to ask about, and lets a visitor pick the
chat's language (``?lang=ar`` shows the widget right to left).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse

from delivery.demo.showcase import SHOWCASE_ORDERS, ShowcaseOrder

# The languages the assistant and its widget speak, each named in itself.
WIDGET_LANGUAGES: dict[str, str] = {
    "en": "English",
    "it": "Italiano",
    "pl": "Polski",
    "fi": "Suomi",
    "ar": "العربية",
}
DEFAULT_LANGUAGE = "en"
# The demo shop's brand colour, handed to the widget as its theme colour.
SHOP_COLOUR = "#1f5f4a"


@dataclass(frozen=True)
class _Product:
    name: str
    detail: str
    price: str
    picture: str  # file under /static/demo/


_PRODUCTS = (
    _Product("Stoneware mug set", "Four mugs, speckled glaze", "€34", "mug.svg"),
    _Product("Linen throw", "Stone-washed, 130 × 170 cm", "€59", "throw.svg"),
    _Product("Brass desk lamp", "Dimmable, warm white", "€89", "lamp.svg"),
    _Product("Ceramic planter", "Ø 18 cm, with saucer", "€27", "planter.svg"),
)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fernleaf Home · demo shop with the delivery assistant</title>
<link rel="icon" href="/static/demo/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/demo/shop.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site-header">
  <a class="brand" href="/">Fernleaf <span>Home</span></a>
  <nav aria-label="Main">
    <a href="#products">Shop</a>
    <a href="#orders">Your orders</a>
    <a href="#language">Chat language</a>
  </nav>
  <span class="basket">Basket (0)</span>
</header>
<p class="promo">Free delivery over €50 · Free returns within 30 days</p>
<main id="main">
<section class="hero">
  <h1>Slow mornings, well made.</h1>
  <p>Stoneware, linen and light for the rooms you live in.</p>
</section>
<section id="products" aria-labelledby="products-title">
<h2 id="products-title">New this week</h2>
<ul class="products">
{products}
</ul>
</section>
<section id="orders" class="orders" aria-labelledby="orders-title">
<h2 id="orders-title">Where is my order?</h2>
<p>Ask our assistant: open the chat at the bottom of the page and ask, for example,
<q>where is my order 100001?</q> It shows where the parcel is, moves the delivery to another
day or a pickup point, books a return pickup, sorts out damaged or missing items, and hands you
to a person when you need one.</p>
<table>
<caption>Demo orders to ask about</caption>
<thead>
<tr><th scope="col">Order number</th><th scope="col">E-mail</th>
<th scope="col">Postcode</th><th scope="col">What to expect</th></tr>
</thead>
<tbody>
{rows}
</tbody>
</table>
<p>Prove an order is yours with its number and either the e-mail or the delivery postcode.</p>
</section>
<section id="language" aria-labelledby="language-title">
<h2 id="language-title">Chat language</h2>
<ul class="languages">
{languages}
</ul>
</section>
</main>
<footer class="site-footer">
<p>Fernleaf Home is a demo shop for the open-source delivery assistant; nothing here is for
sale. Service status: <a href="/health">/health</a>.</p>
</footer>
<script src="/static/widget/widget.js" data-language="{language}" data-color="{colour}"
  defer></script>
</body>
</html>
"""


async def home_page(request: Request) -> HTMLResponse:
    return HTMLResponse(
        render_home_page(SHOWCASE_ORDERS, language=request.query_params.get("lang"))
    )


def chat_language(requested: str | None) -> str:
    """The widget language for ``?lang=``: one the assistant speaks, English otherwise."""
    return requested if requested in WIDGET_LANGUAGES else DEFAULT_LANGUAGE


def render_home_page(orders: Iterable[ShowcaseOrder], *, language: str | None = None) -> str:
    chosen = chat_language(language)
    return _PAGE.format(
        products="\n".join(_product(product) for product in _PRODUCTS),
        rows="\n".join(_order_row(order) for order in orders),
        languages="\n".join(_language_link(code, chosen) for code in WIDGET_LANGUAGES),
        language=escape(chosen),
        colour=escape(SHOP_COLOUR),
    )


def _product(product: _Product) -> str:
    return (
        '<li class="product">'
        f'<img src="/static/demo/{escape(product.picture)}" alt="" width="240" height="180">'
        f"<h3>{escape(product.name)}</h3>"
        f'<p class="detail">{escape(product.detail)}</p>'
        f'<p class="price">{escape(product.price)}</p>'
        "</li>"
    )


def _order_row(order: ShowcaseOrder) -> str:
    return (
        "<tr>"
        f"<td><code>{escape(order.number)}</code></td>"
        f"<td>{escape(order.email)}</td>"
        f'<td class="nowrap">{escape(order.postcode)}</td>'
        f"<td>{escape(order.story)}</td>"
        "</tr>"
    )


def _language_link(code: str, chosen: str) -> str:
    current = ' aria-current="true"' if code == chosen else ""
    return (
        f'<li><a href="/?lang={code}" lang="{code}" hreflang="{code}"{current}>'
        f"{escape(WIDGET_LANGUAGES[code])}</a></li>"
    )
