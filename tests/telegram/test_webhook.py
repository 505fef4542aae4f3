"""Webhook mode: the bot registers the gateway's URL and secret token with Telegram, which POSTs
the updates there; a request without the right secret is refused."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request

from bot.telegram import TelegramChannel, TelegramConfigError, start_telegram, webhook_route
from tests.support.telegram_standin import TelegramStandin, TelegramUser
from tests.telegram.harness import FakeRelay, channel_settings, polling_channel, webhook_channel

SECRET = "a-webhook-secret_0123456789"


async def test_updates_arrive_by_webhook_with_the_secret_token(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    async with webhook_channel(standin, relay, sessions, secret=SECRET) as gateway:
        [registered] = standin.calls_to("setWebhook")
        await standin.say(ada, "hi")  # the stand-in POSTs it to the webhook
        [received] = await relay.wait_for(1)
        [answer] = await standin.wait_for("sendMessage")

    assert registered.params["url"] == gateway.url
    assert registered.params["secret_token"] == SECRET
    assert registered.params["allowed_updates"] == ["message", "callback_query"]
    assert standin.webhook_responses == [200]
    assert received.sender == "tg-4242"
    assert answer.text == "you said: hi"


@pytest.mark.parametrize("secret", ["wrong-secret", None, SECRET.upper()])
async def test_a_wrong_or_missing_secret_is_refused(
    standin: TelegramStandin,
    relay: FakeRelay,
    sessions: sessionmaker[Session],
    ada: TelegramUser,
    secret: str | None,
) -> None:
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 1700000000,
            "chat": ada.chat_json(),
            "from": ada.as_json(),
            "text": '/inform{"pickup_point":"X"}',
        },
    }
    async with webhook_channel(standin, relay, sessions, secret=SECRET):
        status = await standin.post_to_webhook(update, secret_token=secret)
        await standin.say(ada, "hi")  # a genuine update after it is handled
        await relay.wait_for(1)

    assert status == 403
    assert [i.text for i in relay.received] == ["hi"]


async def test_a_malformed_body_is_a_bad_request(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session]
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with (
        webhook_channel(standin, relay, sessions, secret=SECRET) as gateway,
        httpx.AsyncClient() as client,
    ):
        response = await client.post(gateway.url, content=b"{not json", headers=headers)

    assert response.status_code == 400


@pytest.mark.parametrize("secret", [None, "", "has spaces", "x" * 257])
async def test_webhook_mode_needs_a_valid_secret(
    standin: TelegramStandin,
    relay: FakeRelay,
    sessions: sessionmaker[Session],
    secret: str | None,
) -> None:
    overrides = {"TELEGRAM_WEBHOOK_URL": "https://shop.example/telegram/webhook"}
    if secret is not None:
        overrides["TELEGRAM_WEBHOOK_SECRET"] = secret
    with pytest.raises(TelegramConfigError):
        await start_telegram(channel_settings(standin, **overrides), relay, sessions)
    assert standin.calls == []  # refused before talking to Telegram


async def test_the_route_is_not_there_while_telegram_is_off_or_polling(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session]
) -> None:
    async with polling_channel(standin, relay, sessions) as polling:
        for running in (None, polling):

            def channel_of(request: Request, running: TelegramChannel | None = running) -> Any:
                return running

            app = Starlette(routes=[webhook_route(channel_of)])
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                response = await client.post("/telegram/webhook", json={}, headers=headers)
            assert response.status_code == 404


async def test_polling_removes_a_webhook_left_from_before(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    async with webhook_channel(standin, relay, sessions, secret=SECRET):
        pass  # stopped: the webhook stays registered with Telegram
    assert standin.webhook_url
    async with polling_channel(standin, relay, sessions):
        await standin.say(ada, "hi")
        await relay.wait_for(1)

    assert standin.calls_to("deleteWebhook")
    assert standin.webhook_url == ""


async def test_a_token_telegram_does_not_know_fails_the_start(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session]
) -> None:
    settings = channel_settings(standin, TELEGRAM_BOT_TOKEN="123:not-the-bots-token")
    with pytest.raises(TelegramConfigError) as refused:
        await start_telegram(settings, relay, sessions)
    assert "not-the-bots-token" not in str(refused.value)  # it ends up in the gateway's log
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    assert relay.registered == {}
