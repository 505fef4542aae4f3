"""The shop's signed token for a logged-in customer (an HS256 JWT with a shared secret).

The shop's website puts the token into the chat widget when a logged-in customer opens it; the
assistant then knows who the customer is without asking for an order number. Claims: ``sub`` is
the shop's own customer id (:attr:`Customer.external_id`), ``exp`` is required, ``iat`` and
``nbf`` are optional. Times are checked against the caller's ``now`` (not the wall clock) with
a small leeway for clocks that disagree.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.db.models import Customer

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
LEEWAY = dt.timedelta(seconds=30)


def issue_shop_token(
    external_id: str,
    secret: str,
    *,
    now: dt.datetime,
    ttl: dt.timedelta,
) -> str:
    """A token as the shop would sign it (for tests, the demo shop page and the docs)."""
    if not secret:
        raise ValueError("an empty secret signs nothing")
    issued = int(now.timestamp())
    claims = {"sub": external_id, "iat": issued, "exp": issued + int(ttl.total_seconds())}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_shop_token(
    session: Session, *, token: str, secret: str, now: dt.datetime
) -> Customer | None:
    """The customer the token was signed for, or None for anything invalid.

    Invalid means: a bad signature or another algorithm, a missing or non-numeric ``exp``,
    expired, not yet valid (``iat``/``nbf`` in the future), or a ``sub`` that is no customer.
    """
    if not secret or not token:
        return None
    claims = _verified_claims(token, secret)
    if claims is None or not _current(claims, now):
        return None
    subject = claims["sub"]
    if not subject:
        return None
    return session.scalars(select(Customer).where(Customer.external_id == subject)).one_or_none()


def _verified_claims(token: str, secret: str) -> dict[str, Any] | None:
    try:
        return jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            # PyJWT checks times against the wall clock; _current checks them against `now`.
            options={
                "require": ["exp", "sub"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.InvalidTokenError as exc:
        log.info("shop token refused: %s", exc)
        return None


def _current(claims: dict[str, Any], now: dt.datetime) -> bool:
    """True when ``now`` lies between the token's start (iat/nbf) and its ``exp``."""
    instant = now.timestamp()
    leeway = LEEWAY.total_seconds()
    expires = _number(claims.get("exp"))
    if expires is None or instant > expires + leeway:
        return False
    for claim in ("iat", "nbf"):
        if claim in claims:
            starts = _number(claims[claim])
            if starts is None or instant < starts - leeway:
                return False
    return True


def _number(value: object) -> float | None:
    # bool is an int subclass, but `"exp": true` is not a time.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
