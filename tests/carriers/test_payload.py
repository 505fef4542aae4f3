"""Reading a carrier's body: every problem with its path, each reported once."""

from __future__ import annotations

import datetime as dt

import pytest

from delivery.carriers.errors import InvalidPayload
from delivery.carriers.payload import document


def _problems(body: object, read: object) -> list[dict[str, str]]:
    with pytest.raises(InvalidPayload) as raised:
        root = document(body)
        read(root)  # type: ignore[operator]
        root.check()
    return [problem.as_dict() for problem in raised.value.problems]


def test_paths_name_where_the_problem_is() -> None:
    body = {"shipment": {"events": [{"at": "2026-03-02T10:00:00Z"}, {"at": "soon"}]}}

    def read(root):  # type: ignore[no-untyped-def]
        for event in root.get("shipment").get("events").items():
            event.get("at").iso_datetime()
            event.get("code").text()

    assert _problems(body, read) == [
        {"path": "shipment.events[0].code", "message": "is required"},
        {"path": "shipment.events[1].at", "message": "must be an ISO 8601 date and time"},
        {"path": "shipment.events[1].code", "message": "is required"},
    ]


def test_a_missing_object_is_one_problem_not_one_per_field() -> None:
    def read(root):  # type: ignore[no-untyped-def]
        shipment = root.get("shipment")
        shipment.get("trackingNumber").text()
        shipment.get("events").items()

    assert _problems({}, read) == [{"path": "shipment", "message": "is required"}]
    assert _problems([], read) == [{"path": "$", "message": "must be an object"}]


def test_types_and_formats() -> None:
    body = {"n": "1", "b": "yes", "t": "2026-03-02T10:00:00", "e": 2**63, "d": "2026-3-2x"}

    def read(root):  # type: ignore[no-untyped-def]
        root.get("n").integer()
        root.get("b").optional_boolean()
        root.get("t").iso_datetime()
        root.get("e").epoch_datetime()
        root.get("d").date()

    assert [p["path"] for p in _problems(body, read)] == ["n", "b", "t", "e", "d"]


def test_good_values_come_back_typed() -> None:
    root = document({"at": "2026-03-02T11:00:00+01:00", "epoch": 1772445600, "w": "1300"})
    assert root.get("at").iso_datetime() == dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    assert root.get("epoch").epoch_datetime() == dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    assert root.get("w").clock_time("%H%M") == dt.time(13, 0)
    assert root.get("none").optional_text() is None
    root.check()


def test_long_free_text_is_cut_not_refused() -> None:
    root = document({"d": "x" * 600})
    text = root.get("d").optional_text(max_length=500, truncate=True)
    assert text is not None and len(text) == 500 and text.endswith("…")
    root.check()
