"""Each carrier's status codes mapped onto the normalised :class:`ShipmentStatus`.

The codes are those of the demo carriers (:mod:`delivery.demo.carriers`), plus a few more each
carrier uses in real life. A code not in its table never fails a parse: the event keeps its raw
code and gets :data:`UNKNOWN_CODE_STATUS`, a warning is logged, and :func:`recognised` tells the
refresh not to let it move the shipment's status.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from delivery.vocabulary import ShipmentStatus as S

logger = logging.getLogger(__name__)

#: Stored for an event whose code is unknown: the carrier did something with the parcel.
UNKNOWN_CODE_STATUS = S.IN_TRANSIT


@dataclass(frozen=True)
class StatusTable:
    """One carrier's raw code -> normalised status."""

    carrier: str
    codes: Mapping[str, S]

    def status_of(self, raw_code: str) -> S:
        """The normalised status of ``raw_code``; the safe default (logged) when unknown."""
        status = self.codes.get(raw_code)
        if status is None and raw_code:  # no code at all is the parser's problem to report
            logger.warning(
                "carrier %s sent unknown status code %r; kept as %s without changing the status",
                self.carrier,
                raw_code,
                UNKNOWN_CODE_STATUS.value,
            )
        return status or UNKNOWN_CODE_STATUS

    def knows(self, raw_code: str) -> bool:
        return raw_code in self.codes


SWIFT = StatusTable(
    "swift",
    MappingProxyType(
        {
            "MAN": S.INFO_RECEIVED,  # manifest: label created, data received
            "COL": S.IN_TRANSIT,  # collected from the sender
            "ARH": S.IN_TRANSIT,  # arrived at hub
            "DPH": S.IN_TRANSIT,  # departed hub
            "ADC": S.IN_TRANSIT,  # arrived at delivery centre
            "OFD": S.OUT_FOR_DELIVERY,
            "PUP": S.READY_FOR_PICKUP,  # at the pickup point
            "DLV": S.DELIVERED,
            "CLT": S.DELIVERED,  # collected by the recipient at the pickup point
            "NH1": S.FAILED_ATTEMPT,  # nobody home, first attempt
            "NH2": S.FAILED_ATTEMPT,  # nobody home, second attempt
            "DLY": S.DELAYED,
            "WTH": S.DELAYED,  # weather
            "DMG": S.EXCEPTION,  # damaged
            "ADR": S.EXCEPTION,  # address problem
            "EXC": S.EXCEPTION,  # any other exception
            "RTS": S.RETURNED_TO_SENDER,
        }
    ),
)

BOREAL = StatusTable(
    "boreal",
    MappingProxyType(
        {
            "10": S.INFO_RECEIVED,
            "20": S.IN_TRANSIT,  # picked up
            "31": S.IN_TRANSIT,  # arrived at terminal
            "32": S.IN_TRANSIT,  # left terminal
            "35": S.DELAYED,
            "36": S.DELAYED,  # weather or traffic
            "40": S.IN_TRANSIT,  # at the delivery terminal
            "50": S.OUT_FOR_DELIVERY,
            "51": S.FAILED_ATTEMPT,
            "52": S.FAILED_ATTEMPT,  # second attempt failed
            "55": S.READY_FOR_PICKUP,
            "60": S.DELIVERED,
            "61": S.DELIVERED,  # collected from the service point
            "90": S.EXCEPTION,
            "91": S.EXCEPTION,  # damaged
            "92": S.EXCEPTION,  # address problem
            "99": S.RETURNED_TO_SENDER,
        }
    ),
)

STATUS_TABLES: Mapping[str, StatusTable] = MappingProxyType(
    {table.carrier: table for table in (SWIFT, BOREAL)}
)


def recognised(carrier_code: str, raw_code: str) -> bool:
    """Whether ``raw_code`` means a known status (carriers without a table: always)."""
    table = STATUS_TABLES.get(carrier_code)
    return table is None or table.knows(raw_code)
