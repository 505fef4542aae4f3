"""The Rasa client against a stand-in Rasa on loopback: answers and each way of failing."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.rasa_client import RasaClient, RasaRefused, RasaUnavailable
from tests.bot.rasa_standin import TOKEN, rasa_standin
from tests.bot.servers import LOOPBACK, free_port


async def send(client: RasaClient, text: str = "hi") -> list[dict[str, Any]]:
    return await client.send("web-client01", text, input_channel="socketio", metadata={"a": 1})


async def test_a_message_is_posted_to_the_rest_channel() -> None:
    async with rasa_standin() as rasa:
        client = RasaClient(rasa.url + "/", timeout=5)
        replies = await send(client, "hello")
        await client.aclose()
    assert replies == [{"recipient_id": "web-client01", "text": "you said: hello"}]
    assert rasa.received == [
        {"sender": "web-client01", "message": "hello", "input_channel": "socketio",
         "metadata": {"a": 1}},
    ]  # fmt: skip


@pytest.mark.parametrize("mode", ["fail", "garbage"])
async def test_server_errors_and_foreign_answers_are_unavailable(mode: Any) -> None:
    async with rasa_standin(mode=mode) as rasa:
        client = RasaClient(rasa.url, timeout=5)
        with pytest.raises(RasaUnavailable):
            await send(client)
        await client.aclose()


async def test_a_client_error_is_refused() -> None:
    async with rasa_standin(mode="refuse") as rasa:
        client = RasaClient(rasa.url, timeout=5)
        with pytest.raises(RasaRefused):
            await send(client)
        await client.aclose()


async def test_no_answer_in_time_is_unavailable() -> None:
    async with rasa_standin(mode="hang") as rasa:
        client = RasaClient(rasa.url, timeout=0.3)
        started = time.monotonic()
        with pytest.raises(RasaUnavailable, match="in time"):
            await send(client)
        assert time.monotonic() - started < 2
        await client.aclose()


async def test_nobody_listening_is_unavailable() -> None:
    client = RasaClient(f"http://{LOOPBACK}:{free_port()}", timeout=5)
    with pytest.raises(RasaUnavailable, match="not reachable"):
        await send(client)
    assert await client.status() is False
    await client.aclose()


async def test_status_uses_the_token_when_there_is_one() -> None:
    async with rasa_standin() as rasa:
        with_token = RasaClient(rasa.url, timeout=5, token=TOKEN)
        wrong_token = RasaClient(rasa.url, timeout=5, token="nope")
        without = RasaClient(rasa.url, timeout=5)
        assert await with_token.status() is True
        assert await wrong_token.status() is False
        assert await without.status() is True
        rasa.rasa_up = False
        assert await with_token.status() is False
        assert await without.status() is False
        for client in (with_token, wrong_token, without):
            await client.aclose()


async def test_the_action_server_s_health() -> None:
    async with rasa_standin() as actions:
        client = RasaClient(actions.url, timeout=5, action_server_url=actions.url)
        assert await client.action_server_status() is True
        actions.actions_up = False
        assert await client.action_server_status() is False
        await client.aclose()
    unconfigured = RasaClient(f"http://{LOOPBACK}:9", timeout=5)
    assert await unconfigured.action_server_status() is True
    await unconfigured.aclose()


async def test_a_hanging_probe_gives_up_quickly() -> None:
    async with rasa_standin(probes_hang=True) as rasa:
        client = RasaClient(rasa.url, timeout=30, action_server_url=rasa.url)
        started = time.monotonic()
        assert await client.status() is False
        assert await client.action_server_status() is False
        assert time.monotonic() - started < 6
        await client.aclose()


async def test_the_http_api_appends_events_and_triggers_intents_with_the_token() -> None:
    async with rasa_standin() as rasa:
        client = RasaClient(rasa.url, timeout=5, token=TOKEN)
        await client.append_events("tg-1 2", [{"event": "resume"}])
        replies = await client.trigger_intent("tg-1 2", "EXTERNAL_handoff", {"handoff_reason": "x"})
        await client.aclose()
    assert rasa.appended == {"tg-1 2": [{"event": "resume"}]}
    assert rasa.triggered == [("tg-1 2", "EXTERNAL_handoff", {"handoff_reason": "x"})]
    assert replies == [{"recipient_id": "tg-1 2", "text": "triggered EXTERNAL_handoff"}]


async def test_a_wrong_api_token_is_worth_retrying_once_it_is_fixed() -> None:
    async with rasa_standin() as rasa:
        client = RasaClient(rasa.url, timeout=5, token="wrong")
        with pytest.raises(RasaUnavailable, match="token"):
            await client.append_events("web-client01", [{"event": "pause"}])
        await client.aclose()
