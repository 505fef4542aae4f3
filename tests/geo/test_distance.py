"""Coordinates, great-circle distances and bounding boxes."""

from __future__ import annotations

import math

import pytest

from delivery.geo.distance import (
    EARTH_RADIUS_KM,
    Coordinates,
    bounding_box,
    haversine_km,
)

LONDON = Coordinates(51.5074, -0.1278)
PARIS = Coordinates(48.8566, 2.3522)
HELSINKI = Coordinates(60.1699, 24.9384)


def destination(origin: Coordinates, bearing_deg: float, km: float) -> Coordinates:
    """The point ``km`` from ``origin`` along ``bearing_deg`` on the sphere (for the tests)."""
    lat1, lon1 = math.radians(origin.latitude), math.radians(origin.longitude)
    bearing, angular = math.radians(bearing_deg), km / EARTH_RADIUS_KM
    lat2 = math.asin(
        math.sin(lat1) * math.cos(angular) + math.cos(lat1) * math.sin(angular) * math.cos(bearing)
    )
    lon2 = lon1 + math.atan2(
        math.sin(bearing) * math.sin(angular) * math.cos(lat1),
        math.cos(angular) - math.sin(lat1) * math.sin(lat2),
    )
    longitude = (math.degrees(lon2) + 540) % 360 - 180
    return Coordinates(math.degrees(lat2), longitude)


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(90.1, 0), (-91, 0), (0, 180.5), (0, -181), (math.nan, 0), (0, math.inf)],
)
def test_coordinates_out_of_range_are_refused(latitude: float, longitude: float) -> None:
    with pytest.raises(ValueError):
        Coordinates(latitude, longitude)


def test_coordinates_at_the_limits_are_fine() -> None:
    assert Coordinates(90, 180) == Coordinates(90.0, 180.0)
    assert Coordinates(-90, -180).latitude == -90


def test_known_distances() -> None:
    assert haversine_km(LONDON, PARIS) == pytest.approx(343.6, abs=0.5)
    assert haversine_km(LONDON, HELSINKI) == pytest.approx(1822, abs=3)
    assert haversine_km(LONDON, LONDON) == 0
    assert haversine_km(PARIS, LONDON) == pytest.approx(haversine_km(LONDON, PARIS))


def test_antipodes_and_the_antimeridian() -> None:
    half_round = math.pi * EARTH_RADIUS_KM
    assert haversine_km(Coordinates(0, 0), Coordinates(0, 180)) == pytest.approx(half_round)
    across = haversine_km(Coordinates(0, 179.9), Coordinates(0, -179.9))
    assert across == pytest.approx(22.24, abs=0.01)


@pytest.mark.parametrize("radius_km", [0.5, 2, 25, 400])
@pytest.mark.parametrize("center", [LONDON, HELSINKI, Coordinates(-33.87, 151.21)])
def test_the_box_holds_the_whole_circle_and_not_much_more(
    center: Coordinates, radius_km: float
) -> None:
    box = bounding_box(center, radius_km)
    for bearing in range(0, 360, 5):
        edge = destination(center, bearing, radius_km * 0.9999)
        assert box.contains(edge), bearing
    # Due north/east just past the radius is outside: the box is tight on its sides.
    assert not box.contains(destination(center, 0, radius_km * 1.01))
    assert not box.contains(destination(center, 180, radius_km * 1.01))


def test_near_the_pole_or_the_antimeridian_every_longitude_is_taken() -> None:
    polar = bounding_box(Coordinates(89.95, 10), 10)
    assert (polar.min_longitude, polar.max_longitude, polar.max_latitude) == (-180, 180, 90)
    fiji = bounding_box(Coordinates(-17.7, 179.99), 5)
    assert (fiji.min_longitude, fiji.max_longitude) == (-180, 180)
    assert fiji.contains(destination(Coordinates(-17.7, 179.99), 90, 4))


def test_a_negative_radius_is_refused() -> None:
    with pytest.raises(ValueError):
        bounding_box(LONDON, -1)
