"""The console's routes, to splice into the gateway's: ``routes = [..., *staff_routes()]``."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route

from bot.staff.api import api_routes
from bot.staff.auth import SecurityHeaders
from bot.staff.pages import StaffPages, console, logout
from bot.staff.throttle import LoginThrottle


def staff_routes(throttle: LoginThrottle | None = None) -> list[BaseRoute]:
    """``/agent`` (the console), ``/agent/login``, ``/agent/logout`` and ``/agent/api/...``,
    every answer with the console's security headers. One login throttle per call (per app)."""
    pages = StaffPages(throttle or LoginThrottle())
    secured = [Middleware(SecurityHeaders)]
    return [
        Route("/agent", console, methods=["GET"], name="staff_console", middleware=secured),
        Route("/agent/login", pages.login_form, methods=["GET"], name="staff_login",
              middleware=secured),
        Route("/agent/login", pages.login, methods=["POST"], middleware=secured),
        Route("/agent/logout", logout, methods=["POST"], name="staff_logout",
              middleware=secured),
        Mount("/agent/api", routes=api_routes(), middleware=secured),
    ]  # fmt: skip
