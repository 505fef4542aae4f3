"""The chat widget in real headless Chromium (Playwright with the system's /usr/bin/chromium).

Two servers to test against:
- ``gateway``: the real gateway (``bot.app:create_app`` under uvicorn, on a free port) in front
  of the real Rasa and action server of the e2e ``assistant`` fixture, on its seeded database.
  Started once per test session.
- ``stub``: a scripted stand-in of the gateway's socket.io side (stub_gateway.py), for what the
  real assistant cannot be made to do on cue: a live agent joining, an image, an outage.

Every test's pages are checked for console errors and page errors, and a screenshot of each
page is kept under tests/artifacts/browser/ (gitignored) whatever the outcome.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from delivery.settings import PROJECT_ROOT
from tests.browser.stub_gateway import StubGateway, running

# The e2e assistant (Rasa + action server on a seeded database), started once per session.
from tests.support.assistant import Assistant

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts" / "browser"
# The shop's secret for signed customer tokens, in the real gateway's environment.
CUSTOMER_TOKEN_SECRET = "browser-tests-shop-secret-of-32-bytes-or-more"

OpenPage = Callable[..., Page]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Module scope, not session: Playwright's sync API keeps an event loop running in the main
# thread while it is started, which breaks every asyncio test that runs after it.
@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """``shot(page, "step")`` saves tests/artifacts/browser/<test>-<step>.png."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)

    def take(page: Page, step: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}-{step}.png"
        page.screenshot(path=str(path))
        return path

    return take


@pytest.fixture
def expected_errors() -> list[str]:
    """Patterns of console errors a test causes on purpose (e.g. while its server is down)."""
    return []


@pytest.fixture
def open_page(
    chromium: Browser, shot: Callable[[Page, str], Path], expected_errors: list[str]
) -> Iterator[OpenPage]:
    """``open_page(url, **context_options)``: a page in a fresh context (fresh storage).

    At the end: a screenshot of every page, and no console or page errors on any of them
    beyond the test's ``expected_errors``.
    """
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text} ({message.location.get('url')})")

    def open_(url: str, **options: Any) -> Page:
        context = chromium.new_context(**options)
        context.set_default_timeout(10_000)
        # On the context, so that tabs a test opens itself are watched too.
        context.on("console", on_console)
        context.on("weberror", lambda error: errors.append(f"page error: {error.error}"))
        contexts.append(context)
        page = context.new_page()
        page.goto(url)
        return page

    yield open_
    pages = [page for context in contexts for page in context.pages]
    for number, page in enumerate(pages, start=1):
        shot(page, f"end-{number}")
    for context in contexts:
        context.close()
    unexpected = [e for e in errors if not any(re.search(p, e) for p in expected_errors)]
    assert not unexpected, "\n".join(unexpected)


@pytest.fixture(scope="session")
def gateway(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real gateway in front of the real assistant; its base URL."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("gateway") / "gateway.log"
    env = {
        **os.environ,
        "DATABASE_URL": assistant.database_url,
        "RASA_URL": assistant.rasa_url,
        "RASA_TOKEN": assistant.token,
        "CUSTOMER_TOKEN_SECRET": CUSTOMER_TOKEN_SECRET,
    }
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "bot.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait_for(url, process, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(url + "/", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the gateway did not start:\n{log_path.read_text()[-4000:]}")


@pytest.fixture
def stub() -> Iterator[tuple[StubGateway, str, int]]:
    """A scripted gateway stand-in: (its script, its URL, its port)."""
    script = StubGateway()
    port = free_port()
    with running(script, port) as url:
        yield script, url, port
