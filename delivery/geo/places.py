"""The gazetteer: cities the demo (and the offline geocoder) know, with real centre coordinates.

``postcode_prefixes`` are the leading characters of the city's postcodes once normalised
(see :func:`delivery.normalize.postcode_key`); they let a typed postcode with no exact match
still find the right city.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str
    country: str  # ISO 3166-1 alpha-2
    latitude: float
    longitude: float
    timezone: str
    postcode_prefixes: tuple[str, ...]
    language: str  # the main language spoken there (for demo customers)


CITIES: tuple[City, ...] = (
    City(
        "London",
        "GB",
        51.5074,
        -0.1278,
        "Europe/London",
        ("SW", "SE", "EC", "WC", "E", "N", "NW", "W"),
        "en",
    ),
    City("Manchester", "GB", 53.4808, -2.2426, "Europe/London", ("M",), "en"),
    City("Milano", "IT", 45.4642, 9.1900, "Europe/Rome", ("201",), "it"),
    City("Roma", "IT", 41.9028, 12.4964, "Europe/Rome", ("001",), "it"),
    City("Torino", "IT", 45.0703, 7.6869, "Europe/Rome", ("101",), "it"),
    City("Warszawa", "PL", 52.2297, 21.0122, "Europe/Warsaw", ("00", "01", "02", "03", "04"), "pl"),
    City("Kraków", "PL", 50.0647, 19.9450, "Europe/Warsaw", ("30", "31"), "pl"),
    City(
        "Helsinki",
        "FI",
        60.1699,
        24.9384,
        "Europe/Helsinki",
        ("001", "002", "003", "004", "005", "006", "007", "008", "009"),
        "fi",
    ),
    City(
        "Espoo",
        "FI",
        60.2055,
        24.6559,
        "Europe/Helsinki",
        ("021", "022", "023", "026", "027", "028"),
        "fi",
    ),
    City(
        "Tampere",
        "FI",
        61.4978,
        23.7610,
        "Europe/Helsinki",
        ("331", "332", "333", "335", "336"),
        "fi",
    ),
)

#: Other names customers use for the same cities (lower case, no accents).
CITY_ALIASES: dict[str, str] = {
    "milan": "Milano",
    "rome": "Roma",
    "turin": "Torino",
    "warsaw": "Warszawa",
    "krakow": "Kraków",
    "cracow": "Kraków",
    "helsingfors": "Helsinki",
    "esbo": "Espoo",
    "tammerfors": "Tampere",
}
