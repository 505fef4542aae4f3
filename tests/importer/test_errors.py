"""Paths, the capped error list and the rejection's report."""

from __future__ import annotations

import pytest

from delivery.importer.errors import (
    MAX_LISTED_ERRORS,
    ErrorCollector,
    FieldError,
    ImportRejected,
    format_path,
)


@pytest.mark.parametrize(
    ("parts", "text"),
    [
        ((), "$"),
        (("orders",), "orders"),
        (("orders", 12, "lines", 0, "quantity"), "orders[12].lines[0].quantity"),
        (("opening_hours", "mon", 0), "opening_hours.mon[0]"),
        (("a b", 'q"x'), '["a b"]["q\\"x"]'),
    ],
)
def test_format_path(parts: tuple[str | int, ...], text: str) -> None:
    assert format_path(parts) == text


def test_the_collector_lists_the_first_errors_and_counts_all() -> None:
    errors = ErrorCollector(limit=2)
    assert not errors
    for i in range(5):
        errors.add(("orders", i), "bad")
    errors.add_unlisted(10)
    assert errors.listed == [FieldError("orders[0]", "bad"), FieldError("orders[1]", "bad")]
    assert errors.count == 15


def test_a_rejection_reports_how_many_errors_were_not_listed() -> None:
    errors = ErrorCollector()
    for i in range(MAX_LISTED_ERRORS + 3):
        errors.add(("orders", i, "number"), "is required")
    rejected = ImportRejected.from_collectors(errors)
    lines = rejected.lines()
    assert len(lines) == MAX_LISTED_ERRORS + 1
    assert lines[0] == "orders[0].number: is required"
    assert lines[-1] == "... and 3 more errors"
    assert rejected.as_dict()["error_count"] == MAX_LISTED_ERRORS + 3
    assert len(rejected.as_dict()["errors"]) == MAX_LISTED_ERRORS


def test_collectors_are_merged_in_order_under_one_cap() -> None:
    first, second = ErrorCollector(), ErrorCollector()
    first.add("$", "document")
    second.add(("orders", 0), "order")
    rejected = ImportRejected.from_collectors(first, second)
    assert rejected.lines() == ["$: document", "orders[0]: order"]
    assert rejected.error_count == 2
