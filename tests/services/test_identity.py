"""Proving ownership: order + e-mail/postcode with a lockout, phone contacts, shop tokens, links."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jwt
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.db.models import ChannelIdentity, Order, VerificationAttempt
from delivery.services import audit
from delivery.services.identity import (
    LockoutPolicy,
    VerificationFailure,
    VerificationOutcome,
    issue_shop_token,
    link_channel,
    linked_customer,
    verify_order_ownership,
    verify_phone,
    verify_shop_token,
)
from delivery.settings import Settings
from delivery.vocabulary import Channel, OrderStatus, VerificationMethod
from tests import factories
from tests.factories import NOW

POLICY = LockoutPolicy()
SECRET = "a-shared-secret-long-enough-for-every-hmac-algorithm-pyjwt-checks"
MINUTE = dt.timedelta(minutes=1)


def _order(session: Session, **overrides: Any) -> Order:
    buyer = factories.customer(session, email="Ada.Lovelace@Example.com")
    order = factories.order(session, customer_=buyer, number="#100 234", **overrides)
    factories.shipment(session, order, postcode="SW1A 2AA")
    return order


def _verify(
    session: Session,
    number: str,
    secret: str,
    *,
    conversation: str = "web:1",
    now: dt.datetime = NOW,
    policy: LockoutPolicy = POLICY,
) -> VerificationOutcome:
    return verify_order_ownership(
        session,
        order_number=number,
        secret=secret,
        conversation_key=conversation,
        policy=policy,
        now=now,
    )


def _attempts(session: Session) -> list[VerificationAttempt]:
    return list(session.scalars(select(VerificationAttempt).order_by(VerificationAttempt.id)))


# --- order + e-mail / postcode ----------------------------------------------------------------


@pytest.mark.parametrize("number", ["#100 234", "100234", " # 100-234 "])
@pytest.mark.parametrize("email", ["ada.lovelace@example.com", "  ADA.LOVELACE@EXAMPLE.COM "])
def test_order_and_email_verify_however_typed(session: Session, number: str, email: str) -> None:
    order = _order(session)
    outcome = _verify(session, number, email, conversation="c")
    assert outcome.verified
    assert outcome.customer_id == order.customer_id
    assert outcome.order_id == order.id
    assert outcome.method is VerificationMethod.ORDER_EMAIL
    assert outcome.failure is None
    assert outcome.locked_until is None


@pytest.mark.parametrize(
    ("stored", "typed"),
    [("SW1A 2AA", "sw1a2aa"), ("SW1A 2AA", " Sw1a  2AA"), ("00-950", "00950"), ("00950", "00-950")],
)
def test_postcode_verifies_in_any_format(session: Session, stored: str, typed: str) -> None:
    order = factories.order(session)
    factories.shipment(session, order, postcode=stored)
    outcome = _verify(session, order.number, typed, conversation="c")
    assert outcome.verified
    assert outcome.method is VerificationMethod.ORDER_POSTCODE
    assert outcome.order_id == order.id


def test_postcode_of_any_shipment_verifies(session: Session) -> None:
    order = factories.order(session, lines=2)
    first, second = order.lines
    factories.shipment(session, order, line_ids=[first.id], postcode="SW1A 2AA")
    factories.shipment(session, order, line_ids=[second.id], postcode="EC1A 1BB")
    outcome = _verify(session, order.number, "ec1a1bb", conversation="c")
    assert outcome.verified


def test_wrong_email_and_unknown_order_look_the_same(session: Session) -> None:
    _order(session)
    wrong_email = _verify(session, "100234", "eve@example.com", conversation="a")
    unknown_order = _verify(session, "999999", "ada.lovelace@example.com", conversation="b")
    for outcome in (wrong_email, unknown_order):
        assert not outcome.verified
        assert outcome.failure is VerificationFailure.NO_MATCH
        assert outcome.customer_id is None and outcome.order_id is None
        assert outcome.attempts_left == POLICY.max_failures - 1
    assert wrong_email == unknown_order  # nothing tells the two apart
    assert [(a.order_key, a.conversation_key, a.succeeded) for a in _attempts(session)] == [
        ("100234", "a", False),
        ("999999", "b", False),
    ]


def test_another_customers_email_does_not_verify(session: Session) -> None:
    _order(session)
    other = factories.customer(session)
    outcome = _verify(session, "100234", other.email, conversation="c")
    assert outcome.failure is VerificationFailure.NO_MATCH


def test_wrong_postcode_does_not_verify(session: Session) -> None:
    _order(session)
    outcome = _verify(session, "100234", "SW1A 2AB", conversation="c")
    assert outcome.failure is VerificationFailure.NO_MATCH
    assert outcome.method is VerificationMethod.ORDER_POSTCODE


@pytest.mark.parametrize(
    ("number", "secret"),
    [
        ("", "ada.lovelace@example.com"),
        (" #- ", "ada.lovelace@example.com"),
        ("100234", "ada@"),
        ("100234", "@example.com"),
        ("100234", "ada lovelace@example.com"),
        ("100234", ""),
        ("100234", "  - "),
        ("100234", "X" * 17),
    ],
)
def test_malformed_input_is_invalid_and_not_counted(
    session: Session, number: str, secret: str
) -> None:
    _order(session)
    outcome = _verify(session, number, secret, conversation="c")
    assert outcome.failure is VerificationFailure.INVALID_INPUT
    assert outcome.attempts_left == POLICY.max_failures
    assert _attempts(session) == []


def test_cancelled_order_can_still_be_verified(session: Session) -> None:
    _order(session, status=OrderStatus.CANCELLED)
    outcome = _verify(session, "100234", "sw1a 2aa", conversation="c")
    assert outcome.verified


def test_every_checked_attempt_is_recorded(session: Session) -> None:
    _order(session)
    _verify(session, "100234", "eve@example.com")
    _verify(session, "100234", "ada.lovelace@example.com")
    attempts = _attempts(session)
    assert [(a.method, a.succeeded) for a in attempts] == [
        (VerificationMethod.ORDER_EMAIL, False),
        (VerificationMethod.ORDER_EMAIL, True),
    ]
    assert all(a.order_key == "100234" and a.conversation_key == "web:1" for a in attempts)
    assert all(a.created_at == NOW for a in attempts)


# --- lockout ----------------------------------------------------------------------------------


def _fail(
    session: Session,
    times: int,
    *,
    start: dt.datetime,
    conversation: str | None = None,
    same_order: bool = True,
) -> None:
    """``times`` failures a minute apart, from new conversations unless one is given, on order
    100234 or on a different unknown order each time."""
    for i in range(times):
        outcome = _verify(
            session,
            "100234" if same_order else f"9{i:05d}",
            "eve@example.com",
            conversation=conversation or f"conversation-{i}",
            now=start + i * MINUTE,
        )
        assert outcome.failure is VerificationFailure.NO_MATCH


def test_fifth_failure_locks_the_order_for_every_conversation(session: Session) -> None:
    _order(session)
    start = NOW - 10 * MINUTE
    _fail(session, 4, start=start)
    fifth = _verify(session, "100234", "eve@example.com", conversation="c5", now=NOW)
    assert fifth.failure is VerificationFailure.NO_MATCH
    assert fifth.attempts_left == 0
    assert fifth.locked_until == start + POLICY.window

    # Right details, new conversation: still refused while the order is locked.
    locked = _verify(
        session, "#100234", "ada.lovelace@example.com", conversation="fresh", now=NOW + MINUTE
    )
    assert not locked.verified
    assert locked.failure is VerificationFailure.LOCKED_OUT
    assert locked.attempts_left == 0
    assert locked.order_id is None and locked.customer_id is None
    # That try counted as well: six failures, so the second oldest decides.
    assert locked.locked_until == start + MINUTE + POLICY.window


def test_failures_per_conversation_lock_it_for_every_order(session: Session) -> None:
    _order(session)
    start = NOW - 10 * MINUTE
    _fail(session, 5, start=start, conversation="guesser", same_order=False)
    outcome = _verify(session, "100234", "ada.lovelace@example.com", conversation="guesser")
    assert outcome.failure is VerificationFailure.LOCKED_OUT
    # Another conversation is not affected: the order itself had no failures.
    other = _verify(session, "100234", "ada.lovelace@example.com", conversation="owner")
    assert other.verified


def test_lockout_lifts_when_the_window_has_passed(session: Session) -> None:
    _order(session)
    start = NOW - POLICY.window
    _fail(session, 5, start=start)  # the oldest at exactly NOW - window
    # The oldest failure leaves the window at NOW, leaving four: no longer locked.
    outcome = _verify(session, "100234", "ada.lovelace@example.com", conversation="x")
    assert outcome.verified


def test_still_locked_one_second_before_the_window_ends(session: Session) -> None:
    _order(session)
    start = NOW - POLICY.window
    _fail(session, 5, start=start)
    outcome = _verify(
        session,
        "100234",
        "ada.lovelace@example.com",
        conversation="x",
        now=NOW - dt.timedelta(seconds=1),
    )
    assert outcome.failure is VerificationFailure.LOCKED_OUT
    # This try counted too, so the lock now lifts when the second oldest failure leaves.
    assert outcome.locked_until == NOW + MINUTE


def test_tries_while_locked_count_and_extend_the_lock(session: Session) -> None:
    _order(session)
    start = NOW - 30 * MINUTE
    _fail(session, 5, start=start)
    locked = _verify(session, "100234", "ada.lovelace@example.com", conversation="x", now=NOW)
    assert locked.failure is VerificationFailure.LOCKED_OUT
    # Six failures in the window now: the lock lifts when the second oldest leaves it.
    assert locked.locked_until == start + MINUTE + POLICY.window
    assert _attempts(session)[-1].succeeded is False
    # After the first lock would have ended, the extra failure still holds it.
    later = _verify(
        session, "100234", "ada.lovelace@example.com", conversation="y", now=start + POLICY.window
    )
    assert later.failure is VerificationFailure.LOCKED_OUT


def test_failures_older_than_the_window_do_not_count(session: Session) -> None:
    _order(session)
    _fail(session, 4, start=NOW - 3 * POLICY.window)
    outcome = _verify(session, "100234", "eve@example.com", conversation="x", now=NOW)
    assert outcome.attempts_left == POLICY.max_failures - 1


def test_successes_do_not_count_as_failures(session: Session) -> None:
    _order(session)
    for i in range(POLICY.max_failures + 1):
        outcome = _verify(session, "100234", "sw1a2aa", now=NOW + i * MINUTE)
        assert outcome.verified


def test_invalid_input_reports_an_existing_lock(session: Session) -> None:
    _order(session)
    _fail(session, 5, start=NOW - 10 * MINUTE, conversation="guesser", same_order=False)
    outcome = _verify(session, "", "x@example.com", conversation="guesser")
    assert outcome.failure is VerificationFailure.INVALID_INPUT
    assert outcome.attempts_left == 0
    assert outcome.locked_until == NOW - 10 * MINUTE + POLICY.window


def test_policy_is_built_from_settings(session: Session) -> None:
    settings = Settings(VERIFICATION_MAX_FAILURES=2, VERIFICATION_WINDOW_MINUTES=10)
    policy = LockoutPolicy.from_settings(settings)
    assert policy == LockoutPolicy(max_failures=2, window=dt.timedelta(minutes=10))
    _order(session)
    for i in range(2):
        _verify(session, "100234", "eve@example.com", conversation=f"c{i}", policy=policy)
    outcome = _verify(session, "100234", "sw1a2aa", conversation="c", policy=policy)
    assert outcome.failure is VerificationFailure.LOCKED_OUT
    assert outcome.locked_until == NOW + policy.window
    assert LockoutPolicy() == LockoutPolicy.from_settings(Settings())


# --- phone ------------------------------------------------------------------------------------


@pytest.mark.parametrize("shared", ["+39 333 123 4567", "0039 333 1234567", "393331234567"])
def test_phone_matches_by_key(session: Session, shared: str) -> None:
    customer = factories.customer(session, phone="+39 333-123 4567")
    assert verify_phone(session, phone=shared, conversation_key="tg:1", now=NOW) is customer
    attempt = _attempts(session)[-1]
    assert (attempt.method, attempt.succeeded, attempt.order_key) == (
        VerificationMethod.PHONE,
        True,
        None,
    )


def test_phone_of_nobody_does_not_match_and_is_recorded(session: Session) -> None:
    factories.customer(session, phone="+39 333 123 4567")
    assert verify_phone(session, phone="+39 333 123 4568", conversation_key="tg:1", now=NOW) is None
    assert [(a.method, a.succeeded) for a in _attempts(session)] == [
        (VerificationMethod.PHONE, False)
    ]


def test_short_phone_keys_never_match(session: Session) -> None:
    factories.customer(session, phone="1234567")
    assert verify_phone(session, phone="1234567", conversation_key="tg:1", now=NOW) is None


def test_phone_shared_by_two_customers_matches_neither(session: Session) -> None:
    factories.customer(session, phone="+44 7700 900123")
    factories.customer(session, phone="0044 7700 900123")
    assert verify_phone(session, phone="+447700900123", conversation_key="tg:1", now=NOW) is None


# --- shop tokens ------------------------------------------------------------------------------


def test_valid_shop_token_gives_the_customer(session: Session) -> None:
    customer = factories.customer(session, external_id="shop-42")
    token = issue_shop_token("shop-42", SECRET, now=NOW, ttl=dt.timedelta(minutes=15))
    assert verify_shop_token(session, token=token, secret=SECRET, now=NOW) is customer


def test_token_expiry_has_a_small_leeway(session: Session) -> None:
    customer = factories.customer(session, external_id="shop-42")
    token = issue_shop_token("shop-42", SECRET, now=NOW, ttl=dt.timedelta(minutes=15))
    expiry = NOW + dt.timedelta(minutes=15)
    just_after = expiry + dt.timedelta(seconds=29)
    too_late = expiry + dt.timedelta(seconds=31)
    assert verify_shop_token(session, token=token, secret=SECRET, now=just_after) is customer
    assert verify_shop_token(session, token=token, secret=SECRET, now=too_late) is None


def test_token_issued_in_the_future_is_refused(session: Session) -> None:
    factories.customer(session, external_id="shop-42")
    token = issue_shop_token("shop-42", SECRET, now=NOW + MINUTE, ttl=dt.timedelta(hours=1))
    assert verify_shop_token(session, token=token, secret=SECRET, now=NOW) is None


def _signed(claims: dict[str, object], secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


EXP = int((NOW + dt.timedelta(hours=1)).timestamp())


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(
            _signed({"sub": "shop-42", "exp": EXP}, secret="another-secret-of-32-bytes-or-more"),
            id="wrong-signature",
        ),
        pytest.param(
            _signed({"sub": "shop-42", "exp": EXP}, algorithm="HS512"), id="other-algorithm"
        ),
        pytest.param(_signed({"sub": "shop-42"}), id="missing-exp"),
        pytest.param(_signed({"sub": "shop-42", "exp": "tomorrow"}), id="exp-not-a-number"),
        pytest.param(_signed({"sub": "shop-42", "exp": True}), id="exp-boolean"),
        pytest.param(_signed({"exp": EXP}), id="missing-sub"),
        pytest.param(_signed({"sub": "", "exp": EXP}), id="empty-sub"),
        pytest.param(_signed({"sub": 42, "exp": EXP}), id="sub-not-a-string"),
        pytest.param(_signed({"sub": "shop-43", "exp": EXP}), id="unknown-sub"),
        pytest.param(_signed({"sub": "shop-42", "exp": EXP, "nbf": EXP - 60}), id="not-yet-valid"),
        pytest.param("not.a.token", id="garbage"),
        pytest.param("", id="empty"),
    ],
)
def test_invalid_tokens_give_nobody(session: Session, token: str) -> None:
    factories.customer(session, external_id="shop-42")
    assert verify_shop_token(session, token=token, secret=SECRET, now=NOW) is None


def test_token_with_only_the_required_claims_is_accepted(session: Session) -> None:
    customer = factories.customer(session, external_id="shop-42")
    token = _signed({"sub": "shop-42", "exp": EXP})
    assert verify_shop_token(session, token=token, secret=SECRET, now=NOW) is customer


def test_empty_secret_verifies_nothing(session: Session) -> None:
    factories.customer(session, external_id="shop-42")
    token = _signed({"sub": "shop-42", "exp": EXP})
    assert verify_shop_token(session, token=token, secret="", now=NOW) is None
    with pytest.raises(ValueError, match="empty secret"):
        issue_shop_token("shop-42", "", now=NOW, ttl=dt.timedelta(minutes=5))


# --- channel links ----------------------------------------------------------------------------


def _link(session: Session, customer_id: int, *, now: dt.datetime = NOW) -> ChannelIdentity:
    return link_channel(
        session,
        channel=Channel.TELEGRAM,
        external_id="chat-7",
        customer_id=customer_id,
        method=VerificationMethod.PHONE,
        actor="telegram:chat-7",
        now=now,
    )


def test_linking_a_chat_is_remembered_and_audited(session: Session) -> None:
    customer = factories.customer(session)
    identity = _link(session, customer.id)
    assert (identity.customer_id, identity.verified_via, identity.verified_at) == (
        customer.id,
        VerificationMethod.PHONE,
        NOW,
    )
    assert linked_customer(session, Channel.TELEGRAM, "chat-7") is customer
    [entry] = audit.history(session, "channel_identity", identity.id)
    assert entry.action == "channel_linked"
    assert entry.actor == "telegram:chat-7"
    assert entry.details["customer_id"] == customer.id


def test_linking_the_same_customer_twice_changes_nothing(session: Session) -> None:
    customer = factories.customer(session)
    first = _link(session, customer.id)
    again = link_channel(
        session,
        channel=Channel.TELEGRAM,
        external_id="chat-7",
        customer_id=customer.id,
        method=VerificationMethod.ORDER_EMAIL,
        actor="telegram:chat-7",
        now=NOW + dt.timedelta(days=1),
    )
    assert again.id == first.id
    assert (again.verified_via, again.verified_at) == (VerificationMethod.PHONE, NOW)
    assert len(audit.history(session, "channel_identity", first.id)) == 1
    assert session.scalars(select(ChannelIdentity)).all() == [first]


def test_relinking_to_another_customer_is_audited(session: Session) -> None:
    ada, bob = factories.customer(session), factories.customer(session)
    identity = _link(session, ada.id)
    relinked = _link(session, bob.id, now=NOW + MINUTE)
    assert relinked.id == identity.id
    assert linked_customer(session, Channel.TELEGRAM, "chat-7") is bob
    entries = audit.history(session, "channel_identity", identity.id)
    assert [e.action for e in entries] == ["channel_linked", "channel_relinked"]
    assert entries[-1].details["previous_customer_id"] == ada.id


def test_the_same_chat_id_on_another_channel_is_another_identity(session: Session) -> None:
    customer = factories.customer(session)
    _link(session, customer.id)
    assert linked_customer(session, Channel.WEB, "chat-7") is None
    assert linked_customer(session, Channel.TELEGRAM, "chat-8") is None


def test_an_unlinked_row_is_linked(session: Session) -> None:
    customer = factories.customer(session)
    row = ChannelIdentity(channel=Channel.WEB, external_id="w-1", created_at=NOW)
    session.add(row)
    session.flush()
    assert linked_customer(session, Channel.WEB, "w-1") is None
    identity = link_channel(
        session,
        channel=Channel.WEB,
        external_id="w-1",
        customer_id=customer.id,
        method=VerificationMethod.SHOP_TOKEN,
        actor="web:w-1",
        now=NOW,
    )
    assert identity.id == row.id
    assert [e.action for e in audit.history(session, "channel_identity", row.id)] == [
        "channel_linked"
    ]
