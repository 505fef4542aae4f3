"""Where to look for pickup points, and the points near there (the pickup point journey,
:mod:`actions.pickup_points`).

- **Where from**: the delivery address (a button), a postcode or city (an entity, or the text
  when the question was just asked), or a location shared on Telegram (message metadata
  ``{"location": {"latitude": .., "longitude": ..}}``). The ``pickup_origin`` slot keeps what
  the customer chose (``delivery_address``, the text, or ``geo:<lat>,<lon>``); it is located
  again on every use, by the offline geocoder, never by another customer's address.
- **Which points**: the nearest :data:`POINTS_OFFERED` of the parcels' carrier, with distance and
  opening hours; those with room become buttons, full ones are named as full.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions import wording
from actions.buttons import payload
from actions.conversation import Conversation
from actions.names import Entity, Intent, SlotName
from actions.opening_hours_wording import hours_text
from actions.phrases import phrase
from delivery.db.models import PickupPoint, Shipment
from delivery.geo.distance import Coordinates
from delivery.geo.geocode import locate_query, locate_shipment
from delivery.services.pickup_points import PickupPointOption, nearest_pickup_points

#: How many of the nearest points are shown.
POINTS_OFFERED = 5
#: The ``pickup_origin`` value of the "near my delivery address" button.
DELIVERY_ADDRESS = "delivery_address"
#: ``pickup_origin`` of a shared location: 'geo:51.50100,-0.14160'.
GEO_PREFIX = "geo:"
#: A typed place longer than this is a sentence, not a postcode or city.
MAX_PLACE = 60
#: Messages that may name a place: answers, "a locker near Milano", and (short) unsure guesses;
#: a question about something else is a digression, answered by the rules.
_PLACE_INTENTS = frozenset({Intent.INFORM, Intent.CHOOSE_PICKUP_POINT, Intent.NLU_FALLBACK})
#: An unsure NLU guess of at most this many words is still taken as a place when one was asked.
_MAX_PLACE_WORDS = 4

# Responses (data/responses/delivery_changes.yml).
ORIGIN_UNKNOWN = "utter_pickup_origin_unknown"
ADDRESS_UNKNOWN = "utter_pickup_origin_address_unknown"
NO_POINTS_NEAR = "utter_no_pickup_points_near"
ALL_POINTS_FULL = "utter_pickup_points_all_full"
PLACE_PREFIX = "utter_place_"  # + OriginKind value, for origins that have no name of their own


class OriginKind(StrEnum):
    DELIVERY_ADDRESS = "delivery_address"
    LOCATION = "location"
    PLACE = "place"


@dataclass(frozen=True)
class Origin:
    """Where to look from; ``place`` names a typed place as the gazetteer knows it."""

    kind: OriginKind
    coordinates: Coordinates
    place: str = ""


# --- where from --------------------------------------------------------------------------------


def origin_in(talk: Conversation, requested: str | None) -> str | None:
    """Where the latest message says to look from, as a ``pickup_origin`` value: a shared
    location, a postcode or city, or (when the question was just asked) the text as a place
    name. None when it names no place, or came from the button (the slot mapping has that)."""
    found = shared_location(talk.metadata)
    if found is None and talk.entity(Entity.PICKUP_ORIGIN) is None:
        place = talk.entity(Entity.POSTCODE) or talk.entity(Entity.CITY)
        # When the form starts, the latest message may be the proof of verification (a
        # postcode!): only the request itself ("a locker near Milano") names a place then.
        intents = {Intent.CHOOSE_PICKUP_POINT} if requested is None else _PLACE_INTENTS
        if place and talk.latest_intent in intents:
            found = place
        elif requested == SlotName.PICKUP_ORIGIN and _may_name_a_place(talk):
            found = talk.latest_text.strip()
    return None if found is None else found[:MAX_PLACE]


def _may_name_a_place(talk: Conversation) -> bool:
    """Could the latest message be a typed postcode or city (the question was just asked)?"""
    text = talk.latest_text.strip()
    if not text or text.startswith("/") or len(text) > MAX_PLACE:
        return False
    if talk.latest_intent == Intent.NLU_FALLBACK:
        return len(text.split()) <= _MAX_PLACE_WORDS
    return talk.latest_intent in _PLACE_INTENTS


def shared_location(metadata: dict[str, Any]) -> str | None:
    """A location the channel passed with the message, as a ``pickup_origin`` value."""
    location = metadata.get("location")
    if not isinstance(location, dict):
        return None
    found = coordinates_in((location.get("latitude"), location.get("longitude")))
    if found is None:
        return None
    return f"{GEO_PREFIX}{found.latitude:.5f},{found.longitude:.5f}"


def coordinates_in(pair: Any) -> Coordinates | None:
    """Coordinates from a (latitude, longitude) pair of numbers or numeric strings, if valid."""
    try:
        latitude, longitude = pair
        return Coordinates(float(latitude), float(longitude))
    except (TypeError, ValueError):
        return None


def locate_origin(session: Session, value: str, shipment: Shipment) -> Origin | None:
    """Where ``pickup_origin`` points to; None when nothing offline knows it."""
    if value == DELIVERY_ADDRESS:
        address = locate_shipment(shipment)
        return Origin(OriginKind.DELIVERY_ADDRESS, address) if address is not None else None
    if value.startswith(GEO_PREFIX):
        shared = coordinates_in(value.removeprefix(GEO_PREFIX).split(","))
        return Origin(OriginKind.LOCATION, shared) if shared is not None else None
    located = locate_query(session, value, country_hint=shipment.country)
    if located is None:
        return None
    return Origin(OriginKind.PLACE, located.coordinates, located.label)


def place_name(talk: Conversation, origin: Origin) -> str:
    if origin.kind is OriginKind.PLACE:
        return origin.place
    return phrase(talk.domain, PLACE_PREFIX + origin.kind.value, talk.language)


# --- which points --------------------------------------------------------------------------------


def points_near(
    talk: Conversation, session: Session, chosen: str, shipments: list[Shipment]
) -> tuple[Origin, list[PickupPointOption]] | None:
    """Where ``chosen`` is and the carrier's nearest points there, if some have room; otherwise
    None, having told the customer what is wrong with the place."""
    origin = locate_origin(session, chosen, shipments[0])
    if origin is None:
        if chosen == DELIVERY_ADDRESS:
            talk.say(ADDRESS_UNKNOWN)
        else:
            talk.say(ORIGIN_UNKNOWN, place=chosen)
        return None
    options = nearest_pickup_points(
        session,
        origin.coordinates,
        carrier_id=shipments[0].carrier_id,
        now=talk.now,
        limit=POINTS_OFFERED,
    )
    if not any(option.has_room for option in options):
        talk.say(
            ALL_POINTS_FULL if options else NO_POINTS_NEAR,
            place=place_name(talk, origin),
            carrier=shipments[0].carrier.name,
        )
        return None
    return origin, options


def point_by_code(session: Session, code: str) -> PickupPoint | None:
    return session.scalars(select(PickupPoint).where(PickupPoint.code == code)).one_or_none()


def address_of(point: PickupPoint | PickupPointOption) -> str:
    return f"{point.street}, {point.postcode} {point.city}"


def point_button(talk: Conversation, option: PickupPointOption) -> dict[str, str]:
    """'Corner Shop · 350 m · Mon–Sat 8:00–20:00'."""
    distance = wording.distance(option.distance_km, talk.language)
    return {
        "title": f"{option.name} · {distance} · {hours_text(talk, option.opening_hours)}",
        "payload": payload(Intent.INFORM, Entity.PICKUP_POINT, option.code),
    }
