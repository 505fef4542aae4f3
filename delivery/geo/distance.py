"""Points on the Earth, great-circle distances and the boxes that pre-filter index lookups."""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The mean Earth radius (IUGG); good to about 0.5 % for any distance a customer walks or drives.
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Coordinates:
    """A WGS 84 position in decimal degrees; out-of-range or non-finite values raise ValueError."""

    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.latitude) and -90.0 <= self.latitude <= 90.0):
            raise ValueError(f"latitude out of range: {self.latitude!r}")
        if not (math.isfinite(self.longitude) and -180.0 <= self.longitude <= 180.0):
            raise ValueError(f"longitude out of range: {self.longitude!r}")


@dataclass(frozen=True)
class BoundingBox:
    """A latitude/longitude rectangle that contains every point within some radius."""

    min_latitude: float
    max_latitude: float
    min_longitude: float
    max_longitude: float

    def contains(self, point: Coordinates) -> bool:
        return (
            self.min_latitude <= point.latitude <= self.max_latitude
            and self.min_longitude <= point.longitude <= self.max_longitude
        )


def haversine_km(a: Coordinates, b: Coordinates) -> float:
    """The great-circle distance between two points, in kilometres."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    # min() guards against rounding pushing h a hair above 1 for antipodal points.
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(center: Coordinates, radius_km: float) -> BoundingBox:
    """The smallest simple box holding every point within ``radius_km`` of ``center``.

    The box only pre-selects rows through the (latitude, longitude) index; callers still compute
    the exact distance. Near a pole or across the antimeridian a single rectangle cannot wrap, so
    the box takes every longitude there: too many candidates, never too few.
    """
    if radius_km < 0:
        raise ValueError(f"negative radius: {radius_km!r}")
    angular = radius_km / EARTH_RADIUS_KM
    dlat = math.degrees(angular)
    min_lat, max_lat = center.latitude - dlat, center.latitude + dlat
    if min_lat <= -90.0 or max_lat >= 90.0:
        return BoundingBox(max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0)
    # The widest longitude span of a circle is at the latitude where its edge is tangent to a
    # meridian, not at the centre's latitude (see Jan Matuschek, "Finding points within a
    # distance of a latitude/longitude using bounding coordinates").
    dlon = math.degrees(
        math.asin(min(1.0, math.sin(angular) / math.cos(math.radians(center.latitude))))
    )
    min_lon, max_lon = center.longitude - dlon, center.longitude + dlon
    if min_lon < -180.0 or max_lon > 180.0:
        return BoundingBox(min_lat, max_lat, -180.0, 180.0)
    return BoundingBox(min_lat, max_lat, min_lon, max_lon)
