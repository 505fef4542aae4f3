"""Demo customers: where they live, which language they write in, how to reach them."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from delivery.demo.addresses import CITY_BY_NAME, random_address
from delivery.demo.people import EmailBook, person_name, phone_number
from delivery.demo.plans import CustomerRecord
from delivery.normalize import email_key, phone_key

#: Where the shop's customers live (relative weights).
CITY_WEIGHTS: dict[str, float] = {
    "London": 20,
    "Manchester": 8,
    "Milano": 12,
    "Roma": 10,
    "Torino": 5,
    "Warszawa": 12,
    "Kraków": 6,
    "Helsinki": 12,
    "Espoo": 5,
    "Tampere": 5,
}
#: Share of customers in these cities who write to the shop in Arabic.
ARABIC_SPEAKERS = {"London": 0.12, "Manchester": 0.15, "Milano": 0.08}
PHONE_SHARE = 0.9  # customers who gave the shop a phone number

_CITY_NAMES = tuple(CITY_WEIGHTS)
_CITY_CUMULATIVE = tuple(
    sum(tuple(CITY_WEIGHTS.values())[: i + 1]) for i in range(len(CITY_WEIGHTS))
)


def random_customer(
    rng: random.Random, customer_id: int, emails: EmailBook, now: dt.datetime
) -> CustomerRecord:
    city = CITY_BY_NAME[rng.choices(_CITY_NAMES, cum_weights=_CITY_CUMULATIVE)[0]]
    language = "ar" if rng.random() < ARABIC_SPEAKERS.get(city.name, 0.0) else city.language
    name = person_name(rng, language)
    phone = phone_number(rng, city.country, customer_id) if rng.random() < PHONE_SHARE else None
    # Accounts are older than any of their orders (which go back about 14 months).
    created_at = now - dt.timedelta(days=430 + rng.randint(0, 900), seconds=rng.randint(0, 86_399))
    return CustomerRecord(
        id=customer_id,
        name=name.display,
        email=emails.new(rng, name),
        phone=phone,
        language=language,
        city=city,
        home=random_address(rng, city),
        created_at=created_at,
    )


def customer_row(customer: CustomerRecord) -> dict[str, Any]:
    return {
        "id": customer.id,
        "external_id": f"demo-{customer.id:07d}",
        "name": customer.name,
        "email": customer.email,
        "email_key": email_key(customer.email),
        "phone": customer.phone,
        "phone_key": phone_key(customer.phone) if customer.phone else None,
        "language": customer.language,
        "timezone": customer.city.timezone,
        "notifications_opt_out": customer.id % 23 == 0,  # a few said "don't message me"
        "created_at": customer.created_at,
        "updated_at": customer.created_at,
    }
