"""One import: dry runs, progress, the documented example, the report."""

from __future__ import annotations

from sqlalchemy.orm import Session

from delivery.importer import ImportProgress, Phase
from delivery.settings import PROJECT_ROOT
from tests.importer.documents import document, order, row_counts, run_import


def test_a_dry_run_validates_and_writes_nothing(session: Session) -> None:
    before = row_counts(session)
    report = run_import(session, document(order("#1"), order("#2")), dry_run=True)
    assert row_counts(session) == before
    assert report.as_dict() == {
        "dry_run": True,
        "validated": {"carriers": 1, "pickup_points": 0, "orders": 2},
        "counts": None,
        "warnings": [],
        "warning_count": 0,
    }
    assert report.summary_lines() == [
        "valid: 2 orders, 1 carriers, 0 pickup points (dry run: nothing written)"
    ]


def test_progress_is_reported_every_n_orders(session: Session) -> None:
    seen: list[ImportProgress] = []
    orders = [order(f"#{n}") for n in range(5)]
    run_import(session, document(*orders), on_progress=seen.append, progress_every=2)
    assert [(p.phase, p.done, p.total) for p in seen] == [
        (Phase.VALIDATED, 2, None),
        (Phase.VALIDATED, 4, None),
        (Phase.VALIDATED, 5, None),
        (Phase.IMPORTED, 5, 5),
    ]
    assert [str(p) for p in seen[-2:]] == ["validated 5 orders...", "imported 5/5 orders"]


def test_the_documented_example_imports(session: Session) -> None:
    example = (PROJECT_ROOT / "docs/examples/orders-example.json").read_bytes()
    report = run_import(session, example)
    assert report.as_dict()["counts"]["orders"] == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "deleted": 0,
    }
    assert report.summary_lines()[:3] == [
        "imported 2 orders, 1 carriers, 1 pickup points",
        "  carriers: 1 created, 0 updated, 0 unchanged",
        "  pickup_points: 1 created, 0 updated, 0 unchanged",
    ]
