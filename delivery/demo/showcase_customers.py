"""The customers of the showcase orders: who they are, where they live, how to reach them."""

from __future__ import annotations

import datetime as dt

from delivery.demo.addresses import CITY_BY_NAME, Address
from delivery.demo.plans import CustomerRecord
from delivery.demo.showcase import SHOWCASE_ORDERS

#: The showcase customers by e-mail: language, home and phone (their phone numbers end in
#: their ids on an empty database, like every demo customer's).
_HOMES: dict[str, tuple[str, Address, str]] = {
    "ada@example.com": (
        "en",
        Address("10 Downing Street", "SW1A 2AA", "London", "GB", 51.50340, -0.12770),
        "+44 7700 900001",
    ),
    "marco.rossi@example.com": (
        "it",
        Address("Via Brera 12", "20121", "Milano", "IT", 45.47190, 9.18780),
        "+39 333 000 0002",
    ),
    "anna.nowak@example.com": (
        "pl",
        Address("ul. Marszałkowska 10/4", "00-950", "Warszawa", "PL", 52.22370, 21.01530),
        "+48 600 000 003",
    ),
    "aino.virtanen@example.com": (
        "fi",
        Address("Mannerheimintie 5 A 3", "00100", "Helsinki", "FI", 60.16950, 24.93900),
        "+358 40 000 0004",
    ),
    "layla.haddad@example.com": (
        "ar",
        Address("12 Portland Street", "M1 1AE", "Manchester", "GB", 53.47940, -2.23660),
        "+44 7700 900005",
    ),
    "giulia.bianchi@example.com": (
        "it",
        Address("Via Cavour 120", "00184", "Roma", "IT", 41.89490, 12.49370),
        "+39 347 000 0006",
    ),
    "piotr.kowalski@example.com": (
        "pl",
        Address("ul. Długa 12", "30-001", "Kraków", "PL", 50.06830, 19.93790),
        "+48 601 000 007",
    ),
}


def showcase_customers(now: dt.datetime, *, first_id: int = 1) -> list[CustomerRecord]:
    """One customer per distinct showcase e-mail, ids counting from ``first_id`` in order."""
    customers: dict[str, CustomerRecord] = {}
    for showcase in SHOWCASE_ORDERS:
        if showcase.email in customers:
            continue
        language, home, phone = _HOMES[showcase.email]
        customers[showcase.email] = CustomerRecord(
            id=first_id + len(customers),
            name=showcase.customer_name,
            email=showcase.email,
            phone=phone,
            language=language,
            city=CITY_BY_NAME[home.city],
            home=home,
            created_at=(now - dt.timedelta(days=600 + 30 * len(customers))).replace(microsecond=0),
        )
    return list(customers.values())
