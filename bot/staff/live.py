"""The console's live channel: socket.io namespace ``/agent`` on the gateway's server.

Connecting needs the staff session cookie and that session's CSRF token in the ``auth``
payload (``io("/agent", {auth: {csrf}})``), else the connection is refused. Every console
joins room ``staff`` and gets ``queue`` (the open handoffs) whenever the queue changes; a
console that sends ``watch {handoff_id}`` joins ``handoff-<id>`` and gets ``conversation
{handoff_id, event}`` for that conversation until it sends ``unwatch``.

The session is checked again before each broadcast and on each event a console sends, so a
console whose session ended (signed out elsewhere, expired, idle, account deactivated) is
disconnected instead of reading on. The check before a broadcast does not count as the person
using the console, or an open tab would never go idle (see :func:`_still_signed_in`).

:class:`AgentLive` is the desk's :class:`~bot.handoff_desk.StaffBroadcast`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Collection, Iterable
from typing import Any

import socketio  # type: ignore[import-untyped]
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation_queue import in_unit_of_work
from bot.staff.auth import (
    STAFF_COOKIE,
    cookie_from_environ,
    resolve_identity,
    same_secret,
    session_idle,
)
from bot.staff.views import jsonable, queue_dict
from delivery.clock import utcnow
from delivery.db.session import WRITES
from delivery.services.handoffs import staff_queue
from delivery.services.staff_sessions import resolve_staff_session
from delivery.settings import Settings

logger = logging.getLogger(__name__)

NAMESPACE = "/agent"
STAFF_ROOM = "staff"


def handoff_room(handoff_id: int) -> str:
    return f"handoff-{handoff_id}"


class AgentLive:
    """Pushes queue and conversation changes to the signed-in consoles."""

    def __init__(
        self,
        *,
        server: socketio.AsyncServer,
        sessions: sessionmaker[Session],
        settings: Settings,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._server = server
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        self._tokens: dict[str, str] = {}  # socket id -> its staff session's token
        self._watching: dict[str, set[int]] = {}  # socket id -> handoff ids
        server.register_namespace(_AgentNamespace(self))

    @property
    def consoles(self) -> int:
        """How many consoles are connected (for tests and logs)."""
        return len(self._tokens)

    async def queue_changed(self) -> None:
        """Send every console the open handoffs."""
        if not await self._keep_signed_in(list(self._tokens)):
            return
        views = await in_unit_of_work(self._sessions, staff_queue, writes=False)
        await self._server.emit(
            "queue", queue_dict(views, now=self._clock()), room=STAFF_ROOM, namespace=NAMESPACE
        )

    async def conversation_event(self, handoff_id: int, event: dict[str, Any]) -> None:
        """Send ``event`` to the consoles watching ``handoff_id``."""
        watchers = [sid for sid, ids in self._watching.items() if handoff_id in ids]
        if not await self._keep_signed_in(watchers):
            return
        await self._server.emit(
            "conversation",
            {"handoff_id": handoff_id, "event": jsonable(event)},
            room=handoff_room(handoff_id),
            namespace=NAMESPACE,
        )

    # -- the namespace's bookkeeping --------------------------------------------------------

    def _connected(self, sid: str, token: str) -> None:
        self._tokens[sid] = token
        self._watching[sid] = set()

    def _gone(self, sid: str) -> None:
        self._tokens.pop(sid, None)
        self._watching.pop(sid, None)

    async def _keep_signed_in(self, sids: Collection[str]) -> bool:
        """Disconnect those of ``sids`` whose session has ended; whether any are left."""
        tokens = {self._tokens[sid] for sid in sids if sid in self._tokens}
        if not tokens:
            return False
        idle, now = session_idle(self._settings), self._clock()
        try:
            valid = await asyncio.to_thread(_still_signed_in, self._sessions, tokens, now, idle)
        except SQLAlchemyError:
            # The database is unreachable: so is everything a console could do; say nothing.
            logger.exception("could not check the staff consoles' sessions")
            return False
        ended = [sid for sid in sids if self._tokens.get(sid) not in valid]
        for sid in ended:
            logger.info("disconnecting staff console %s: its session has ended", sid)
            self._gone(sid)
            await self._server.disconnect(sid, namespace=NAMESPACE)
        return len(ended) < len(sids)


def _still_signed_in(
    sessions: sessionmaker[Session], tokens: Iterable[str], now: dt.datetime, idle: dt.timedelta
) -> set[str]:
    """Those of ``tokens`` whose session is still valid, without marking them as seen.

    ``resolve_staff_session`` notes each check as the person's activity; a broadcast is not the
    person doing anything, so what it wrote is rolled back (closing the session does that).
    """
    with sessions() as session:
        session.connection(execution_options={WRITES: True})  # SQLite: its write lock up front
        return {t for t in tokens if resolve_staff_session(session, t, now=now, idle=idle)}


class _AgentNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """The ``/agent`` namespace's handlers."""

    def __init__(self, live: AgentLive) -> None:
        super().__init__(NAMESPACE)
        self._live = live

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = cookie_from_environ(environ.get("HTTP_COOKIE"), STAFF_COOKIE)
        live = self._live
        try:
            identity = await resolve_identity(live._sessions, live._settings, token)
        except SQLAlchemyError:
            logger.exception("could not check a staff console's session")
            raise socketio.exceptions.ConnectionRefusedError("unavailable") from None
        given = auth.get("csrf") if isinstance(auth, dict) else None
        if identity is None or token is None:
            raise socketio.exceptions.ConnectionRefusedError("not signed in")
        if not same_secret(given if isinstance(given, str) else None, identity.csrf_token):
            raise socketio.exceptions.ConnectionRefusedError("bad csrf token")
        live._connected(sid, token)
        await self.enter_room(sid, STAFF_ROOM)
        logger.info("staff console %s connected for %s", sid, identity.username)

    async def on_disconnect(self, sid: str, *reason: Any) -> None:
        self._live._gone(sid)

    async def on_watch(self, sid: str, data: Any = None) -> dict[str, Any]:
        handoff_id = _handoff_id(data)
        if handoff_id is None:
            return {"ok": False, "error": "handoff_id"}
        if not await self._signed_in(sid):
            return {"ok": False, "error": "signed_out"}
        self._live._watching.setdefault(sid, set()).add(handoff_id)
        await self.enter_room(sid, handoff_room(handoff_id))
        return {"ok": True}

    async def on_unwatch(self, sid: str, data: Any = None) -> dict[str, Any]:
        handoff_id = _handoff_id(data)
        if handoff_id is None:
            return {"ok": False, "error": "handoff_id"}
        self._live._watching.get(sid, set()).discard(handoff_id)
        await self.leave_room(sid, handoff_room(handoff_id))
        return {"ok": True}

    async def _signed_in(self, sid: str) -> bool:
        """Whether the socket's session still holds (an event it sends is the person acting,
        so this check counts as activity); disconnects it if not."""
        live = self._live
        identity = await resolve_identity(live._sessions, live._settings, live._tokens.get(sid))
        if identity is None:
            live._gone(sid)
            await self.disconnect(sid)
            return False
        return True


def _handoff_id(data: Any) -> int | None:
    value = data.get("handoff_id") if isinstance(data, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None
