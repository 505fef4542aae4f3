"""Each carrier's status codes onto the normalised statuses; unknown codes never crash."""

from __future__ import annotations

import logging

import pytest

from delivery.carriers.mapping import (
    BOREAL,
    STATUS_TABLES,
    SWIFT,
    UNKNOWN_CODE_STATUS,
    StatusTable,
    recognised,
)
from delivery.demo.carriers import BOREAL as DEMO_BOREAL
from delivery.demo.carriers import EVENT_STATUS, CarrierSpec
from delivery.demo.carriers import SWIFT as DEMO_SWIFT
from delivery.vocabulary import ShipmentStatus

#: What the issue asks every carrier's table to cover.
REQUIRED = {
    ShipmentStatus.INFO_RECEIVED,
    ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.DELIVERED,
    ShipmentStatus.FAILED_ATTEMPT,
    ShipmentStatus.EXCEPTION,
    ShipmentStatus.DELAYED,
    ShipmentStatus.RETURNED_TO_SENDER,
}


@pytest.mark.parametrize(("table", "demo"), [(SWIFT, DEMO_SWIFT), (BOREAL, DEMO_BOREAL)])
def test_the_tables_speak_the_demo_carriers_codes(table: StatusTable, demo: CarrierSpec) -> None:
    assert table.carrier == demo.code
    for kind, raw_code in demo.raw_codes.items():
        assert table.status_of(raw_code) is EVENT_STATUS[kind], (kind, raw_code)


@pytest.mark.parametrize("table", [SWIFT, BOREAL])
def test_every_normalised_status_has_a_code(table: StatusTable) -> None:
    assert set(table.codes.values()) >= REQUIRED
    assert ShipmentStatus.READY_FOR_PICKUP in set(table.codes.values())


def test_a_few_codes_beyond_the_demo() -> None:
    assert SWIFT.status_of("NH2") is ShipmentStatus.FAILED_ATTEMPT
    assert SWIFT.status_of("WTH") is ShipmentStatus.DELAYED
    assert SWIFT.status_of("EXC") is ShipmentStatus.EXCEPTION
    assert BOREAL.status_of("36") is ShipmentStatus.DELAYED
    assert BOREAL.status_of("90") is ShipmentStatus.EXCEPTION


def test_an_unknown_code_gets_the_safe_default_and_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="delivery.carriers.mapping"):
        assert SWIFT.status_of("ZZZ") is UNKNOWN_CODE_STATUS
        assert BOREAL.status_of("77") is UNKNOWN_CODE_STATUS
    assert UNKNOWN_CODE_STATUS is ShipmentStatus.IN_TRANSIT
    assert ["'ZZZ'" in r.getMessage() for r in caplog.records] == [True, False]
    assert "'77'" in caplog.records[1].getMessage()
    assert not SWIFT.knows("ZZZ")
    assert SWIFT.knows("OFD")


def test_a_missing_code_is_not_logged_as_unknown(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert SWIFT.status_of("") is UNKNOWN_CODE_STATUS
    assert caplog.records == []


def test_recognised_by_carrier() -> None:
    assert set(STATUS_TABLES) == {"swift", "boreal"}
    assert recognised("swift", "DLV")
    assert not recognised("swift", "60")  # Boreal's code means nothing to Swift
    assert recognised("boreal", "60")
    assert recognised("veloce", "CONSEGNATO")  # no table: every code counts
