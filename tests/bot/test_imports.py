"""``POST /api/v1/orders/import``: authentication, limits, validation and loading."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from sqlalchemy import Engine, func, select

from delivery.db.base import Base
from delivery.db.models import Order
from tests.bot.conftest import TOKEN, Serve
from tests.importer.documents import document, order

URL = "/api/v1/orders/import"
JSON = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}


def _body(*orders: dict[str, object]) -> bytes:
    return json.dumps(document(*orders)).encode()


def _rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return sum(
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        )


def _orders(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Order)).scalar_one()


async def test_a_good_file_is_imported_and_reimported(serve: Serve, engine: Engine) -> None:
    async with serve() as client:
        response = await client.post(URL, content=_body(order("#1"), order("#2")), headers=JSON)
        assert response.status_code == 200
        report = response.json()
        assert report["dry_run"] is False
        assert report["validated"] == {"carriers": 1, "pickup_points": 0, "orders": 2}
        assert report["counts"]["orders"] == {
            "created": 2,
            "updated": 0,
            "unchanged": 0,
            "deleted": 0,
        }
        assert _orders(engine) == 2
        again = await client.post(URL, content=_body(order("#1"), order("#2")), headers=JSON)
    assert again.json()["counts"]["orders"]["unchanged"] == 2
    assert _orders(engine) == 2


async def test_a_dry_run_writes_nothing(serve: Serve, engine: Engine) -> None:
    async with serve() as client:
        response = await client.post(f"{URL}?dry_run=true", content=_body(), headers=JSON)
        assert response.status_code == 200
        assert response.json()["dry_run"] is True
        assert response.json()["counts"] is None
        assert _rows(engine) == 0
        bad_flag = await client.post(f"{URL}?dry_run=maybe", content=_body(), headers=JSON)
    assert bad_flag.status_code == 400


async def test_a_bad_file_gets_422_with_every_error_and_nothing_written(
    serve: Serve, engine: Engine
) -> None:
    bad = order("#2")
    bad["lines"][1]["quantity"] = -1
    bad["customer"]["timezone"] = "Mars/Olympus"
    async with serve() as client:
        response = await client.post(URL, content=_body(order("#1"), bad), headers=JSON)
        broken = await client.post(URL, content=b'{"format_version": 1, "orders": [', headers=JSON)
    assert response.status_code == 422
    assert response.json() == {
        "errors": [
            {"path": "orders[1].lines[1].quantity", "message": "must be at least 1"},
            {
                "path": "orders[1].customer.timezone",
                "message": "unknown timezone 'Mars/Olympus' (expected an IANA name like "
                "Europe/Rome)",
            },
        ],
        "error_count": 2,
    }
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["path"] == "$"
    assert broken.json()["errors"][0]["message"].startswith("invalid JSON near line 1, column ")
    assert _rows(engine) == 0


async def test_authentication(serve: Serve, engine: Engine) -> None:
    async with serve() as client:
        missing = await client.post(
            URL, content=_body(), headers={"Content-Type": "application/json"}
        )
        wrong = await client.post(
            URL, content=_body(), headers={**JSON, "Authorization": "Bearer nope"}
        )
        basic = await client.post(
            URL, content=_body(), headers={**JSON, "Authorization": f"Basic {TOKEN}"}
        )
        right = await client.post(
            URL, content=_body(), headers={**JSON, "Authorization": f"bearer {TOKEN}"}
        )
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="order-import"'
    assert missing.json()["error"] == "unauthorized"
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == 'Bearer realm="order-import", error="invalid_token"'
    assert basic.status_code == 401
    assert right.status_code == 200
    assert _orders(engine) == 1


async def test_disabled_without_a_token(serve: Serve, engine: Engine) -> None:
    async with serve(IMPORT_API_TOKEN=None) as client:
        response = await client.post(URL, content=_body(), headers=JSON)
    assert response.status_code == 503
    assert response.json() == {
        "error": "import_disabled",
        "message": "The order import API is disabled on this server.",
    }
    assert _rows(engine) == 0


async def test_only_json_is_accepted(serve: Serve) -> None:
    async with serve() as client:
        text = await client.post(URL, content=_body(), headers={**JSON, "Content-Type": "text/csv"})
        none = await client.post(URL, content=_body(), headers={"Authorization": f"Bearer {TOKEN}"})
        charset = await client.post(
            URL,
            content=_body(),
            headers={**JSON, "Content-Type": "application/json; charset=utf-8"},
        )
    assert text.status_code == 415
    assert text.json()["error"] == "unsupported_media_type"
    assert none.status_code == 415
    assert charset.status_code == 200


async def test_bodies_over_the_limit_get_413(serve: Serve, engine: Engine) -> None:
    body = _body(order("#1"))
    async with serve(IMPORT_MAX_BYTES=len(body) - 1) as client:
        declared = await client.post(URL, content=body, headers=JSON)

        async def chunks() -> AsyncIterator[bytes]:  # streamed, without a Content-Length
            for start in range(0, len(body), 100):
                yield body[start : start + 100]

        streamed = await client.post(URL, content=chunks(), headers=JSON)
    assert declared.status_code == 413
    assert declared.json()["error"] == "payload_too_large"
    assert streamed.status_code == 413
    assert _rows(engine) == 0
    async with serve(IMPORT_MAX_BYTES=len(body)) as client:
        assert (await client.post(URL, content=body, headers=JSON)).status_code == 200
