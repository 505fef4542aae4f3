"""The demo orders the README and the demo page invite people to try.

Their numbers, e-mails and postcodes never change between runs (the generator creates them
first, relative to the day it runs), so the docs can name them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShowcaseOrder:
    number: str
    email: str
    postcode: str
    customer_name: str
    story: str  # what state the order is in, for people trying the demo


SHOWCASE_ORDERS: tuple[ShowcaseOrder, ...] = (
    ShowcaseOrder(
        "100001",
        "ada@example.com",
        "SW1A 2AA",
        "Ada Lovelace",
        "in transit, arriving tomorrow morning; can be rescheduled or sent to a pickup point",
    ),
    ShowcaseOrder(
        "100002",
        "marco.rossi@example.com",
        "20121",
        "Marco Rossi",
        "delayed: two days past the promised date, new estimate given",
    ),
    ShowcaseOrder(
        "100003",
        "anna.nowak@example.com",
        "00-950",
        "Anna Nowak",
        "failed delivery attempt yesterday (nobody home); redelivery tomorrow",
    ),
    ShowcaseOrder(
        "100004",
        "aino.virtanen@example.com",
        "00100",
        "Aino Virtanen",
        "out for delivery today, between 13:00 and 18:00 (too late to change)",
    ),
    ShowcaseOrder(
        "100005",
        "layla.haddad@example.com",
        "M1 1AE",
        "Layla Haddad",
        "delivered five days ago; two of its three items can be returned",
    ),
    ShowcaseOrder(
        "100006",
        "giulia.bianchi@example.com",
        "00184",
        "Giulia Bianchi",
        "split into two shipments: one delivered, one still in transit",
    ),
    ShowcaseOrder(
        "100007",
        "piotr.kowalski@example.com",
        "30-001",
        "Piotr Kowalski",
        "carrier exception: parcel damaged at the depot, under investigation",
    ),
    ShowcaseOrder(
        "100008",
        "ada@example.com",
        "SW1A 2AA",
        "Ada Lovelace",
        "delivered last week with a return pickup already booked",
    ),
)
