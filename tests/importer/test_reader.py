"""Streaming the document: items with their indexes, the top-level shape, JSON errors."""

from __future__ import annotations

import io

import pytest

from delivery.importer.reader import DocumentShape, InvalidJson, iter_items, scan


def _scan(data: bytes) -> tuple[list[tuple[str, int, object]], DocumentShape]:
    shape = DocumentShape()
    return list(scan(io.BytesIO(data), shape)), shape


def test_items_of_each_section_come_with_their_index() -> None:
    items, shape = _scan(
        b'{"orders": [{"n": 1}, {"n": [2, {"x": null}]}], "format_version": 1,'
        b' "carriers": [{"code": "a"}], "pickup_points": []}'
    )
    assert items == [
        ("orders", 0, {"n": 1}),
        ("orders", 1, {"n": [2, {"x": None}]}),
        ("carriers", 0, {"code": "a"}),
    ]
    assert shape.root_type == "object"
    assert shape.keys == ["orders", "format_version", "carriers", "pickup_points"]
    assert shape.skeleton == {
        "orders": [],
        "format_version": 1,
        "carriers": [],
        "pickup_points": [],
    }


def test_scalars_where_items_belong_are_yielded_for_the_schema_to_reject() -> None:
    items, _ = _scan(b'{"orders": [1, "x", [3]]}')
    assert items == [("orders", 0, 1), ("orders", 1, "x"), ("orders", 2, [3])]


def test_a_section_that_is_not_an_array_yields_nothing() -> None:
    items, shape = _scan(b'{"orders": {"item": {"number": "1"}}, "extra.key": {"item": 1}}')
    assert items == []
    assert shape.skeleton == {"orders": {}, "extra.key": {}}


def test_a_document_that_is_not_an_object() -> None:
    items, shape = _scan(b"[1, 2]")
    assert items == []
    assert shape.root_type == "array"


def test_numbers_with_fractions_are_floats() -> None:
    items, _ = _scan(b'{"orders": [{"price": 12.5, "quantity": 2}]}')
    assert items == [("orders", 0, {"price": 12.5, "quantity": 2})]
    assert isinstance(items[0][2]["price"], float)  # type: ignore[index]


@pytest.mark.parametrize(
    ("data", "line", "column", "reason"),
    [
        (b"", 1, 1, "premature EOF"),
        (b'{"orders": [', 1, 13, "premature EOF"),
        (b'{"orders": [\n  {"x": 1},\n  {"x": 2,}\n]}', 3, 12, "invalid object key"),
        (b'{"a": 1}\nx', 2, 2, "trailing garbage"),
        (b'{"a": NaN}', 1, 8, "invalid char"),
    ],
)
def test_invalid_json_is_located(data: bytes, line: int, column: int, reason: str) -> None:
    with pytest.raises(InvalidJson) as caught:
        _scan(data)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"invalid JSON near line {line}, column {column}: ")


def test_errors_deep_in_a_large_file_are_located() -> None:
    body = b",\n".join(b'{"n": %d}' % i for i in range(50_000))
    data = b'{"orders": [' + body + b",\n  oops]}"
    with pytest.raises(InvalidJson) as caught:
        _scan(data)
    assert caught.value.line == 50_001
    assert caught.value.column in (3, 4)  # at or just after the bad token


def test_iter_items_streams_one_section_from_the_start() -> None:
    data = io.BytesIO(b'{"carriers": [{"a": 1}], "orders": [{"b": 2}, {"c": 3}]}')
    data.read()
    assert list(iter_items(data, "orders")) == [{"b": 2}, {"c": 3}]
    assert list(iter_items(data, "pickup_points")) == []
