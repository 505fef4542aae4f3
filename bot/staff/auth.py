"""Who is asking: the staff session behind a request, its CSRF token, and the console's headers.

The session cookie (``staff_session``) carries a random token; the database keeps only its hash
(:mod:`delivery.services.staff_sessions`), and each request resolves it again, so a session
ended or expired elsewhere stops working at once. Its path is ``/`` because the console's live
channel (``/socket.io/``) needs it too; SameSite=Strict keeps it off other sites' requests, and
every POST and DELETE must also carry the session's CSRF token (``X-CSRF-Token``, or the
``csrf`` field of the logout form). The login form, which has no session yet, uses a
double-submit cookie (``staff_login_csrf``) against its hidden field.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from http.cookies import CookieError, SimpleCookie

from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.conversation_queue import in_unit_of_work
from bot.state import gateway_state
from delivery.clock import utcnow
from delivery.services.staff_sessions import (
    IssuedStaffSession,
    StaffIdentity,
    resolve_staff_session,
)
from delivery.settings import Settings

STAFF_COOKIE = "staff_session"
LOGIN_CSRF_COOKIE = "staff_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"
CONSOLE_PATH = "/agent"
LOGIN_PATH = "/agent/login"

#: Sent with every console page and API answer. No inline script or style is allowed, so an
#: injected message cannot run; connect-src lets the console's socket use WebSockets.
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
        "style-src 'self'; script-src 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


class SecurityHeaders:
    """ASGI middleware: :data:`SECURITY_HEADERS` on every response of the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def session_lifetime(settings: Settings) -> dt.timedelta:
    return dt.timedelta(hours=settings.staff_session_hours)


def session_idle(settings: Settings) -> dt.timedelta:
    return dt.timedelta(minutes=settings.staff_idle_minutes)


async def resolve_identity(
    sessions: sessionmaker[Session], settings: Settings, token: str | None
) -> StaffIdentity | None:
    """The staff member whose live session ``token`` is, or None."""
    if not token:
        return None
    idle = session_idle(settings)
    return await in_unit_of_work(
        sessions,
        lambda session: resolve_staff_session(session, token, now=utcnow(), idle=idle),
    )


async def current_staff(request: Request) -> StaffIdentity | None:
    gateway = gateway_state(request)
    token = request.cookies.get(STAFF_COOKIE)
    return await resolve_identity(gateway.session_factory, gateway.settings, token)


async def staff_required(request: Request, *, api: bool) -> StaffIdentity | Response:
    """The signed-in staff member, or the answer for someone who is not: a 401 for the API, a
    redirect to the login page for pages."""
    identity = await current_staff(request)
    if identity is not None:
        return identity
    if api:
        return json_error(401, "unauthorized", "Sign in to the staff console first.")
    return RedirectResponse(LOGIN_PATH, status_code=303)


def csrf_header_ok(request: Request, identity: StaffIdentity) -> bool:
    return same_secret(request.headers.get(CSRF_HEADER), identity.csrf_token)


def same_secret(given: str | None, expected: str | None) -> bool:
    """Constant-time equality of two secrets; a missing or empty one never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def cookie_from_environ(cookie_header: str | None, name: str) -> str | None:
    """One cookie's value from a raw ``Cookie`` header (the socket's WSGI-style environ)."""
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


def set_session_cookie(
    response: Response, issued: IssuedStaffSession, settings: Settings, now: dt.datetime
) -> None:
    response.set_cookie(
        STAFF_COOKIE,
        issued.token,
        max_age=max(0, round((issued.expires_at - now).total_seconds())),
        path="/",
        secure=settings.staff_cookie_secure,
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        STAFF_COOKIE, path="/", secure=settings.staff_cookie_secure, httponly=True,
        samesite="strict",
    )  # fmt: skip


def new_login_csrf() -> str:
    return secrets.token_urlsafe(32)


def set_login_csrf_cookie(response: Response, value: str, settings: Settings) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        value,
        path=LOGIN_PATH,
        secure=settings.staff_cookie_secure,
        httponly=True,
        samesite="strict",
    )


def clear_login_csrf_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        LOGIN_CSRF_COOKIE, path=LOGIN_PATH, secure=settings.staff_cookie_secure, httponly=True,
        samesite="strict",
    )  # fmt: skip


def client_address(request: Request) -> str:
    """What the login throttle counts per address (the peer; a proxy in front must pass the
    real one through uvicorn's --proxy-headers)."""
    return request.client.host if request.client else "unknown"


def json_error(status: int, code: str, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status)
