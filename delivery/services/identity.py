"""Proving who a conversation belongs to before any order data is shown.

Three proofs are accepted: an order number with the order's e-mail or delivery postcode
(:func:`verify_order_ownership`, rate limited by :class:`LockoutPolicy`), a phone contact shared
on Telegram (:func:`verify_phone`), and the shop's signed token for a logged-in customer
(:func:`verify_shop_token`, in :mod:`delivery.services.customer_tokens`). A chat that proved
itself is remembered with :func:`link_channel`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from delivery.db.models import ChannelIdentity, Customer, Order, VerificationAttempt
from delivery.normalize import (
    email_key,
    is_plausible_email,
    order_number_key,
    phone_key,
    postcode_key,
)
from delivery.services import audit
from delivery.services.customer_tokens import issue_shop_token, verify_shop_token
from delivery.settings import Settings
from delivery.vocabulary import Channel, VerificationMethod

__all__ = [
    "MIN_PHONE_KEY_DIGITS",
    "LockoutPolicy",
    "VerificationFailure",
    "VerificationOutcome",
    "issue_shop_token",
    "link_channel",
    "linked_customer",
    "verify_order_ownership",
    "verify_phone",
    "verify_shop_token",
]

#: Shorter phone keys are local numbers or fragments, which could match the wrong customer.
MIN_PHONE_KEY_DIGITS = 8

#: Longest postcode key worth looking up (the column holds 16 characters).
_MAX_POSTCODE_KEY = 16


@dataclass(frozen=True)
class LockoutPolicy:
    """After ``max_failures`` failed tries within ``window``, an order (and a conversation) is
    locked until the oldest of those failures is older than ``window``."""

    max_failures: int = 5
    window: dt.timedelta = dt.timedelta(hours=1)

    @classmethod
    def from_settings(cls, settings: Settings) -> LockoutPolicy:
        return cls(
            max_failures=settings.verification_max_failures,
            window=dt.timedelta(minutes=settings.verification_window_minutes),
        )


class VerificationFailure(StrEnum):
    NO_MATCH = "no_match"  # unknown order number or details that do not match: never said which
    LOCKED_OUT = "locked_out"
    INVALID_INPUT = "invalid_input"  # nothing checked and nothing counted


@dataclass(frozen=True)
class VerificationOutcome:
    verified: bool
    customer_id: int | None = None
    order_id: int | None = None
    method: VerificationMethod | None = None
    failure: VerificationFailure | None = None
    # Tries left before the lockout (None once verified).
    attempts_left: int | None = None
    # When the lockout lifts (set whenever the order or the conversation is locked).
    locked_until: dt.datetime | None = None


def verify_order_ownership(
    session: Session,
    *,
    order_number: str,
    secret: str,
    conversation_key: str,
    policy: LockoutPolicy,
    now: dt.datetime,
) -> VerificationOutcome:
    """Check that ``secret`` (the order's e-mail or one of its delivery postcodes) fits the order.

    Every checked attempt is recorded. Failures count against the order number and against the
    conversation; once either reaches the policy's limit, even correct details are refused until
    the lockout lifts, and a try while locked out counts as one more failure. Whether the order
    number exists is never revealed.
    """
    order_key = order_number_key(order_number)
    method = VerificationMethod.ORDER_EMAIL if "@" in secret else VerificationMethod.ORDER_POSTCODE
    secret_key = (
        email_key(secret) if method is VerificationMethod.ORDER_EMAIL else postcode_key(secret)
    )
    if not order_key or not _plausible(method, secret):
        lock = _lockout(session, order_key or None, conversation_key, policy, now)
        return _failed(VerificationFailure.INVALID_INPUT, method, lock, policy)

    if _lockout(session, order_key, conversation_key, policy, now).locked:
        _record(session, order_key, conversation_key, method, succeeded=False, now=now)
        lock = _lockout(session, order_key, conversation_key, policy, now)
        return _failed(VerificationFailure.LOCKED_OUT, method, lock, policy)

    order = _matching_order(session, order_key, method, secret_key)
    _record(session, order_key, conversation_key, method, succeeded=order is not None, now=now)
    if order is None:
        lock = _lockout(session, order_key, conversation_key, policy, now)
        return _failed(VerificationFailure.NO_MATCH, method, lock, policy)
    return VerificationOutcome(
        verified=True, customer_id=order.customer_id, order_id=order.id, method=method
    )


def verify_phone(
    session: Session, *, phone: str, conversation_key: str, now: dt.datetime
) -> Customer | None:
    """The customer whose phone number is ``phone``, or None (also when several share it).

    Only for a number the channel vouches for: the gateway must accept a Telegram contact only
    when it is the sender's own (``contact.user_id == from_user.id``).
    """
    key = phone_key(phone)
    customer = None
    if len(key) >= MIN_PHONE_KEY_DIGITS:
        matches = session.scalars(select(Customer).where(Customer.phone_key == key).limit(2)).all()
        if len(matches) == 1:
            customer = matches[0]
    _record(
        session,
        None,
        conversation_key,
        VerificationMethod.PHONE,
        succeeded=customer is not None,
        now=now,
    )
    return customer


def link_channel(
    session: Session,
    *,
    channel: Channel,
    external_id: str,
    customer_id: int,
    method: VerificationMethod,
    actor: str,
    now: dt.datetime,
) -> ChannelIdentity:
    """Remember that the chat ``external_id`` on ``channel`` proved to be ``customer_id``.

    Linking a chat to the customer it is already linked to changes nothing. Linking it to a new
    customer (someone else logged in on the same device) replaces the link; both are audited.
    """
    identity = _channel_identity(session, channel, external_id)
    if identity is None:
        identity = _insert_identity(session, channel, external_id, now)
    if identity.customer_id == customer_id:
        return identity
    previous = identity.customer_id
    identity.customer_id = customer_id
    identity.verified_via = method
    identity.verified_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="channel_linked" if previous is None else "channel_relinked",
        entity_type="channel_identity",
        entity_id=identity.id,
        details={
            "channel": channel.value,
            "external_id": external_id,
            "customer_id": customer_id,
            "previous_customer_id": previous,
            "method": method.value,
        },
        now=now,
    )
    return identity


def linked_customer(session: Session, channel: Channel, external_id: str) -> Customer | None:
    """The customer a chat has proved to be, if any."""
    return session.scalars(
        select(Customer)
        .join(ChannelIdentity, ChannelIdentity.customer_id == Customer.id)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
    ).one_or_none()


# --- ownership details ------------------------------------------------------------------------


def _plausible(method: VerificationMethod, secret: str) -> bool:
    if method is VerificationMethod.ORDER_EMAIL:
        return is_plausible_email(secret)
    return 0 < len(postcode_key(secret)) <= _MAX_POSTCODE_KEY


def _matching_order(
    session: Session, order_key: str, method: VerificationMethod, secret_key: str
) -> Order | None:
    order = session.scalars(
        select(Order)
        .where(Order.number_key == order_key)
        .options(joinedload(Order.customer, innerjoin=True), selectinload(Order.shipments))
    ).one_or_none()
    if order is None:
        return None
    if method is VerificationMethod.ORDER_EMAIL:
        matched = order.customer.email_key == secret_key
    else:
        matched = any(shipment.postcode_key == secret_key for shipment in order.shipments)
    return order if matched else None


# --- lockout ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lockout:
    failures: int  # the larger of the order's and the conversation's counts
    locked_until: dt.datetime | None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


def _lockout(
    session: Session,
    order_key: str | None,
    conversation_key: str,
    policy: LockoutPolicy,
    now: dt.datetime,
) -> _Lockout:
    scopes = [VerificationAttempt.conversation_key == conversation_key]
    if order_key is not None:
        scopes.append(VerificationAttempt.order_key == order_key)
    failures = 0
    unlock_times: list[dt.datetime] = []
    for scope in scopes:
        count, unlock = _scope_lockout(session, scope, policy, now)
        failures = max(failures, count)
        if unlock is not None:
            unlock_times.append(unlock)
    return _Lockout(failures, max(unlock_times, default=None))


def _scope_lockout(
    session: Session, scope: ColumnElement[bool], policy: LockoutPolicy, now: dt.datetime
) -> tuple[int, dt.datetime | None]:
    """Failures of one scope within the window, and when its lockout lifts (None: not locked)."""
    recent_failures = (
        scope,
        VerificationAttempt.succeeded.is_(False),
        VerificationAttempt.created_at > now - policy.window,
    )
    count = session.scalar(select(func.count()).where(*recent_failures)) or 0
    if count < policy.max_failures:
        return count, None
    # The lockout lifts when all but max_failures - 1 of these failures have left the window:
    # that is when the (count - max_failures + 1)-th oldest does (the oldest, unless tries made
    # while locked out added more).
    pivot = session.scalar(
        select(VerificationAttempt.created_at)
        .where(*recent_failures)
        .order_by(VerificationAttempt.created_at, VerificationAttempt.id)
        .offset(count - policy.max_failures)
        .limit(1)
    )
    assert pivot is not None  # counted in the same transaction just above
    return count, pivot + policy.window


def _failed(
    failure: VerificationFailure,
    method: VerificationMethod,
    lock: _Lockout,
    policy: LockoutPolicy,
) -> VerificationOutcome:
    return VerificationOutcome(
        verified=False,
        method=method,
        failure=failure,
        attempts_left=max(policy.max_failures - lock.failures, 0),
        locked_until=lock.locked_until,
    )


def _record(
    session: Session,
    order_key: str | None,
    conversation_key: str,
    method: VerificationMethod,
    *,
    succeeded: bool,
    now: dt.datetime,
) -> None:
    session.add(
        VerificationAttempt(
            order_key=order_key,
            conversation_key=conversation_key,
            method=method,
            succeeded=succeeded,
            created_at=now,
        )
    )
    session.flush()


# --- channel identities -----------------------------------------------------------------------


def _channel_identity(
    session: Session, channel: Channel, external_id: str
) -> ChannelIdentity | None:
    return session.scalars(
        select(ChannelIdentity).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
        )
    ).one_or_none()


def _insert_identity(
    session: Session, channel: Channel, external_id: str, now: dt.datetime
) -> ChannelIdentity:
    """A new, not yet linked row; if another process inserted it first, that row."""
    identity = ChannelIdentity(channel=channel, external_id=external_id, created_at=now)
    try:
        with session.begin_nested():
            session.add(identity)
    except IntegrityError:
        existing = _channel_identity(session, channel, external_id)
        if existing is None:
            raise
        return existing
    return identity
