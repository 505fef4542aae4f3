"""The gateway's way to the assistant: Rasa's REST channel, and whether Rasa and its action
server are up.

Rasa answers a message with every reply at once (``/webhooks/rest/webhook``); anything that
means "try again later" (no connection, a timeout, a 5xx, an answer that is not Rasa's) is
:class:`RasaUnavailable`, which the relay retries. A 4xx is :class:`RasaRefused`: sending the
same message again would get the same answer.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx

logger = logging.getLogger(__name__)

#: Health probes must answer quickly, or the health page and the relay wait on a dead server.
PROBE_TIMEOUT_SECONDS = 2.0


class RasaError(Exception):
    """Rasa did not take the message."""


class RasaUnavailable(RasaError):
    """Rasa cannot answer now (down, slow, failing); the same message may succeed later."""


class RasaRefused(RasaError):
    """Rasa refused the message itself (a 4xx); retrying it is pointless."""


class RasaClient:
    """An HTTP client of one Rasa server (and the action server behind it)."""

    def __init__(
        self,
        rasa_url: str,
        *,
        timeout: float,
        token: str | None = None,
        action_server_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._rasa_url = rasa_url.rstrip("/")
        self._token = token
        self._action_server_url = action_server_url.rstrip("/") if action_server_url else None
        # One connection pool for the gateway's life: a Rasa turn then costs no TCP handshake.
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            transport=transport,
        )

    async def send(
        self, sender: str, text: str, *, input_channel: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Rasa's replies to ``text`` from the conversation ``sender``."""
        body = {
            "sender": sender,
            "message": text,
            "input_channel": input_channel,
            "metadata": metadata,
        }
        answer = await self._post("/webhooks/rest/webhook", body)
        if not isinstance(answer, list) or not all(isinstance(r, dict) for r in answer):
            raise RasaUnavailable("Rasa's answer is not a list of messages")
        return answer

    async def append_events(self, sender: str, events: list[dict[str, Any]]) -> None:
        """Add events to a conversation through Rasa's HTTP API (``pause``, ``resume``, an
        agent's ``bot`` message), so that Rasa's tracker keeps the whole conversation."""
        path = f"/conversations/{quote(sender, safe='')}/tracker/events"
        await self._post(path, events, api=True)

    async def trigger_intent(
        self, sender: str, intent: str, entities: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run the assistant on an intent the gateway raises (never one a customer typed);
        the replies, shaped as the REST channel's."""
        body = {"name": intent, "entities": entities or {}}
        path = f"/conversations/{quote(sender, safe='')}/trigger_intent"
        answer = await self._post(path, body, api=True)
        messages = answer.get("messages") if isinstance(answer, dict) else None
        if not isinstance(messages, list):
            return []
        return [m for m in messages if isinstance(m, dict)]

    async def _post(self, path: str, body: Any, *, api: bool = False) -> Any:
        """POST ``body`` to Rasa; its JSON answer. ``api``: the HTTP API, which needs the token.

        What means "try again later" (no connection, a timeout, a 5xx, an answer that is not
        JSON) raises :class:`RasaUnavailable`; a 4xx :class:`RasaRefused`.
        """
        params = {"token": self._token} if api and self._token else None
        try:
            response = await self._http.post(f"{self._rasa_url}{path}", json=body, params=params)
        except httpx.TimeoutException as exc:
            raise RasaUnavailable(f"Rasa did not answer in time ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"Rasa is not reachable ({type(exc).__name__})") from exc
        if response.status_code >= 500:
            raise RasaUnavailable(f"Rasa answered {response.status_code} to {path}")
        if response.status_code in (401, 403):
            # The API token is wrong (a configuration to fix): what was asked may well work
            # once it is, so nothing is given up for good.
            raise RasaUnavailable(f"Rasa refused the API token for {path}")
        if response.status_code >= 400:
            raise RasaRefused(f"Rasa refused {path}: {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise RasaUnavailable("Rasa's answer is not JSON") from exc

    async def status(self) -> bool:
        """Whether Rasa is up with its model loaded (``/status`` needs the API token; without
        one, whether the server answers at all)."""
        if self._token:
            return await self._probe(f"{self._rasa_url}/status", params={"token": self._token})
        return await self._probe(f"{self._rasa_url}/")

    async def action_server_status(self) -> bool:
        """Whether the action server answers its health check (True when none is configured)."""
        if self._action_server_url is None:
            return True
        return await self._probe(f"{self._action_server_url}/health")

    async def _probe(self, url: str, params: dict[str, str] | None = None) -> bool:
        try:
            response = await self._http.get(url, params=params, timeout=PROBE_TIMEOUT_SECONDS)
        except httpx.HTTPError as exc:
            logger.info("health probe of %s failed: %s", url, type(exc).__name__)
            return False
        return response.status_code == 200

    async def aclose(self) -> None:
        await self._http.aclose()
