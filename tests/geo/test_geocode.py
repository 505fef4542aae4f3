"""The offline geocoder: postcodes and city names customers type."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from delivery.geo.distance import Coordinates
from delivery.geo.geocode import (
    gazetteer_city,
    locate_query,
    locate_shipment,
    postcode_candidates,
    prefix_matches,
)
from delivery.geo.places import CITIES
from tests import factories

CITY = {city.name: city for city in CITIES}


def centre(name: str) -> Coordinates:
    return Coordinates(CITY[name].latitude, CITY[name].longitude)


def located(session: Session, text: str, hint: str | None = None) -> tuple[str, str] | None:
    """(label, country) of what ``text`` locates to, or None."""
    found = locate_query(session, text, country_hint=hint)
    return None if found is None else (found.label, found.country)


# --- postcodes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("FI", ("Helsinki", "FI")), ("pl", ("Warszawa", "PL")), ("IT", ("Roma", "IT"))],
)
def test_an_ambiguous_postcode_follows_the_country_hint(
    session: Session, hint: str, expected: tuple[str, str]
) -> None:
    assert located(session, "00100", hint) == expected


def test_without_a_hint_the_longest_prefix_then_the_first_city_wins(session: Session) -> None:
    # '001' (Roma, Helsinki) is longer than Warszawa's '00'; Roma comes first in the gazetteer.
    assert located(session, "00100") == ("Roma", "IT")
    assert located(session, "00-950") == ("Helsinki", "FI")  # "009" is longer than "00"
    assert located(session, "03-100") == ("Warszawa", "PL")


def test_a_city_named_beside_the_postcode_acts_as_the_hint(session: Session) -> None:
    assert located(session, "00100 Helsinki") == ("Helsinki", "FI")
    assert located(session, "20121 Milano") == ("Milano", "IT")


def test_a_hint_with_no_match_in_its_country_still_finds_the_postcode(session: Session) -> None:
    assert located(session, "30-001", "GB") == ("Kraków", "PL")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SW1A 1AA", "London"),
        ("sw1a1aa", "London"),
        ("NW1", "London"),
        ("E14 5AB", "London"),
        ("M1 1AE", "Manchester"),
        ("10121", "Torino"),
        ("02150", "Espoo"),
        ("33100", "Tampere"),
    ],
)
def test_postcodes_find_their_gazetteer_city(session: Session, text: str, expected: str) -> None:
    found = locate_query(session, text, country_hint=None)
    assert found is not None
    assert found.label == expected
    assert found.coordinates == centre(expected)


def test_a_letter_prefix_is_a_whole_area(session: Session) -> None:
    # 'EH' is Edinburgh, not London's 'E'; 'MK' is Milton Keynes, not Manchester's 'M'.
    assert located(session, "EH1 1YZ", "GB") is None
    assert located(session, "MK9 3AA", "GB") is None


def test_an_exact_pickup_point_postcode_beats_the_gazetteer(session: Session) -> None:
    carrier = factories.carrier(session)
    for latitude in (60.10, 60.20):
        factories.pickup_point(
            session,
            carrier,
            postcode="00100",
            city="Helsinki",
            country="FI",
            latitude=latitude,
            longitude=24.90,
        )
    found = locate_query(session, " 00100 ", country_hint=None)
    assert found is not None
    assert (found.label, found.country) == ("00100 Helsinki", "FI")
    assert found.coordinates.latitude == pytest.approx(60.15)
    assert found.coordinates.longitude == pytest.approx(24.90)
    # A hint for another country still prefers that country's reading of the postcode.
    assert located(session, "00100", "IT") == ("Roma", "IT")
    assert located(session, "00100", "FI") == ("00100 Helsinki", "FI")


def test_exact_points_of_the_hinted_country_are_averaged_alone(session: Session) -> None:
    carrier = factories.carrier(session)
    common: dict[str, Any] = {"postcode": "00100", "longitude": 20.0}
    factories.pickup_point(session, carrier, country="FI", city="Helsinki", latitude=60.0, **common)
    factories.pickup_point(session, carrier, country="PL", city="Warszawa", latitude=52.0, **common)
    found = locate_query(session, "00100", country_hint="PL")
    assert found is not None
    assert (found.label, found.coordinates.latitude) == ("00100 Warszawa", 52.0)


def test_customers_addresses_are_never_used(session: Session) -> None:
    factories.shipment(
        session, factories.order(session), postcode="99999", city="Nowhere", country="GB"
    )
    assert located(session, "99999", "GB") is None
    assert located(session, "Nowhere", "GB") is None


# --- city names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("krakow", "Kraków"),
        ("  Kraków ", "Kraków"),
        ("Cracow", "Kraków"),
        ("Milan", "Milano"),
        ("TORINO", "Torino"),
        ("warsaw", "Warszawa"),
        ("helsingfors", "Helsinki"),
        ("london", "London"),
    ],
)
def test_city_names_accents_and_aliases(session: Session, text: str, expected: str) -> None:
    found = locate_query(session, text, country_hint=None)
    assert found is not None
    assert (found.label, found.country) == (expected, CITY[expected].country)
    assert found.coordinates == centre(expected)


def test_a_city_known_only_from_pickup_points(session: Session) -> None:
    carrier = factories.carrier(session)
    for longitude in (11.30, 11.36):
        factories.pickup_point(
            session, carrier, city="Bologna", country="IT", latitude=44.49, longitude=longitude
        )
    found = locate_query(session, "bologna", country_hint="IT")
    assert found is not None
    assert (found.label, found.country) == ("Bologna", "IT")
    assert found.coordinates.longitude == pytest.approx(11.33)


def test_the_gazetteer_centre_beats_points_of_the_same_city(session: Session) -> None:
    factories.pickup_point(session, factories.carrier(session), city="Milano", country="IT")
    found = locate_query(session, "Milano", country_hint="IT")
    assert found is not None
    assert found.coordinates == centre("Milano")


@pytest.mark.parametrize("text", ["", "   ", "Atlantis", "12", "!!!"])
def test_unknown_text_locates_nothing(session: Session, text: str) -> None:
    assert located(session, text) is None


# --- shipments and pure helpers ------------------------------------------------------------------


def test_a_shipment_with_coordinates_uses_them(session: Session) -> None:
    shipment = factories.shipment(session, factories.order(session), latitude=51.5, longitude=-0.1)
    assert locate_shipment(shipment) == Coordinates(51.5, -0.1)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ({"postcode": "SW1A 2AA", "city": "Westminster", "country": "GB"}, "London"),
        ({"postcode": "31-000", "city": "?", "country": "PL"}, "Kraków"),
        ({"postcode": "99-999", "city": "Krakow", "country": "PL"}, "Kraków"),
        ({"postcode": "00100", "city": "", "country": "FI"}, "Helsinki"),
    ],
)
def test_a_shipment_without_coordinates_is_placed_by_the_gazetteer(
    session: Session, address: dict[str, Any], expected: str
) -> None:
    shipment = factories.shipment(
        session, factories.order(session), latitude=None, longitude=None, **address
    )
    assert locate_shipment(shipment) == centre(expected)


def test_a_shipment_nowhere_known_has_no_coordinates(session: Session) -> None:
    shipment = factories.shipment(
        session,
        factories.order(session),
        latitude=None,
        longitude=None,
        postcode="75001",
        city="Paris",
        country="FR",
    )
    assert locate_shipment(shipment) is None


def test_gazetteer_city_stays_in_the_addresses_country() -> None:
    assert gazetteer_city(postcode="00100", city="", country="it") == CITY["Roma"]
    assert gazetteer_city(postcode="M1", city="Milano", country="IT") == CITY["Milano"]
    assert gazetteer_city(postcode="M1", city="", country="IT") is None


def test_postcode_candidates() -> None:
    assert postcode_candidates("SW1A 1AA") == ["SW1A1AA", "SW1A", "1AA"]
    assert postcode_candidates("20121 Milano centro") == ["20121"]
    assert postcode_candidates("Milano") == []


def test_prefix_matches() -> None:
    assert prefix_matches("E", "E14")
    assert not prefix_matches("E", "EH1")
    assert prefix_matches("001", "00100")
    assert not prefix_matches("001", "01000")
