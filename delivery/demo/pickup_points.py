"""Pickup points and parcel lockers of the demo carriers in the gazetteer's cities.

Shops keep shop hours (Italian ones close for lunch, Polish ones on Sundays), most lockers are
open around the clock, and a few points are full or closed for good. Opening hours are stored in
the carrier's timezone (see :class:`delivery.db.models.PickupPoint`), so the local hours of a
point in another zone than its carrier's are shifted into the carrier's time.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from delivery.demo.addresses import CITY_BY_NAME, STREETS, postcode, scatter
from delivery.demo.carriers import BOREAL, SWIFT, VELOCE, CarrierSpec
from delivery.geo.places import City
from delivery.normalize import postcode_key, text_key
from delivery.vocabulary import PickupPointKind

Hours = dict[str, list[list[str]]]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: How many points each carrier has in each city it serves (224 in all).
POINTS_PER_CITY: dict[CarrierSpec, dict[str, int]] = {
    SWIFT: {"London": 40, "Manchester": 18, "Milano": 14, "Roma": 12, "Torino": 8},
    VELOCE: {"Milano": 20, "Roma": 16, "Torino": 10},
    BOREAL: {"Warszawa": 28, "Kraków": 14, "Helsinki": 24, "Espoo": 10, "Tampere": 10},
}
_LOCKER_SHARE = {SWIFT: 0.3, VELOCE: 1.0, BOREAL: 0.55}
_CITY_CODE = {
    "London": "LON", "Manchester": "MAN", "Milano": "MIL", "Roma": "ROM", "Torino": "TRN",
    "Warszawa": "WAW", "Kraków": "KRK", "Helsinki": "HEL", "Espoo": "ESP", "Tampere": "TMP",
}  # fmt: skip
_SHOP_KINDS = {
    "GB": ("Newsagent", "Convenience Store", "Post & Print", "Dry Cleaners", "Mini Market"),
    "IT": ("Tabaccheria", "Edicola", "Cartoleria", "Ferramenta", "Bar Tabacchi"),
    "PL": ("Kiosk", "Sklep spożywczy", "Drogeria", "Kwiaciarnia"),
    "FI": ("Kioski", "Lähikauppa", "Kukkakauppa"),
}
_LOCKER_WORD = {"GB": "Locker", "IT": "Locker", "PL": "Automat Paczkowy", "FI": "Pakettiautomaatti"}
#: Carrier and city of the points the generator fills to capacity ("no room today").
FULL_POINT_PLACES = (
    (SWIFT, "London"),
    (VELOCE, "Milano"),
    (BOREAL, "Warszawa"),
    (BOREAL, "Helsinki"),
)
CLOSED_POINT_PLACES = ((SWIFT, "Manchester"), (VELOCE, "Roma"), (BOREAL, "Kraków"))


@dataclass(frozen=True)
class PointRecord:
    """What the order generator needs to know about a point it may send parcels to."""

    id: int
    carrier_code: str
    city: str
    name: str
    kind: PickupPointKind
    capacity: int
    active: bool
    full: bool  # filled to capacity by dedicated orders; random orders leave it alone


def _daily(*spans: tuple[str, str], days: tuple[str, ...] = DAYS) -> Hours:
    return {day: ([list(span) for span in spans] if day in days else []) for day in DAYS}


def _shop_hours(rng: random.Random, country: str) -> Hours:
    weekdays = DAYS[:5]
    if country == "IT":  # lunch break, closed on Sunday
        hours = _daily(("08:30", "12:30"), ("15:30", "19:30"), days=DAYS[:6])
    elif country == "PL":  # Sunday trading is banned
        hours = _daily(("06:00", "22:00"), days=weekdays) | {"sat": [["07:00", "21:00"]]}
    elif country == "FI":
        hours = _daily(("07:00", "21:00"), days=weekdays)
        hours |= {"sat": [["09:00", "18:00"]], "sun": [["12:00", "18:00"]]}
    elif rng.random() < 0.5:
        hours = _daily(("07:00", "21:00"), days=DAYS[:6]) | {"sun": [["10:00", "16:00"]]}
    else:
        hours = _daily(("08:00", "19:00"), days=DAYS[:6])
    return hours


def _locker_hours(rng: random.Random) -> Hours:
    if rng.random() < 0.8:
        return _daily(("00:00", "24:00"))  # round the clock (see services.opening_hours)
    return _daily(("07:00", "22:00"))  # inside a shopping centre


def shift_hours(hours: Hours, minutes: int) -> Hours:
    """Move local opening hours into another zone that is ``minutes`` ahead (within a day)."""
    if minutes == 0:
        return hours

    def move(text: str) -> str:
        if text in ("00:00", "24:00"):  # round the clock stays round the clock
            return text
        moved = dt.datetime.combine(dt.date(2000, 1, 1), dt.time.fromisoformat(text))
        return min(moved + dt.timedelta(minutes=minutes), dt.datetime(2000, 1, 1, 23, 59)).strftime(
            "%H:%M"
        )

    return {day: [[move(a), move(b)] for a, b in spans] for day, spans in hours.items()}


def offset_minutes(local_zone: str, carrier_zone: str) -> int:
    """How far the carrier's clock is ahead of the point's (same EU summer time rules)."""
    reference = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)
    local = reference.astimezone(ZoneInfo(local_zone)).utcoffset() or dt.timedelta()
    carrier = reference.astimezone(ZoneInfo(carrier_zone)).utcoffset() or dt.timedelta()
    return int((carrier - local).total_seconds() // 60)


def generate_points(
    rng: random.Random, *, first_id: int, carrier_ids: dict[str, int]
) -> Iterator[tuple[PointRecord, dict[str, Any]]]:
    """Every demo point as (record, row); ids count up from ``first_id``."""
    next_id = first_id
    for carrier, cities in POINTS_PER_CITY.items():
        for city_name, count in cities.items():
            city = CITY_BY_NAME[city_name]
            full_index = rng.randrange(count) if (carrier, city_name) in FULL_POINT_PLACES else -1
            closed_index = (
                rng.randrange(count) if (carrier, city_name) in CLOSED_POINT_PLACES else -1
            )
            for n in range(count):
                record, row = _point(
                    rng,
                    next_id,
                    carrier,
                    city,
                    n + 1,
                    full=n == full_index,
                    closed=n == closed_index,
                )
                yield record, row | {"carrier_id": carrier_ids[carrier.code]}
                next_id += 1


def _point(
    rng: random.Random,
    point_id: int,
    carrier: CarrierSpec,
    city: City,
    n: int,
    *,
    full: bool,
    closed: bool,
) -> tuple[PointRecord, dict[str, Any]]:
    locker = rng.random() < _LOCKER_SHARE[carrier]
    street = rng.choice(STREETS[city.name])
    number = rng.randint(1, 160)
    if locker:
        kind = PickupPointKind.LOCKER
        name = f"{carrier.name.split()[0]} {_LOCKER_WORD[city.country]} {street}"
        hours = _locker_hours(rng)
        capacity = rng.choice((40, 60, 80, 120))
    else:
        kind = PickupPointKind.PICKUP_POINT
        name = f"{rng.choice(_SHOP_KINDS[city.country])} {street}"
        hours = _shop_hours(rng, city.country)
        capacity = rng.randint(10, 40)
    if full:
        capacity = rng.randint(3, 5)
    hours = shift_hours(hours, offset_minutes(city.timezone, carrier.timezone))
    street_line = f"{number} {street}" if city.country == "GB" else f"{street} {number}"
    code = postcode(rng, city)
    latitude, longitude = scatter(rng, city)
    record = PointRecord(
        point_id, carrier.code, city.name, name, kind, capacity, active=not closed, full=full
    )
    row = {
        "id": point_id,
        "code": f"{carrier.code.upper()}-{_CITY_CODE[city.name]}-{n:03d}",
        "kind": kind,
        "name": name,
        "street": street_line,
        "city": city.name,
        "city_key": text_key(city.name),
        "postcode": code,
        "postcode_key": postcode_key(code),
        "country": city.country,
        "latitude": latitude,
        "longitude": longitude,
        "opening_hours": hours,
        "capacity": capacity,
        "active": not closed,
    }
    return record, row
