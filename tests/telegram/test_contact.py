"""A shared contact: the sender's own number links the chat to the customer it belongs to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.telegram.texts import TelegramText, telegram_text
from delivery.db.models import ChannelIdentity, VerificationAttempt
from delivery.db.session import unit_of_work
from delivery.vocabulary import Channel, VerificationMethod
from tests import factories
from tests.support.telegram_standin import TelegramStandin, TelegramUser
from tests.telegram.harness import FakeRelay, polling_channel


def customer_with_phone(sessions: sessionmaker[Session], phone: str) -> int:
    with unit_of_work(sessions) as session:
        return factories.customer(session, phone=phone).id


def links(sessions: sessionmaker[Session]) -> list[tuple[Channel, str, int | None, str | None]]:
    with sessions() as session:
        rows = session.scalars(select(ChannelIdentity)).all()
        return [(r.channel, r.external_id, r.customer_id, r.verified_via) for r in rows]


def phone_attempts(sessions: sessionmaker[Session]) -> list[tuple[str, bool]]:
    with sessions() as session:
        rows = session.scalars(select(VerificationAttempt)).all()
        return [(r.conversation_key, r.succeeded) for r in rows]


async def test_my_own_number_links_the_chat_to_my_account(
    standin: TelegramStandin,
    relay: FakeRelay,
    committed_sessions: sessionmaker[Session],
    ada: TelegramUser,
) -> None:
    customer_id = customer_with_phone(committed_sessions, "+39 333 123 4567")
    async with polling_channel(standin, relay, committed_sessions):
        await standin.share_contact(ada, "393331234567")  # Telegram sends digits only
        [answer] = await standin.wait_for("sendMessage")

    assert links(committed_sessions) == [
        (Channel.TELEGRAM, "tg-4242", customer_id, VerificationMethod.PHONE)
    ]
    assert phone_attempts(committed_sessions) == [("telegram:tg-4242", True)]
    assert answer.text == telegram_text(TelegramText.PHONE_LINKED, "it")
    assert relay.received == []  # nothing for Rasa: the actions will find the link


async def test_a_number_no_customer_has_links_nothing(
    standin: TelegramStandin,
    relay: FakeRelay,
    committed_sessions: sessionmaker[Session],
    ada: TelegramUser,
) -> None:
    customer_with_phone(committed_sessions, "+39 333 123 4567")
    async with polling_channel(standin, relay, committed_sessions):
        await standin.share_contact(ada, "+39 333 765 4321")
        [answer] = await standin.wait_for("sendMessage")

    assert links(committed_sessions) == []
    assert phone_attempts(committed_sessions) == [("telegram:tg-4242", False)]
    assert answer.text == telegram_text(TelegramText.PHONE_UNKNOWN, "it")


async def test_someone_elses_contact_is_refused(
    standin: TelegramStandin,
    relay: FakeRelay,
    committed_sessions: sessionmaker[Session],
    ada: TelegramUser,
) -> None:
    customer_with_phone(committed_sessions, "+39 333 123 4567")
    bob = TelegramUser(id=777, first_name="Bob")
    async with polling_channel(standin, relay, committed_sessions):
        await standin.share_contact(ada, "+39 333 123 4567", owner=bob)
        [answer] = await standin.wait_for("sendMessage")

    assert links(committed_sessions) == []
    assert phone_attempts(committed_sessions) == []  # not even tried
    assert answer.text == telegram_text(TelegramText.PHONE_NOT_OWN, "it")
