"""The shop's token links a conversation to its customer; anything else links nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.identity import ShopCustomer, link_from_token, link_shop_customer
from delivery.db.session import unit_of_work
from delivery.services.customer_tokens import issue_shop_token
from delivery.services.identity import linked_customer
from delivery.vocabulary import Channel
from tests import factories
from tests.factories import NOW

SECRET = "the-shop-s-shared-secret-32-bytes-long"
TTL = dt.timedelta(minutes=15)


def test_a_valid_token_links_the_conversation(session: Session) -> None:
    customer = factories.customer(session, external_id="shop-7", name="Ada Lovelace", language="it")
    token = issue_shop_token("shop-7", SECRET, now=NOW, ttl=TTL)
    found = link_shop_customer(
        session, token=token, secret=SECRET, channel=Channel.WEB,
        conversation_id="web-abcdefgh", now=NOW,
    )  # fmt: skip
    assert found == ShopCustomer(customer_id=customer.id, first_name="Ada", language="it")
    assert linked_customer(session, Channel.WEB, "web-abcdefgh") == customer


def test_bad_tokens_link_nothing(session: Session) -> None:
    factories.customer(session, external_id="shop-7")
    tokens = [
        issue_shop_token("shop-7", "another-shop-s-secret-of-32-bytes-or-more", now=NOW, ttl=TTL),
        issue_shop_token("shop-7", SECRET, now=NOW - 2 * TTL, ttl=TTL),  # expired
        issue_shop_token("nobody", SECRET, now=NOW, ttl=TTL),
        "not.a.token",
    ]
    for token in tokens:
        found = link_shop_customer(
            session, token=token, secret=SECRET, channel=Channel.WEB,
            conversation_id="web-abcdefgh", now=NOW,
        )  # fmt: skip
        assert found is None
    assert linked_customer(session, Channel.WEB, "web-abcdefgh") is None


async def test_without_a_secret_or_a_string_nothing_is_checked(
    sessions: sessionmaker[Session],
) -> None:
    with unit_of_work(sessions) as session:
        factories.customer(session, external_id="shop-7")
    token = issue_shop_token("shop-7", SECRET, now=NOW, ttl=TTL)
    common: dict[str, Any] = {
        "channel": Channel.WEB,
        "conversation_id": "web-abcdefgh",
        "now": NOW,
    }
    assert await link_from_token(sessions, token=token, secret=None, **common) is None
    assert await link_from_token(sessions, token=["x"], secret=SECRET, **common) is None
    found = await link_from_token(sessions, token=token, secret=SECRET, **common)
    assert found is not None
    with sessions() as session:
        assert linked_customer(session, Channel.WEB, "web-abcdefgh") is not None
