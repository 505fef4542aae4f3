"""Demo pickup points: enough of them, in the right places, with varied hours and room."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from delivery.db.models import Carrier, PickupPoint, Shipment
from delivery.demo.addresses import CITY_BY_NAME, distance_km
from delivery.demo.carriers import CARRIER_BY_CODE
from delivery.demo.pickup_points import DAYS, offset_minutes, shift_hours
from delivery.normalize import postcode_key
from delivery.vocabulary import FINAL_SHIPMENT_STATUSES, PickupPointKind

POSTCODE_FORMATS = {
    "GB": re.compile(r"^[A-Z]{1,2}\d{1,2}[A-Z]? \d[A-Z]{2}$"),
    "IT": re.compile(r"^\d{5}$"),
    "PL": re.compile(r"^\d{2}-\d{3}$"),
    "FI": re.compile(r"^\d{5}$"),
}
HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def test_at_least_200_points_near_their_city(demo: Session) -> None:
    points = demo.scalars(select(PickupPoint)).all()
    assert len(points) >= 200
    for point in points:
        city = CITY_BY_NAME[point.city]
        assert point.country == city.country
        assert distance_km(point.latitude, point.longitude, city.latitude, city.longitude) <= 15


def test_postcodes_have_their_country_format_and_city_prefix(demo: Session) -> None:
    places = demo.execute(select(PickupPoint.postcode, PickupPoint.city, PickupPoint.country))
    homes = demo.execute(select(Shipment.postcode, Shipment.city, Shipment.country).distinct())
    for postcode, city, country in [*places, *homes]:
        assert POSTCODE_FORMATS[country].match(postcode), postcode
        assert postcode_key(postcode).startswith(CITY_BY_NAME[city].postcode_prefixes), postcode


def test_every_carrier_has_points_in_every_city_it_serves(demo: Session) -> None:
    rows = demo.execute(
        select(Carrier.code, PickupPoint.country, PickupPoint.city, PickupPoint.kind).join(
            Carrier, Carrier.id == PickupPoint.carrier_id
        )
    ).all()
    served = {(code, country) for code, country, _, _ in rows}
    for code, spec in CARRIER_BY_CODE.items():
        assert {(code, country) for country in spec.countries} <= served
    kinds = {code: {kind for c, _, _, kind in rows if c == code} for code in CARRIER_BY_CODE}
    assert kinds["veloce"] == {PickupPointKind.LOCKER}  # lockers only
    assert kinds["swift"] == kinds["boreal"] == set(PickupPointKind)


def test_opening_hours_vary_and_are_well_formed(demo: Session) -> None:
    hours = demo.scalars(select(PickupPoint.opening_hours)).all()
    for week in hours:
        assert tuple(week) == DAYS
        for spans in week.values():
            for opens, closes in spans:
                assert HH_MM.match(opens) and HH_MM.match(closes) and opens < closes
    shapes = Counter(str(week) for week in hours)
    assert len(shapes) >= 6
    assert any(week["sun"] == [] for week in hours)  # closed on Sundays
    assert any(week["sun"] == [["00:00", "24:00"]] for week in hours)  # round the clock
    assert any(len(week["mon"]) == 2 for week in hours)  # a lunch break


def test_a_few_points_are_full_and_the_rest_have_room(demo: Session) -> None:
    occupied = dict(
        demo.execute(
            select(Shipment.pickup_point_id, func.count())
            .where(
                Shipment.pickup_point_id.is_not(None),
                Shipment.status.not_in(sorted(FINAL_SHIPMENT_STATUSES)),
            )
            .group_by(Shipment.pickup_point_id)
        ).all()
    )
    points = demo.scalars(select(PickupPoint)).all()
    full = [p for p in points if occupied.get(p.id, 0) >= p.capacity]
    assert 3 <= len(full) <= 6
    assert all(occupied.get(p.id, 0) <= p.capacity for p in points)
    closed = [p for p in points if not p.active]
    assert closed and all(p.id not in occupied for p in closed)


def test_hours_move_into_the_carriers_zone() -> None:
    assert offset_minutes("Europe/Warsaw", "Europe/Helsinki") == 60
    assert offset_minutes("Europe/Rome", "Europe/London") == -60
    shop = {"mon": [["06:00", "22:00"]], "sun": []}
    assert shift_hours(shop, 60) == {"mon": [["07:00", "23:00"]], "sun": []}
    assert shift_hours(shop, -60) == {"mon": [["05:00", "21:00"]], "sun": []}
    locker = {"mon": [["00:00", "24:00"]]}
    assert shift_hours(locker, 60) == locker
