"""A local stand-in of the Telegram Bot API, for driving the real python-telegram-bot.

A small Starlette app served on a free loopback port. python-telegram-bot reaches it through its
``base_url`` (``standin.base_url``), exactly as it would reach ``https://api.telegram.org/bot``:
the same form-encoded requests, the same ``{"ok": ..., "result": ...}`` answers, the same JSON
shapes for users, chats, messages and callback queries. It implements what the bot calls:

getMe, getUpdates (long polling with ``offset``/``timeout``; a 409 Conflict while a webhook is
set, as Telegram does), sendMessage, sendPhoto, editMessageText, editMessageReplyMarkup (with
Telegram's "message is not modified" error), answerCallbackQuery, sendChatAction, setWebhook,
deleteWebhook and getWebhookInfo.

Every call is recorded (``standin.calls``). A test plays the customer: ``standin.say(user,
"hi")``, ``press(...)``, ``share_location(...)``, ``share_contact(...)``; the update goes to the
bot through getUpdates, or, once the bot has called setWebhook, is POSTed to the webhook with the
registered secret token. ``await standin.wait_for("sendMessage", ...)`` waits for the bot's
answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp

TOKEN = "123456789:AAStandInTokenForTestsOnly_0123456789"
BOT_USER: dict[str, Any] = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Delivery Assistant",
    "username": "delivery_standin_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

#: Parameters python-telegram-bot sends as bare strings; every other one is JSON-encoded.
_STRING_PARAMETERS = frozenset(
    {
        "text",
        "caption",
        "photo",
        "callback_query_id",
        "url",
        "secret_token",
        "action",
        "parse_mode",
        "inline_message_id",
        "ip_address",
    }
)

#: Telegram refuses to edit a message into what it already is.
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


@dataclass(frozen=True)
class TelegramUser:
    """A customer on Telegram; their private chat with the bot has their user id."""

    id: int
    first_name: str = "Ada"
    language_code: str | None = "en"
    username: str | None = None

    @property
    def chat_id(self) -> int:
        return self.id

    def as_json(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat_json(self) -> dict[str, Any]:
        return {"id": self.chat_id, "type": "private", "first_name": self.first_name}


@dataclass(frozen=True)
class Call:
    """One Bot API request the bot made: the method, its decoded parameters and when."""

    method: str
    params: dict[str, Any]
    at: float  # time.monotonic()

    @property
    def chat_id(self) -> int | None:
        chat = self.params.get("chat_id")
        return chat if isinstance(chat, int) else None

    @property
    def text(self) -> str | None:
        text = self.params.get("text")
        return text if isinstance(text, str) else None

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        markup = self.params.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    @property
    def inline_buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row after row ([] without an inline keyboard)."""
        markup = self.reply_markup or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


class BotApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code", "description"}``."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass
class _Webhook:
    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None


@dataclass
class TelegramStandin:
    """The Bot API of one bot (``token``), with the chats it has and the calls it received."""

    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    #: Sent and received messages by (chat id, message id), as Telegram would return them.
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    #: Answers to the webhook POSTs the stand-in made (status codes), newest last.
    webhook_responses: list[int] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._callback_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._webhook = _Webhook()
        self._http: httpx.AsyncClient | None = None
        self._closing = False
        self._refusals: dict[str, list[BotApiError]] = {}

    # --- serving --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What python-telegram-bot's ``base_url`` must be (it appends the token)."""
        return f"{self.url}/bot"

    @asynccontextmanager
    async def running(self) -> AsyncIterator[TelegramStandin]:
        async with serve_asgi(self.app()) as url, httpx.AsyncClient(timeout=10) as http:
            self.url = url
            self._http = http
            try:
                yield self
            finally:
                self._http = None
                async with self._changed:  # end pending long polls, so the server stops at once
                    self._closing = True
                    self._changed.notify_all()

    def app(self) -> Starlette:
        return Starlette(
            routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])]
        )

    async def _endpoint(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return _error(BotApiError(401, "Unauthorized"))
        method = request.path_params["method"]
        params = _decode(dict((await request.form()).items()))
        handler = self._methods().get(method)
        if handler is None:
            return _error(BotApiError(404, "Not Found"))
        try:
            if method != "getUpdates":  # polling is noise; every other call is the bot's doing
                await self._record(Call(method, params, time.monotonic()))
            if self._refusals.get(method):
                raise self._refusals[method].pop(0)
            result = await handler(params)
        except BotApiError as exc:
            return _error(exc)
        return JSONResponse({"ok": True, "result": result})

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._true,
            "sendChatAction": self._true,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
        }

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    # --- the Bot API's methods ------------------------------------------------------------

    async def _true(self, params: dict[str, Any]) -> bool:
        return True

    async def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook.url:
            raise BotApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        # Telegram forgets every update before the offset: that is how the bot confirms them.
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        async with self._changed:
            if not self._updates and timeout > 0:
                # The bot's own read timeout is longer than ``timeout``: answer before it.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self._updates) or self._closing),
                        timeout,
                    )
        return self._updates[:limit]

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise BotApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise BotApiError(400, "Bad Request: message is too long")
        _check_markup(params.get("reply_markup"))
        return self._bot_message(params, {"text": text})

    async def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        photo = {"file_id": "standin-photo", "file_unique_id": "p1", "width": 1, "height": 1}
        return self._bot_message(params, {"photo": [photo], "caption": params.get("caption")})

    async def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._message_to_edit(params)
        edited = {**message, "text": params.get("text")}
        _set_markup(edited, params.get("reply_markup"))
        return self._replace_if_changed(message, edited)

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._message_to_edit(params)
        edited = dict(message)
        _set_markup(edited, params.get("reply_markup"))
        return self._replace_if_changed(message, edited)

    async def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        if url and not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise BotApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        self._webhook = _Webhook(url, params.get("secret_token"), params.get("allowed_updates"))
        return True

    async def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self._webhook = _Webhook()
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook.allowed_updates is not None:
            info["allowed_updates"] = self._webhook.allowed_updates
        return info

    # --- messages ---------------------------------------------------------------------------

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _bot_message(self, params: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise BotApiError(400, "Bad Request: chat not found")
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Customer"},
            "from": BOT_USER,
            **{key: value for key, value in content.items() if value is not None},
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            # Only inline keyboards belong to the message; reply keyboards live in the client.
            message["reply_markup"] = markup
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _message_to_edit(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (params.get("chat_id"), params.get("message_id"))
        message = self.messages.get(key)  # type: ignore[arg-type]
        if message is None:
            raise BotApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != BOT_USER["id"]:
            raise BotApiError(400, "Bad Request: message can't be edited")
        return message

    def _replace_if_changed(
        self, message: dict[str, Any], edited: dict[str, Any]
    ) -> dict[str, Any]:
        if edited == message:
            raise BotApiError(400, _NOT_MODIFIED)
        edited["edit_date"] = int(time.time())
        self.messages[(edited["chat"]["id"], edited["message_id"])] = edited
        return edited

    # --- the customer's side ----------------------------------------------------------------

    async def say(
        self, user: TelegramUser, text: str, *, entities: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The customer sends ``text``; a leading ``/command`` is marked as a bot command."""
        content: dict[str, Any] = {"text": text}
        if entities is not None:
            content["entities"] = entities
        elif text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self._from_customer(user, content)

    async def share_location(
        self, user: TelegramUser, latitude: float, longitude: float
    ) -> dict[str, Any]:
        return await self._from_customer(
            user, {"location": {"latitude": latitude, "longitude": longitude}}
        )

    async def share_contact(
        self, user: TelegramUser, phone_number: str, *, owner: TelegramUser | None = None
    ) -> dict[str, Any]:
        """``user`` shares a contact card: their own unless ``owner`` says whose it is."""
        owner = owner or user
        contact = {
            "phone_number": phone_number,
            "first_name": owner.first_name,
            "user_id": owner.id,
        }
        return await self._from_customer(user, {"contact": contact})

    async def press(self, user: TelegramUser, message: dict[str, Any], data: str) -> dict[str, Any]:
        """The customer taps the inline button with ``data`` under ``message``."""
        current = self.messages.get((message["chat"]["id"], message["message_id"]), message)
        query = {
            "id": str(next(self._callback_ids)),
            "from": user.as_json(),
            "message": current,
            "chat_instance": f"ci-{user.chat_id}",
            "data": data,
        }
        return await self.push({"callback_query": query})

    async def _from_customer(self, user: TelegramUser, content: dict[str, Any]) -> dict[str, Any]:
        message = {
            "message_id": self._next_message_id(user.chat_id),
            "date": int(time.time()),
            "chat": user.chat_json(),
            "from": user.as_json(),
            **content,
        }
        self.messages[(user.chat_id, message["message_id"])] = message
        return await self.push({"message": message})

    async def push(self, content: dict[str, Any]) -> dict[str, Any]:
        """Hand an update to the bot: by webhook when one is set, else to getUpdates."""
        update = {"update_id": next(self._update_ids), **content}
        if self._webhook.url:
            await self.post_to_webhook(update, secret_token=self._webhook.secret_token)
            return update
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return update

    async def post_to_webhook(
        self, update: dict[str, Any], *, secret_token: str | None, url: str | None = None
    ) -> int:
        """POST ``update`` to the webhook as Telegram does; the answer's status code."""
        assert self._http is not None, "use `async with standin.running()`"
        headers = {} if secret_token is None else {"X-Telegram-Bot-Api-Secret-Token": secret_token}
        response = await self._http.post(url or self._webhook.url, json=update, headers=headers)
        self.webhook_responses.append(response.status_code)
        return response.status_code

    def refuse_next(self, method: str, error: BotApiError) -> None:
        """Answer the next call of ``method`` with ``error`` (e.g. a 429 flood wait)."""
        self._refusals.setdefault(method, []).append(error)

    # --- what the bot did -------------------------------------------------------------------

    @property
    def webhook_url(self) -> str:
        return self._webhook.url

    @property
    def webhook_secret(self) -> str | None:
        return self._webhook.secret_token

    def calls_to(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and (chat_id is None or c.chat_id == chat_id)
        ]

    def texts_to(self, chat_id: int) -> list[str]:
        return [c.text or "" for c in self.calls_to("sendMessage", chat_id)]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] = lambda call: True,
        *,
        count: int = 1,
        within: float = 10,
    ) -> list[Call]:
        """The first ``count`` calls of ``method`` that satisfy ``predicate``, once made."""

        def matching() -> list[Call]:
            return [c for c in self.calls if c.method == method and predicate(c)]

        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: len(matching()) >= count), within
                )
            except TimeoutError:
                made = "\n".join(f"  {c.method} {c.params}" for c in self.calls)
                raise AssertionError(
                    f"no {count} x {method} within {within}s; calls so far:\n{made}"
                ) from None
        return matching()[:count]

    def message_of(self, call: Call) -> dict[str, Any]:
        """The message as it is now (after edits) that a sendMessage call created."""
        chat_id = call.chat_id
        assert chat_id is not None
        sent = [
            m
            for (chat, _), m in sorted(self.messages.items())
            if chat == chat_id and m["from"]["id"] == BOT_USER["id"]
        ]
        index = self.calls_to("sendMessage", chat_id).index(call)
        return sent[index]


# --- helpers ------------------------------------------------------------------------------------


def _decode(form: dict[str, Any]) -> dict[str, Any]:
    decoded: dict[str, Any] = {}
    for name, value in form.items():
        if name in _STRING_PARAMETERS or not isinstance(value, str):
            decoded[name] = value
            continue
        try:
            decoded[name] = json.loads(value)
        except ValueError:
            decoded[name] = value
    return decoded


def _check_markup(markup: Any) -> None:
    if not isinstance(markup, dict):
        return
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise BotApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def _set_markup(message: dict[str, Any], markup: Any) -> None:
    if isinstance(markup, dict) and markup.get("inline_keyboard"):
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)


def _error(exc: BotApiError) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
    if exc.parameters:
        body["parameters"] = exc.parameters
    return JSONResponse(body, status_code=exc.code)


@asynccontextmanager
async def serve_asgi(app: ASGIApp) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port, in this event loop; yields its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()
