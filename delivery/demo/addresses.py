"""Plausible addresses in the gazetteer's cities: streets, postcodes in each country's format,
and coordinates scattered around the city centre."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from delivery.geo.places import CITIES, City

CITY_BY_NAME: dict[str, City] = {city.name: city for city in CITIES}

STREETS: dict[str, tuple[str, ...]] = {
    "London": (
        "Baker Street", "Oxford Street", "Whitehall", "Strand", "King's Road",
        "Camden High Street", "Brick Lane", "Edgware Road", "Upper Street", "Marylebone Lane",
        "Old Kent Road", "Holloway Road", "Mare Street", "Portobello Road", "Brixton Road",
        "Kilburn High Road", "Fulham Road", "Lordship Lane", "Commercial Street", "Essex Road",
    ),
    "Manchester": (
        "Deansgate", "Market Street", "Oxford Road", "Portland Street", "Wilmslow Road",
        "Piccadilly", "Stockport Road", "Oldham Street", "Princess Street", "Chorlton Road",
        "Burton Road", "Barlow Moor Road", "Ashton Old Road", "Cheetham Hill Road",
    ),
    "Milano": (
        "Via Torino", "Corso Buenos Aires", "Via Dante", "Corso Como", "Via Paolo Sarpi",
        "Viale Monza", "Corso di Porta Romana", "Via Padova", "Corso Vercelli", "Via Brera",
        "Viale Papiniano", "Corso Lodi", "Via Solari", "Corso Sempione", "Via Melchiorre Gioia",
    ),
    "Roma": (
        "Via del Corso", "Via Nazionale", "Via Appia Nuova", "Via Tuscolana", "Viale Trastevere",
        "Via Cavour", "Via Merulana", "Via Ostiense", "Via Cola di Rienzo", "Via Prenestina",
        "Viale Marconi", "Via Nomentana", "Via Casilina", "Via Flaminia",
    ),
    "Torino": (
        "Via Roma", "Via Garibaldi", "Corso Vittorio Emanuele II", "Via Po", "Corso Francia",
        "Via Nizza", "Corso Regina Margherita", "Via Madama Cristina", "Corso Giulio Cesare",
        "Via Cernaia",
    ),
    "Warszawa": (
        "ul. Marszałkowska", "ul. Nowy Świat", "al. Jerozolimskie", "ul. Puławska",
        "ul. Grójecka", "ul. Targowa", "ul. Krakowskie Przedmieście", "ul. Złota",
        "ul. Chmielna", "al. Solidarności", "ul. Wołoska", "ul. Górczewska", "ul. Grochowska",
        "ul. Modlińska",
    ),
    "Kraków": (
        "ul. Floriańska", "ul. Grodzka", "ul. Karmelicka", "ul. Długa", "ul. Starowiślna",
        "ul. Dietla", "al. Mickiewicza", "ul. Wielicka", "ul. Kalwaryjska", "os. Centrum A",
    ),
    "Helsinki": (
        "Mannerheimintie", "Aleksanterinkatu", "Hämeentie", "Bulevardi", "Fredrikinkatu",
        "Mechelininkatu", "Itäkatu", "Runeberginkatu", "Tehtaankatu", "Mäkelänkatu",
        "Sturenkatu", "Kaisaniemenkatu",
    ),
    "Espoo": (
        "Otakaari", "Leppävaarankatu", "Tapionraitti", "Kauppamiehentie", "Espoonlahdenkatu",
        "Piispansilta", "Kamreerintie", "Matinkatu", "Lintuvaarantie",
    ),
    "Tampere": (
        "Hämeenkatu", "Hatanpään valtatie", "Itsenäisyydenkatu", "Satakunnankatu",
        "Pirkankatu", "Kalevantie", "Tuomiokirkonkatu", "Sammonkatu", "Teiskontie",
    ),
}  # fmt: skip

# How far from the centre addresses spread (km), and for coastal centres the bearings (degrees
# clockwise from north) that stay on land.
_RADIUS_KM = {
    "London": 12.0, "Manchester": 6.0, "Milano": 6.0, "Roma": 8.0, "Torino": 5.0,
    "Warszawa": 8.0, "Kraków": 5.0, "Helsinki": 5.0, "Espoo": 6.0, "Tampere": 4.0,
}  # fmt: skip
_LAND_BEARINGS = {"Helsinki": (-80.0, 80.0)}

# Letters the Royal Mail uses in the inward part of a postcode.
_UK_INWARD = "ABDEFGHJLNPQRSTUWXYZ"
# The city-centre codes of Italian cities, e.g. 20121-20162 in Milano: prefix + two digits.
_ITALIAN_RANGES = {"Milano": (21, 62), "Roma": (18, 99), "Torino": (21, 56)}
_LONDON_DISTRICTS = {"SW": 20, "SE": 28, "EC": 4, "WC": 2, "E": 18, "N": 22, "NW": 11, "W": 14}


@dataclass(frozen=True)
class Address:
    street: str
    postcode: str
    city: str
    country: str
    latitude: float
    longitude: float


def postcode(rng: random.Random, city: City) -> str:
    """A postcode in ``city``'s national format, starting with one of its prefixes."""
    if city.country == "GB":
        return _uk_postcode(rng, city)
    if city.country == "PL":
        prefix = rng.choice(city.postcode_prefixes)
        return f"{prefix}-{rng.randint(1, 999):03d}"
    if city.country == "IT":
        low, high = _ITALIAN_RANGES[city.name]
        return f"{rng.choice(city.postcode_prefixes)}{rng.randint(low, high):02d}"
    # Finnish codes: a three-digit area, one more digit and (nearly always) a final 0.
    return f"{rng.choice(city.postcode_prefixes)}{rng.randint(0, 9)}0"


def _uk_postcode(rng: random.Random, city: City) -> str:
    area = rng.choice(city.postcode_prefixes)
    top = _LONDON_DISTRICTS.get(area, 40)
    district = str(rng.randint(1, top))
    if area in ("EC", "WC") or (area in ("SW", "W") and district == "1"):
        district += rng.choice("ABEHNPVX")  # central London splits districts by letter
    inward = f"{rng.randint(0, 9)}{rng.choice(_UK_INWARD)}{rng.choice(_UK_INWARD)}"
    return f"{area}{district} {inward}"


def street_address(rng: random.Random, city: City) -> str:
    street = rng.choice(STREETS[city.name])
    number = rng.randint(1, 180) if rng.random() < 0.8 else rng.randint(1, 20)
    if city.country == "GB":
        return f"{number} {street}"
    if city.country == "PL":
        return (
            f"{street} {number}/{rng.randint(1, 60)}"
            if rng.random() < 0.6
            else f"{street} {number}"
        )
    if city.country == "FI" and rng.random() < 0.6:
        return f"{street} {number} {rng.choice('ABC')} {rng.randint(1, 40)}"
    return f"{street} {number}"


def scatter(rng: random.Random, city: City) -> tuple[float, float]:
    """A point uniformly inside the city's disc (or its landward half), rounded to ~1 m."""
    radius = _RADIUS_KM[city.name] * math.sqrt(rng.random())
    low, high = _LAND_BEARINGS.get(city.name, (0.0, 360.0))
    bearing = math.radians(rng.uniform(low, high))
    latitude = city.latitude + radius * math.cos(bearing) / 111.32
    longitude = city.longitude + radius * math.sin(bearing) / (
        111.32 * math.cos(math.radians(city.latitude))
    )
    return round(latitude, 5), round(longitude, 5)


def random_address(rng: random.Random, city: City) -> Address:
    latitude, longitude = scatter(rng, city)
    return Address(
        street_address(rng, city), postcode(rng, city), city.name, city.country, latitude, longitude
    )


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))
