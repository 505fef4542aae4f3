"""``GET /``: the placeholder page, until the demo shop with the chat widget replaces it."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse

from delivery.demo.showcase import SHOWCASE_ORDERS, ShowcaseOrder

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Delivery assistant</title>
<style>
  body {{ font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a;
         background: #fff; margin: 0; }}
  main {{ max-width: 56rem; margin: 0 auto; padding: 2rem 1rem; }}
  table {{ border-collapse: collapse; width: 100%; }}
  caption {{ text-align: left; font-weight: 600; padding-bottom: .5rem; }}
  th, td {{ text-align: left; vertical-align: top; padding: .5rem;
           border-bottom: 1px solid #767676; }}
  code {{ font-size: 1rem; }}
  .nowrap {{ white-space: nowrap; }}
  a {{ color: #0b57d0; }}
</style>
</head>
<body>
<main>
<h1>Delivery assistant</h1>
<p>A chat assistant for an online shop's customers: where is my order, change the delivery
day or send it to a pickup point, return an item, report a problem, or talk to a person.
It answers on Telegram and in a chat window on the shop's website.</p>
<p>The chat window arrives on this page with the channels work. Until then, this page lists
the demo orders to try once it is here.</p>
<table>
<caption>Demo orders</caption>
<thead>
<tr><th scope="col">Order number</th><th scope="col">E-mail</th>
<th scope="col">Postcode</th><th scope="col">What to expect</th></tr>
</thead>
<tbody>
{rows}
</tbody>
</table>
<p>Prove an order is yours with its number and either the e-mail or the delivery postcode.
Service status: <a href="/health">/health</a>.</p>
</main>
</body>
</html>
"""


async def home_page(request: Request) -> HTMLResponse:
    return HTMLResponse(render_home_page(SHOWCASE_ORDERS))


def render_home_page(orders: Iterable[ShowcaseOrder]) -> str:
    rows = "\n".join(
        "<tr>"
        f"<td><code>{escape(order.number)}</code></td>"
        f"<td>{escape(order.email)}</td>"
        f'<td class="nowrap">{escape(order.postcode)}</td>'
        f"<td>{escape(order.story)}</td>"
        "</tr>"
        for order in orders
    )
    return _PAGE.format(rows=rows)
