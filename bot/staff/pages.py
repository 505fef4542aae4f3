"""The staff console's pages: ``/agent/login`` (GET, POST), ``/agent/logout`` (POST), ``/agent``.

Server-rendered shells with no inline script or style (the Content-Security-Policy forbids
them): the console page carries its CSRF token and who is signed in as ``<meta>`` tags, and
``/static/agent/console.js`` does the rest through the JSON API and the ``/agent`` socket.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.conversation_queue import in_unit_of_work
from bot.staff.auth import (
    CONSOLE_PATH,
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    LOGIN_PATH,
    STAFF_COOKIE,
    clear_login_csrf_cookie,
    clear_session_cookie,
    client_address,
    current_staff,
    new_login_csrf,
    same_secret,
    session_idle,
    session_lifetime,
    set_login_csrf_cookie,
    set_session_cookie,
    staff_required,
)
from bot.staff.templates import console_html, login_html
from bot.staff.throttle import LoginThrottle
from bot.state import gateway_state
from delivery.clock import utcnow
from delivery.services.staff_accounts import authenticate_staff
from delivery.services.staff_sessions import (
    IssuedStaffSession,
    end_staff_session,
    start_staff_session,
)

logger = logging.getLogger(__name__)

#: Longer input is not a username or password of ours; refused before any hashing.
_MAX_USERNAME = 64
_MAX_PASSWORD = 1024


class StaffPages:
    """The page endpoints, sharing one login throttle."""

    def __init__(self, throttle: LoginThrottle) -> None:
        self._throttle = throttle

    async def login_form(self, request: Request) -> Response:
        if await current_staff(request) is not None:
            return RedirectResponse(CONSOLE_PATH, status_code=303)
        return _login_page(request)

    async def login(self, request: Request) -> Response:
        form = await request.form()
        given = form.get(CSRF_FIELD)
        if not same_secret(
            given if isinstance(given, str) else None, request.cookies.get(LOGIN_CSRF_COOKIE)
        ):
            return _login_page(
                request, error="The sign-in form had expired. Please try again.", status=403
            )
        username = _field(form.get("username"), _MAX_USERNAME).strip()
        password = _field(form.get("password"), _MAX_PASSWORD)
        address = client_address(request)
        wait = self._throttle.attempt(username, address)
        if wait is not None:
            minutes = max(1, round(wait / 60))
            response = _login_page(
                request,
                error=(
                    "Too many failed sign-ins. For your account's safety, please wait "
                    f"{minutes} minute{'s' if minutes != 1 else ''} before trying again."
                ),
                username=username,
                status=429,
            )
            response.headers["Retry-After"] = str(wait)
            return response
        try:
            issued = await self._sign_in(request, username, password) if password else None
        except BaseException:
            self._throttle.abandoned(username, address)
            raise
        if issued is None:
            self._throttle.failed(username, address)
            logger.info("failed staff sign-in for %r from %s", username, address)
            return _login_page(
                request, error="Wrong username or password.", username=username, status=401
            )
        self._throttle.succeeded(username, address)
        settings = gateway_state(request).settings
        signed_in = RedirectResponse(CONSOLE_PATH, status_code=303)
        set_session_cookie(signed_in, issued, settings, utcnow())
        clear_login_csrf_cookie(signed_in, settings)
        return signed_in

    async def _sign_in(
        self, request: Request, username: str, password: str
    ) -> IssuedStaffSession | None:
        gateway = gateway_state(request)
        lifetime, idle = session_lifetime(gateway.settings), session_idle(gateway.settings)
        now = utcnow()

        def sign_in(session: Session) -> IssuedStaffSession | None:
            user = authenticate_staff(session, username=username, password=password, now=now)
            if user is None:
                return None
            return start_staff_session(session, user, now=now, lifetime=lifetime, idle=idle)

        return await in_unit_of_work(gateway.session_factory, sign_in)


async def logout(request: Request) -> Response:
    """End the session (the form carries its CSRF token) and go back to the login page."""
    gateway = gateway_state(request)
    identity = await current_staff(request)
    token = request.cookies.get(STAFF_COOKIE)
    if identity is not None and token:
        form = await request.form()
        given = form.get(CSRF_FIELD)
        if not same_secret(given if isinstance(given, str) else None, identity.csrf_token):
            return HTMLResponse("Sign-out refused: reload the console and try again.", 403)
        await in_unit_of_work(
            gateway.session_factory, lambda session: end_staff_session(session, token)
        )
        logger.info("staff user %s signed out", identity.username)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    clear_session_cookie(response, gateway.settings)
    return response


async def console(request: Request) -> Response:
    identity = await staff_required(request, api=False)
    if isinstance(identity, Response):
        return identity
    return HTMLResponse(console_html(identity))


def _login_page(
    request: Request, *, error: str | None = None, username: str = "", status: int = 200
) -> HTMLResponse:
    """The login form with a fresh double-submit token (in its cookie and its hidden field)."""
    token = new_login_csrf()
    response = HTMLResponse(
        login_html(csrf=token, error=error, username=username), status_code=status
    )
    set_login_csrf_cookie(response, token, gateway_state(request).settings)
    return response


def _field(value: object, longest: int) -> str:
    return value[:longest] if isinstance(value, str) else ""
