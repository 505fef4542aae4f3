"""The three demo carriers: their rules, the countries they serve and their raw tracking codes.

Each carrier speaks its own dialect of tracking codes (as real ones do); the generator writes
the raw code beside the normalised :class:`~delivery.vocabulary.ShipmentStatus`, so the mapping
is visible in the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from delivery.vocabulary import ShipmentStatus


class EventKind(StrEnum):
    """What happened to a parcel, before it is put in a carrier's words."""

    LABEL = "label"
    COLLECTED = "collected"
    HUB_IN = "hub_in"
    HUB_OUT = "hub_out"
    DEPOT = "depot"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    AT_POINT = "at_point"
    PICKED_UP = "picked_up"
    NOBODY_HOME = "nobody_home"
    DELAYED = "delayed"
    DAMAGED = "damaged"
    ADDRESS_PROBLEM = "address_problem"
    RETURNED = "returned"


EVENT_STATUS: dict[EventKind, ShipmentStatus] = {
    EventKind.LABEL: ShipmentStatus.INFO_RECEIVED,
    EventKind.COLLECTED: ShipmentStatus.IN_TRANSIT,
    EventKind.HUB_IN: ShipmentStatus.IN_TRANSIT,
    EventKind.HUB_OUT: ShipmentStatus.IN_TRANSIT,
    EventKind.DEPOT: ShipmentStatus.IN_TRANSIT,
    EventKind.OUT_FOR_DELIVERY: ShipmentStatus.OUT_FOR_DELIVERY,
    EventKind.DELIVERED: ShipmentStatus.DELIVERED,
    EventKind.AT_POINT: ShipmentStatus.READY_FOR_PICKUP,
    EventKind.PICKED_UP: ShipmentStatus.DELIVERED,
    EventKind.NOBODY_HOME: ShipmentStatus.FAILED_ATTEMPT,
    EventKind.DELAYED: ShipmentStatus.DELAYED,
    EventKind.DAMAGED: ShipmentStatus.EXCEPTION,
    EventKind.ADDRESS_PROBLEM: ShipmentStatus.EXCEPTION,
    EventKind.RETURNED: ShipmentStatus.RETURNED_TO_SENDER,
}

#: The carrier's own English description of each event (customers never see these verbatim).
EVENT_DESCRIPTION: dict[EventKind, str] = {
    EventKind.LABEL: "Shipment information received",
    EventKind.COLLECTED: "Parcel collected from the sender",
    EventKind.HUB_IN: "Arrived at sorting hub",
    EventKind.HUB_OUT: "Departed sorting hub",
    EventKind.DEPOT: "Arrived at delivery depot",
    EventKind.OUT_FOR_DELIVERY: "Out for delivery",
    EventKind.DELIVERED: "Delivered",
    EventKind.AT_POINT: "Ready to collect at the pickup point",
    EventKind.PICKED_UP: "Collected by the recipient at the pickup point",
    EventKind.NOBODY_HOME: "Delivery attempted: nobody home, we will try again",
    EventKind.DELAYED: "Delayed in our network, new delivery date estimated",
    EventKind.DAMAGED: "Parcel damaged at the depot, under investigation",
    EventKind.ADDRESS_PROBLEM: "Address incomplete or incorrect, delivery not possible",
    EventKind.RETURNED: "Returned to sender",
}

_SWIFT_CODES = {
    EventKind.LABEL: "MAN",
    EventKind.COLLECTED: "COL",
    EventKind.HUB_IN: "ARH",
    EventKind.HUB_OUT: "DPH",
    EventKind.DEPOT: "ADC",
    EventKind.OUT_FOR_DELIVERY: "OFD",
    EventKind.DELIVERED: "DLV",
    EventKind.AT_POINT: "PUP",
    EventKind.PICKED_UP: "CLT",
    EventKind.NOBODY_HOME: "NH1",
    EventKind.DELAYED: "DLY",
    EventKind.DAMAGED: "DMG",
    EventKind.ADDRESS_PROBLEM: "ADR",
    EventKind.RETURNED: "RTS",
}
_VELOCE_CODES = {
    EventKind.LABEL: "PRESA_IN_CARICO",
    EventKind.COLLECTED: "RITIRATO",
    EventKind.HUB_IN: "ARRIVO_HUB",
    EventKind.HUB_OUT: "PARTENZA_HUB",
    EventKind.DEPOT: "IN_FILIALE",
    EventKind.OUT_FOR_DELIVERY: "IN_CONSEGNA",
    EventKind.DELIVERED: "CONSEGNATO",
    EventKind.AT_POINT: "IN_LOCKER",
    EventKind.PICKED_UP: "RITIRATO_DA_LOCKER",
    EventKind.NOBODY_HOME: "MANCATA_CONSEGNA",
    EventKind.DELAYED: "IN_RITARDO",
    EventKind.DAMAGED: "DANNEGGIATO",
    EventKind.ADDRESS_PROBLEM: "INDIRIZZO_ERRATO",
    EventKind.RETURNED: "RESO_AL_MITTENTE",
}
_BOREAL_CODES = {
    EventKind.LABEL: "10",
    EventKind.COLLECTED: "20",
    EventKind.HUB_IN: "31",
    EventKind.HUB_OUT: "32",
    EventKind.DEPOT: "40",
    EventKind.OUT_FOR_DELIVERY: "50",
    EventKind.DELIVERED: "60",
    EventKind.AT_POINT: "55",
    EventKind.PICKED_UP: "61",
    EventKind.NOBODY_HOME: "51",
    EventKind.DELAYED: "35",
    EventKind.DAMAGED: "91",
    EventKind.ADDRESS_PROBLEM: "92",
    EventKind.RETURNED: "99",
}

#: Per country: where the shop's parcels are handed over, and the carriers' sorting hubs.
SENDER_CITY = {"GB": "Milton Keynes", "IT": "Piacenza", "PL": "Stryków", "FI": "Vantaa"}
HUB_CITIES = {
    "GB": ("Birmingham", "Warrington"),
    "IT": ("Bologna", "Verona"),
    "PL": ("Łódź", "Piotrków Trybunalski"),
    "FI": ("Vantaa", "Hämeenlinna"),
}


# eq=False: identity comparison and hashing (carriers are used as dict keys; raw_codes is a dict).
@dataclass(frozen=True, eq=False)
class CarrierSpec:
    code: str
    name: str
    timezone: str
    tracking_url_template: str
    reschedule_cutoff_hours: int
    reschedule_max_days_ahead: int
    windows: tuple[tuple[str, str], ...]
    weekdays: tuple[int, ...]
    slot_capacity: int
    supports_pickup_points: bool
    supports_return_pickup: bool
    countries: tuple[str, ...]
    lockers_only: bool
    tracking_prefix: str
    tracking_suffix: str
    raw_codes: dict[EventKind, str] = field(repr=False)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def time_windows(self) -> tuple[tuple[dt.time, dt.time], ...]:
        return tuple((dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in self.windows)

    def tracking_number(self, shipment_id: int) -> str:
        """Unique per shipment yet not sequential-looking: a bijection of the id mod 10^9."""
        scrambled = (shipment_id * 387_420_489 + 123_456_789) % 1_000_000_000
        return f"{self.tracking_prefix}{scrambled:09d}{self.tracking_suffix}"

    def row(self, carrier_id: int) -> dict[str, Any]:
        return {
            "id": carrier_id,
            "code": self.code,
            "name": self.name,
            "timezone": self.timezone,
            "tracking_url_template": self.tracking_url_template,
            "reschedule_cutoff_hours": self.reschedule_cutoff_hours,
            "reschedule_max_days_ahead": self.reschedule_max_days_ahead,
            "delivery_windows": [list(window) for window in self.windows],
            "delivery_weekdays": list(self.weekdays),
            "slot_capacity": self.slot_capacity,
            "supports_pickup_points": self.supports_pickup_points,
            "supports_return_pickup": self.supports_return_pickup,
        }


SWIFT = CarrierSpec(
    code="swift",
    name="Swift Parcels",
    timezone="Europe/London",
    tracking_url_template="https://swift-parcels.example/track/{tracking_number}",
    reschedule_cutoff_hours=12,
    reschedule_max_days_ahead=7,
    windows=(("09:00", "13:00"), ("13:00", "18:00")),
    weekdays=(1, 2, 3, 4, 5, 6),
    slot_capacity=40,
    supports_pickup_points=True,
    supports_return_pickup=True,
    # International: it also delivers the shop's Italian orders, so Italy has two carriers.
    countries=("GB", "IT"),
    lockers_only=False,
    tracking_prefix="SP",
    tracking_suffix="GB",
    raw_codes=_SWIFT_CODES,
)
VELOCE = CarrierSpec(
    code="veloce",
    name="Corriere Veloce",
    timezone="Europe/Rome",
    tracking_url_template="https://corriere-veloce.example/tracking?code={tracking_number}",
    reschedule_cutoff_hours=24,
    reschedule_max_days_ahead=5,
    windows=(("08:00", "12:00"), ("12:00", "16:00"), ("16:00", "20:00")),
    weekdays=(1, 2, 3, 4, 5),
    slot_capacity=25,
    supports_pickup_points=True,
    supports_return_pickup=True,
    countries=("IT",),
    lockers_only=True,
    tracking_prefix="CV",
    tracking_suffix="",
    raw_codes=_VELOCE_CODES,
)
BOREAL = CarrierSpec(
    code="boreal",
    name="Boreal Express",
    timezone="Europe/Helsinki",
    tracking_url_template="https://boreal-express.example/seuranta/{tracking_number}",
    # Changes close at 18:00-ish the evening before an afternoon window.
    reschedule_cutoff_hours=16,
    reschedule_max_days_ahead=10,
    windows=(("13:00", "18:00"), ("18:00", "22:00")),
    weekdays=(1, 2, 3, 4, 5, 6, 7),
    slot_capacity=60,
    supports_pickup_points=True,
    supports_return_pickup=False,
    countries=("FI", "PL"),
    lockers_only=False,
    tracking_prefix="JJBX",
    tracking_suffix="",
    raw_codes=_BOREAL_CODES,
)

CARRIERS: tuple[CarrierSpec, ...] = (SWIFT, VELOCE, BOREAL)
CARRIER_BY_CODE = {carrier.code: carrier for carrier in CARRIERS}


def carriers_for(country: str) -> tuple[CarrierSpec, ...]:
    return tuple(carrier for carrier in CARRIERS if country in carrier.countries)
