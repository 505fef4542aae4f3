"""Signing in and out of the staff console: sessions, CSRF, the login throttle, cookies."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.staff.auth import cookie_from_environ, same_secret
from bot.staff.throttle import LoginThrottle
from delivery.clock import utcnow
from delivery.db.session import unit_of_work
from delivery.db.staff_models import StaffSession, StaffUser
from tests.bot.conftest import Serve
from tests.bot.staff.conftest import (
    PASSWORD,
    Console,
    MakeAgent,
    console_csrf,
    create_user,
    login_csrf,
    sign_in,
)


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ---- the throttle ------------------------------------------------------------------------


def _fail(throttle: LoginThrottle, username: str, address: str) -> None:
    assert throttle.attempt(username, address) is None
    throttle.failed(username, address)


def test_five_failures_for_one_username_block_it_from_anywhere() -> None:
    clock = _Clock()
    throttle = LoginThrottle(clock=clock)
    for n in range(5):
        _fail(throttle, "maria", f"10.0.0.{n}")
    assert throttle.attempt("Maria", "10.9.9.9") == 15 * 60
    assert throttle.attempt("luca", "10.9.9.9") is None
    throttle.abandoned("luca", "10.9.9.9")
    clock.now += 15 * 60
    assert throttle.attempt("maria", "10.9.9.9") is None


def test_five_failures_from_one_address_block_it_for_every_username() -> None:
    clock = _Clock()
    throttle = LoginThrottle(clock=clock)
    for n in range(5):
        _fail(throttle, f"user{n}", "10.0.0.1")
        clock.now += 60
    assert throttle.attempt("someone", "10.0.0.1") == 10 * 60  # when the oldest ages out
    assert throttle.attempt("someone", "10.0.0.2") is None


def test_a_correct_password_clears_the_username_but_not_the_address() -> None:
    throttle = LoginThrottle(limit=2)
    _fail(throttle, "maria", "10.0.0.1")
    _fail(throttle, "maria", "10.0.0.1")
    throttle.succeeded("maria", "10.0.0.1")
    assert throttle.attempt("maria", "10.0.0.2") is None
    assert throttle.attempt("other", "10.0.0.1") is not None


def test_attempts_under_way_count_so_a_burst_cannot_slip_past() -> None:
    throttle = LoginThrottle(limit=3)
    burst = [throttle.attempt("maria", f"10.0.0.{n}") for n in range(5)]
    assert burst[:3] == [None, None, None]
    assert burst[3:] == [1, 1]
    for n in range(3):
        throttle.abandoned("maria", f"10.0.0.{n}")
    assert throttle.attempt("maria", "10.0.0.9") is None


def test_secrets_compare_only_when_both_are_present() -> None:
    assert same_secret("abc", "abc")
    assert not same_secret("abc", "abd")
    assert not same_secret("", "")
    assert not same_secret(None, "abc")


def test_the_socket_s_cookie_header_is_read() -> None:
    header = "theme=dark; staff_session=tok-123_x; other=1"
    assert cookie_from_environ(header, "staff_session") == "tok-123_x"
    assert cookie_from_environ(header, "missing") is None
    assert cookie_from_environ(None, "staff_session") is None


# ---- signing in --------------------------------------------------------------------------


async def test_signing_in_sets_a_strict_http_only_session_cookie(
    serve: Serve, sessions: sessionmaker[Session]
) -> None:
    with unit_of_work(sessions, writes=True) as session:
        create_user(session, "maria")
    async with serve() as client:
        response = await sign_in(client, "Maria")  # usernames are not case sensitive
        assert response.status_code == 303
        assert response.headers["location"] == "/agent"
        cookies = response.headers.get_list("set-cookie")
        session_cookie = next(c for c in cookies if c.startswith("staff_session="))
        attributes = session_cookie.lower()
        assert "httponly" in attributes and "samesite=strict" in attributes
        assert "path=/;" in attributes and "secure" not in attributes
        assert "max-age=43200" in attributes
        assert any(c.startswith("staff_login_csrf=") and "max-age=0" in c.lower() for c in cookies)
        console = await client.get("/agent")
        assert console.status_code == 200
    with unit_of_work(sessions, writes=True) as session:
        user = session.scalars(select(StaffUser)).one()
        assert user.last_login_at is not None


async def test_the_cookie_is_secure_when_the_console_is_served_over_https(
    serve: Serve, sessions: sessionmaker[Session]
) -> None:
    with unit_of_work(sessions, writes=True) as session:
        create_user(session, "maria")
    async with serve(STAFF_COOKIE_SECURE=True) as client:
        form = await client.get("/agent/login")
        assert "secure" in form.headers["set-cookie"].lower()
        token = login_csrf(form.text)
        # The test client speaks plain http, so it would not send a Secure cookie back itself.
        response = await client.post(
            "/agent/login",
            data={"csrf": token, "username": "maria", "password": PASSWORD},
            headers={"Cookie": f"staff_login_csrf={token}"},
        )
    session_cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("staff_session=")
    )
    assert "secure" in session_cookie.lower()


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    serve: Serve, sessions: sessionmaker[Session]
) -> None:
    with unit_of_work(sessions, writes=True) as session:
        create_user(session, "maria")
    async with serve() as client:
        wrong_password = await sign_in(client, "maria", "not the password")
        no_such_user = await sign_in(client, "nobody", PASSWORD)
        assert (await client.get("/agent")).status_code == 303
    for response in (wrong_password, no_such_user):
        assert response.status_code == 401
        assert "Wrong username or password." in response.text
        assert "staff_session=" not in response.headers.get("set-cookie", "")
    assert 'value="maria"' in wrong_password.text  # the username stays filled in


async def test_a_login_post_without_its_double_submit_token_is_refused(
    serve: Serve, sessions: sessionmaker[Session]
) -> None:
    with unit_of_work(sessions, writes=True) as session:
        create_user(session, "maria")
    async with serve() as client:
        form = await client.get("/agent/login")
        token = login_csrf(form.text)
        credentials = {"username": "maria", "password": PASSWORD}
        no_field = await client.post("/agent/login", data=credentials)
        wrong_field = await client.post("/agent/login", data={**credentials, "csrf": "forged"})
        client.cookies.clear()  # a cross-site form: the field, but no cookie
        no_cookie = await client.post("/agent/login", data={**credentials, "csrf": token})
    for response in (no_field, wrong_field, no_cookie):
        assert response.status_code == 403
        assert "staff_session=" not in response.headers.get("set-cookie", "")


async def test_five_failed_sign_ins_throttle_even_the_right_password(
    serve: Serve, sessions: sessionmaker[Session]
) -> None:
    with unit_of_work(sessions, writes=True) as session:
        create_user(session, "maria")
    async with serve() as client:
        for _ in range(5):
            assert (await sign_in(client, "maria", "guess guess guess")).status_code == 401
        throttled = await sign_in(client, "maria", PASSWORD)
    assert throttled.status_code == 429
    assert "Too many failed sign-ins" in throttled.text
    assert 0 < int(throttled.headers["retry-after"]) <= 15 * 60
    assert "staff_session=" not in throttled.headers.get("set-cookie", "")


# ---- sessions ----------------------------------------------------------------------------


async def test_signing_out_ends_the_session_everywhere(
    serve: Serve, make_agent: MakeAgent, sessions: sessionmaker[Session]
) -> None:
    agent = make_agent()
    async with serve() as client:
        client.cookies.set("staff_session", agent.token)
        page = await client.get("/agent")
        response = await client.post("/agent/logout", data={"csrf": console_csrf(page.text)})
        assert response.status_code == 303
        assert response.headers["location"] == "/agent/login"
        assert 'staff_session=""' in response.headers["set-cookie"]
        # The old cookie, replayed, no longer works.
        again = await client.get("/agent/api/queue", headers=agent.cookie)
        assert again.status_code == 401
    with unit_of_work(sessions, writes=True) as session:
        assert session.scalars(select(StaffSession)).all() == []


async def test_signing_out_needs_the_session_s_csrf_token(
    serve: Serve, make_agent: MakeAgent
) -> None:
    agent = make_agent()
    async with serve() as client:
        refused = await client.post("/agent/logout", data={"csrf": "forged"}, headers=agent.cookie)
        assert refused.status_code == 403
        assert (await client.get("/agent/api/queue", headers=agent.cookie)).status_code == 200


async def test_an_expired_session_is_refused(console: Console, make_agent: MakeAgent) -> None:
    expired = make_agent(
        "old", signed_in_at=utcnow() - dt.timedelta(hours=2), lifetime=dt.timedelta(hours=1)
    )
    idle = make_agent("idle", signed_in_at=utcnow() - dt.timedelta(minutes=61))
    async with console() as (client, _):
        for agent in (expired, idle):
            assert (await client.get("/agent/api/queue", headers=agent.cookie)).status_code == 401
            assert (await client.get("/agent", headers=agent.cookie)).status_code == 303


async def test_a_deactivated_account_loses_its_session(
    serve: Serve, make_agent: MakeAgent, sessions: sessionmaker[Session]
) -> None:
    agent = make_agent()
    with unit_of_work(sessions, writes=True) as session:
        user = session.get(StaffUser, agent.user_id)
        assert user is not None
        user.active = False
    async with serve() as client:
        assert (await client.get("/agent/api/queue", headers=agent.cookie)).status_code == 401
