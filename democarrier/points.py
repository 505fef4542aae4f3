"""Finding a carrier's pickup points near a postcode, a city or coordinates, nearest first.

A postcode is located by the carrier's own points with that postcode, else by the gazetteer
(:mod:`delivery.geo`); a city by the gazetteer, else by the carrier's points in it. Only the
countries the carrier serves are tried unless the caller names one.
"""

from __future__ import annotations

from collections.abc import Sequence

from delivery.demo.carriers import CarrierSpec
from delivery.geo.distance import Coordinates, haversine_km
from delivery.geo.geocode import cities_named, gazetteer_city
from delivery.normalize import postcode_key, text_key
from democarrier.model import Parcel, PointRecord

#: Points farther than this from the place asked about are not offered.
MAX_DISTANCE_KM = 50.0
MAX_LIMIT = 50


def locate(
    carrier: CarrierSpec,
    points: Sequence[PointRecord],
    *,
    postcode: str | None = None,
    city: str | None = None,
    country: str | None = None,
) -> Coordinates | None:
    """Where a postcode (preferred) or a city is, or None when nothing here knows it."""
    countries = [country.upper()] if country else list(carrier.countries)
    if postcode and postcode_key(postcode):
        key = postcode_key(postcode)
        same = [p for p in points if p.postcode_key == key and p.country in countries]
        if same:
            return _centre(same)
        for candidate in countries:
            found = gazetteer_city(postcode=postcode, city="", country=candidate)
            if found is not None:
                return Coordinates(found.latitude, found.longitude)
        return None
    if city and text_key(city):
        key = text_key(city)
        for found in cities_named(key):
            if found.country in countries:
                return Coordinates(found.latitude, found.longitude)
        in_city = [p for p in points if p.city_key == key and p.country in countries]
        return _centre(in_city) if in_city else None
    return None


def search_origin(
    carrier: CarrierSpec,
    points: Sequence[PointRecord],
    *,
    latitude: float | None,
    longitude: float | None,
    postcode: str | None,
    city: str | None,
    country: str | None,
) -> Coordinates | None:
    """Where a search is centred (None: a place nobody knows); ValueError without a place."""
    if latitude is not None and longitude is not None:
        return Coordinates(latitude, longitude)  # out of range: ValueError
    if postcode or city:
        return locate(carrier, points, postcode=postcode, city=city, country=country)
    raise ValueError("give a postcode, a city, or coordinates")


def nearest(
    points: Sequence[PointRecord], origin: Coordinates, *, limit: int
) -> list[tuple[int, PointRecord]]:
    """(distance in metres, point) within :data:`MAX_DISTANCE_KM`, nearest first."""
    measured = sorted(
        ((haversine_km(origin, Coordinates(p.latitude, p.longitude)), p.code, p) for p in points),
        key=lambda row: (row[0], row[1]),
    )
    return [
        (round(km * 1000), point)
        for km, _, point in measured[: max(0, min(limit, MAX_LIMIT))]
        if km <= MAX_DISTANCE_KM
    ]


def nearest_point(points: Sequence[PointRecord], parcel: Parcel) -> PointRecord | None:
    """Where a parcel nobody was home for waits: the nearest point with room."""
    with_room = [p for p in points if p.free_places > 0 and p.country == parcel.country]
    if parcel.latitude is not None and parcel.longitude is not None:
        origin = Coordinates(parcel.latitude, parcel.longitude)
        found = nearest(with_room, origin, limit=1)
        return found[0][1] if found else None
    in_city = sorted(
        (p for p in with_room if p.city_key == text_key(parcel.city)), key=lambda p: p.code
    )
    return in_city[0] if in_city else None


def _centre(points: Sequence[PointRecord]) -> Coordinates:
    # Points sharing a postcode or a city lie close together: a plain mean will do.
    return Coordinates(
        sum(p.latitude for p in points) / len(points),
        sum(p.longitude for p in points) / len(points),
    )
