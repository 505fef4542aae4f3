"""The offline geocoder: a postcode or city name a customer typed, turned into coordinates.

Nothing leaves the machine. Sources, most precise first: pickup points with exactly that
postcode (their real coordinates, averaged), then the gazetteer (:mod:`delivery.geo.places`) by
postcode prefix or city name, then pickup points in a city of that name. Customers' own
addresses are never used: one customer's address must not locate another customer's query.

Postcodes are ambiguous across countries ('00100' is Roma, Helsinki and a Warszawa prefix), so
``country_hint`` (usually the shipment's country) ranks the hinted country first; a match
elsewhere is still better than none.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.db.models import PickupPoint, Shipment
from delivery.geo.distance import Coordinates
from delivery.geo.places import CITIES, CITY_ALIASES, City
from delivery.normalize import postcode_key, text_key

# Postcodes worldwide are 2-10 letters and digits and always hold a digit; a city name none.
_POSTCODE_KEY = re.compile(r"^(?=.*\d)[0-9A-Z]{2,10}$")
_HAS_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Located:
    """Where a query points to, with a label to confirm it back to the customer."""

    coordinates: Coordinates
    label: str
    country: str


# How good a match is: hinted country first, then exact point postcodes before gazetteer
# prefixes, longer prefixes before shorter, then the gazetteer's own order.
_Rank = tuple[int, int, int, int]


def locate_query(session: Session, text: str, *, country_hint: str | None) -> Located | None:
    """Locate a postcode or city name, or None when nothing offline knows it.

    Mixed input such as '20121 Milano' is tried as a postcode first (more precise), then the
    words without digits as a city name.
    """
    name = text_key(" ".join(word for word in text.split() if not _HAS_DIGIT.search(word)))
    named = cities_named(name) if name else []
    # '00100 Helsinki': a city named beside the postcode says which country's postcode it is.
    hint = country_hint.upper() if country_hint else (named[0].country if named else None)
    for candidate in postcode_candidates(text):
        located = _locate_postcode(session, candidate, hint)
        if located is not None:
            return located
    return _locate_city_name(session, name, hint) if name else None


def locate_shipment(shipment: Shipment) -> Coordinates | None:
    """A delivery address's coordinates: its own, else the gazetteer's city for it."""
    if shipment.latitude is not None and shipment.longitude is not None:
        return Coordinates(shipment.latitude, shipment.longitude)
    city = gazetteer_city(postcode=shipment.postcode, city=shipment.city, country=shipment.country)
    return Coordinates(city.latitude, city.longitude) if city is not None else None


def gazetteer_city(*, postcode: str, city: str, country: str) -> City | None:
    """The gazetteer's city for an address in ``country``: by postcode prefix, else by name."""
    key = postcode_key(postcode)
    by_postcode = [
        (rank, found)
        for rank, found in _prefix_matches(key, country.upper())
        if found.country == country.upper()
    ]
    if by_postcode:
        return min(by_postcode, key=lambda pair: pair[0])[1]
    by_name = [found for found in cities_named(text_key(city)) if found.country == country.upper()]
    return by_name[0] if by_name else None


def postcode_candidates(text: str) -> list[str]:
    """Postcode keys worth trying, most specific first: the whole text, then each word."""
    whole = postcode_key(text)
    # A full postcode is at most two words ('SW1A 1AA'); longer text only holds one.
    keys = [whole] if len(text.split()) <= 2 else []
    keys += [postcode_key(word) for word in text.split()]
    return [key for key in dict.fromkeys(keys) if _POSTCODE_KEY.match(key)]


def cities_named(key: str) -> list[City]:
    """Gazetteer cities whose name or alias has this :func:`text_key`, in gazetteer order."""
    canonical = {text_key(alias): name for alias, name in CITY_ALIASES.items()}.get(key)
    return [
        city
        for city in CITIES
        if text_key(city.name) == key or (canonical is not None and city.name == canonical)
    ]


def prefix_matches(prefix: str, key: str) -> bool:
    """Does postcode ``key`` start with gazetteer ``prefix``?

    A prefix ending in a letter is a whole UK-style area: 'E' covers 'E14' but not 'EH1'
    (Edinburgh), so the next character must not be a letter too.
    """
    if not key.startswith(prefix):
        return False
    rest = key[len(prefix) :]
    return not (prefix[-1].isalpha() and rest[:1].isalpha())


def _prefix_matches(key: str, hint: str | None) -> list[tuple[_Rank, City]]:
    matches: list[tuple[_Rank, City]] = []
    for order, city in enumerate(CITIES):
        longest = max(
            (len(prefix) for prefix in city.postcode_prefixes if prefix_matches(prefix, key)),
            default=0,
        )
        if longest:
            matches.append(((_hint_rank(city.country, hint), 1, -longest, order), city))
    return matches


def _locate_postcode(session: Session, key: str, hint: str | None) -> Located | None:
    ranked: list[tuple[_Rank, Located]] = []
    points = session.scalars(select(PickupPoint).where(PickupPoint.postcode_key == key)).all()
    for country, group in _by_country(points).items():
        # More points agreeing on a country make it the likelier reading of the postcode.
        rank = (_hint_rank(country, hint), 0, -len(group), 0)
        ranked.append((rank, _centre_of(group, label=f"{group[0].postcode} {group[0].city}")))
    for rank, city in _prefix_matches(key, hint):
        located = Located(Coordinates(city.latitude, city.longitude), city.name, city.country)
        ranked.append((rank, located))
    return min(ranked, key=lambda pair: pair[0])[1] if ranked else None


def _locate_city_name(session: Session, key: str, hint: str | None) -> Located | None:
    ranked: list[tuple[_Rank, Located]] = []
    for order, city in enumerate(cities_named(key)):
        located = Located(Coordinates(city.latitude, city.longitude), city.name, city.country)
        ranked.append(((_hint_rank(city.country, hint), 0, 0, order), located))
    points = session.scalars(select(PickupPoint).where(PickupPoint.city_key == key)).all()
    for country, group in _by_country(points).items():
        rank = (_hint_rank(country, hint), 1, -len(group), 0)
        ranked.append((rank, _centre_of(group, label=group[0].city)))
    return min(ranked, key=lambda pair: pair[0])[1] if ranked else None


def _hint_rank(country: str, hint: str | None) -> int:
    return 0 if hint is None or country.upper() == hint else 1


def _by_country(points: Sequence[PickupPoint]) -> dict[str, list[PickupPoint]]:
    groups: dict[str, list[PickupPoint]] = defaultdict(list)
    for point in sorted(points, key=lambda p: (p.country, p.id)):
        groups[point.country.upper()].append(point)
    return dict(groups)


def _centre_of(points: list[PickupPoint], *, label: str) -> Located:
    # Points sharing a postcode or city lie close together; a plain mean is accurate enough.
    latitude = sum(p.latitude for p in points) / len(points)
    longitude = sum(p.longitude for p in points) / len(points)
    return Located(Coordinates(latitude, longitude), label, points[0].country.upper())
