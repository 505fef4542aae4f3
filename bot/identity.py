"""A logged-in shop customer, recognised from the shop's signed token.

The shop's page hands the widget a token (``customData.token``, an HS256 JWT signed with
CUSTOMER_TOKEN_SECRET, see delivery.services.customer_tokens). A valid one links the
conversation to that customer (``link_channel``, method ``shop_token``) before the message goes
to Rasa, so the actions find the customer in the database and never ask them to verify. A bad,
expired or unknown token is ignored: the customer verifies as anyone would. Nothing else a
client sends is ever taken as who they are.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from delivery.db.session import unit_of_work
from delivery.services.customer_tokens import verify_shop_token
from delivery.services.identity import link_channel
from delivery.vocabulary import Channel, VerificationMethod

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShopCustomer:
    """Who the token proved the customer to be, as far as the channel needs to know."""

    customer_id: int
    first_name: str
    language: str


def link_shop_customer(
    session: Session,
    *,
    token: str,
    secret: str,
    channel: Channel,
    conversation_id: str,
    now: dt.datetime,
) -> ShopCustomer | None:
    """Link ``conversation_id`` to the customer ``token`` was signed for; None if it is invalid."""
    customer = verify_shop_token(session, token=token, secret=secret, now=now)
    if customer is None:
        return None
    link_channel(
        session,
        channel=channel,
        external_id=conversation_id,
        customer_id=customer.id,
        method=VerificationMethod.SHOP_TOKEN,
        actor=f"gateway:{channel.value}:{conversation_id}",
        now=now,
    )
    return ShopCustomer(
        customer_id=customer.id, first_name=customer.first_name, language=customer.language
    )


async def link_from_token(
    sessions: sessionmaker[Session],
    *,
    token: object,
    secret: str | None,
    channel: Channel,
    conversation_id: str,
    now: dt.datetime,
) -> ShopCustomer | None:
    """:func:`link_shop_customer` in its own unit of work, off the event loop.

    Without a secret, or with anything but a non-empty string as the token, nothing is checked;
    a database failure is logged and treated as no token (the customer can still verify).
    """
    if not secret or not isinstance(token, str) or not token:
        return None

    def link() -> ShopCustomer | None:
        with unit_of_work(sessions, writes=True) as session:
            return link_shop_customer(
                session,
                token=token,
                secret=secret,
                channel=channel,
                conversation_id=conversation_id,
                now=now,
            )

    try:
        return await asyncio.to_thread(link)
    except SQLAlchemyError:
        logger.exception("linking %s by the shop's token failed", conversation_id)
        return None
