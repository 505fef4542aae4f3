"""``make run``: the whole assistant on this machine, in one command.

1. bring the database schema up to date (``python -m delivery migrate``);
2. load the demo data when the database is empty (``python -m delivery seed-demo --if-empty``);
3. train the Rasa model when none matches the training data (see model_fingerprint.py);
4. start the action server, the gateway, the demo carrier service and the Rasa server, wait
   until each answers, then the carrier poller (``python -m delivery carriers poll``: it has no
   HTTP port, and it asks the demo carriers, so it starts once they answer), and print where to
   go. Ctrl-C (or SIGTERM) stops them all and exits 0; if one of them dies, the others are
   stopped and the end of its log is shown.

Ports come from GATEWAY_PORT, RASA_PORT, ACTION_SERVER_PORT and DEMO_CARRIER_PORT; the Rasa
API token from RASA_TOKEN (else a random one per run). The children get RASA_URL and RASA_TOKEN
of the Rasa server started here, and the carriers' API URLs, credentials and webhook secrets of
the demo carrier service (each only where the environment does not set its own), so the action
server and the poller ask the demo carriers and the gateway verifies their webhooks. Each
process logs to var/log/<name>.log.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from model_fingerprint import ROOT
from supervisor import (
    Service,
    ServiceFailed,
    first_exited,
    log_tail,
    start,
    stop_all,
    wait_until_ready,
)
from train_model import RASA, TrainingFailed, ensure_model, rasa_environment

if str(ROOT) not in sys.path:  # the project's packages, for the settings and the demo orders
    sys.path.insert(0, str(ROOT))

from delivery.demo.showcase import SHOWCASE_ORDERS
from delivery.settings import Settings, load_settings
from democarrier.settings import (
    DEFAULT_DEMO_CARRIER_PORT,
    DEMO_CREDENTIALS,
    demo_api_urls,
    load_demo_settings,
)

LOG_DIR = ROOT / "var" / "log"
DEFAULT_RASA_PORT = 5005
DEFAULT_ACTION_SERVER_PORT = 5055
LOOPBACK = "127.0.0.1"


class Stop(Exception):
    """SIGINT or SIGTERM arrived: stop everything and exit 0."""


class StepFailed(Exception):
    """A preparation step failed; the message says which and shows its output."""


@dataclass(frozen=True)
class Ports:
    gateway: int
    rasa: int
    actions: int
    carriers: int = DEFAULT_DEMO_CARRIER_PORT


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def _say(message: str = "", *, end: str = "\n") -> None:
    print(message, end=end, flush=True)


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.rstrip().splitlines())


def run_step(title: str, *args: str) -> None:
    """Run ``python -m delivery <args>`` and show its output, indented."""
    _say(f"==> {title}")
    result = subprocess.run(
        [sys.executable, "-m", "delivery", *args],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        raise StepFailed(
            f"`python -m delivery {' '.join(args)}` failed (exit code {result.returncode}):\n"
            + _indent(output or "(no output)")
        )
    if output:
        _say(_indent(output))


def port_in_use(port: int, host: str = LOOPBACK) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def check_ports_free(ports: Ports) -> None:
    for name, port in (
        ("GATEWAY_PORT", ports.gateway),
        ("RASA_PORT", ports.rasa),
        ("ACTION_SERVER_PORT", ports.actions),
        ("DEMO_CARRIER_PORT", ports.carriers),
    ):
        if port_in_use(port):
            raise StepFailed(
                f"port {port} ({name}) is already in use - is another `make run` still running?"
                f" Stop it, or choose another port: {name}=<port> make run"
            )


def endpoints_file(
    action_port: int,
    *,
    source: Path = ROOT / "endpoints.yml",
    run_dir: Path = ROOT / "var" / "run",
) -> Path:
    """endpoints.yml, or a copy in ``run_dir`` pointing at a non-default action server port."""
    if action_port == DEFAULT_ACTION_SERVER_PORT:
        return source
    default_url = f"http://{LOOPBACK}:{DEFAULT_ACTION_SERVER_PORT}/webhook"
    text = source.read_text(encoding="utf-8")
    if default_url not in text:
        raise StepFailed(f"{source.name} no longer contains {default_url}; cannot change its port")
    target = run_dir / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        text.replace(default_url, f"http://{LOOPBACK}:{action_port}/webhook"), encoding="utf-8"
    )
    return target


def carrier_environment(ports: Ports) -> dict[str, str]:
    """The demo carriers' API URLs, credentials and webhook secrets, so that the adapters (in
    the gateway and the action server) and the demo carrier service agree; a variable already
    set in the environment is kept."""
    demo = {**demo_api_urls(ports.carriers, LOOPBACK), **DEMO_CREDENTIALS}
    return {name: os.environ.get(name) or value for name, value in demo.items()}


def build_services(settings: Settings, ports: Ports, model: Path, token: str) -> list[Service]:
    """The long-running processes, in the order they are started and awaited.

    Rasa comes last: it takes longest to load its model, and the gateway does not need it to
    start, so the times shown for the others are their own.
    """
    shared = {
        "RASA_URL": f"http://{LOOPBACK}:{ports.rasa}",
        "RASA_TOKEN": token,
        "ACTION_SERVER_PORT": str(ports.actions),
        "GATEWAY_PORT": str(ports.gateway),
    }
    carriers = carrier_environment(ports)
    python = sys.executable
    actions_command = [python, "-m", "rasa_sdk", "--actions", "actions"]
    actions_command += ["--port", str(ports.actions)]
    rasa_command = [
        str(RASA), "run",
        "--enable-api", f"--auth-token={token}",
        "--model", str(model),
        "--interface", LOOPBACK, "--port", str(ports.rasa),
        "--endpoints", str(endpoints_file(ports.actions)),
        "--credentials", str(ROOT / "credentials.yml"),
    ]  # fmt: skip
    gateway_command = [
        python, "-m", "uvicorn", "--factory", "bot.app:create_app",
        "--host", settings.gateway_host, "--port", str(ports.gateway),
    ]  # fmt: skip
    carriers_command = [python, "-m", "democarrier"]
    quoted_token = urllib.parse.quote(token, safe="")
    return [
        Service(
            name="action server",
            command=actions_command,
            health_url=f"http://{LOOPBACK}:{ports.actions}/health",
            log_path=LOG_DIR / "actions.log",
            env={**os.environ, **shared, **carriers},
        ),
        Service(
            name="gateway",
            command=gateway_command,
            health_url=f"http://{LOOPBACK}:{ports.gateway}/health",
            log_path=LOG_DIR / "gateway.log",
            env={**os.environ, **shared, **carriers},
        ),
        Service(
            name="demo carriers",
            command=carriers_command,
            health_url=f"http://{LOOPBACK}:{ports.carriers}/health",
            log_path=LOG_DIR / "demo-carriers.log",
            env={
                **os.environ,
                **shared,
                **carriers,
                "DEMO_CARRIER_HOST": LOOPBACK,
                "DEMO_CARRIER_PORT": str(ports.carriers),
            },
        ),
        Service(
            name="rasa",
            command=rasa_command,
            # /status answers only once the model is loaded, and only with the token.
            health_url=f"http://{LOOPBACK}:{ports.rasa}/status?token={quoted_token}",
            log_path=LOG_DIR / "rasa.log",
            startup_timeout=240.0,
            env={**rasa_environment(), **shared},
        ),
    ]


def poller_service(ports: Ports) -> Service:
    """The carrier poller and overdue sweep, asking the same carriers as the action server."""
    return Service(
        name="carrier poller",
        command=[sys.executable, "-m", "delivery", "carriers", "poll"],
        health_url="",  # no HTTP port: it is up while its process runs (see start_worker)
        log_path=LOG_DIR / "carrier-poller.log",
        env={**os.environ, **carrier_environment(ports)},
    )


def start_worker(service: Service, *, settle_seconds: float = 1.0) -> None:
    """Start a process that answers no health URL; it is up if it is still running after
    ``settle_seconds`` (a bad setting or a missing schema ends it at once)."""
    start(service, cwd=ROOT)
    deadline = time.monotonic() + settle_seconds
    while time.monotonic() < deadline:
        code = service.exit_code()
        if code is not None:
            raise ServiceFailed(service, f"exited with code {code} while starting")
        time.sleep(0.1)
    _say(f"==> {service.name} started")


def start_and_wait(services: list[Service]) -> None:
    """Start all at once, then wait for each in turn, with a dot a second."""
    names = ", ".join(s.name for s in services)
    _say(f"==> starting {names} (logs in {LOG_DIR.relative_to(ROOT)}/)")
    for service in services:
        start(service, cwd=ROOT)
    width = max(len(s.name) for s in services)
    for service in services:
        _say(f"    {service.name:<{width}}  ", end="")
        ticks = 0

        def dot() -> None:
            nonlocal ticks
            ticks += 1
            if ticks % 2 == 0:  # one dot a second
                _say(".", end="")

        try:
            seconds = wait_until_ready(service, on_tick=dot)
        except BaseException:
            _say()
            raise
        _say(f" up after {seconds:.1f} s")


def print_welcome(settings: Settings, ports: Ports, token: str) -> None:
    gateway = f"http://{settings.gateway_host}:{ports.gateway}"
    token_note = (
        "token from RASA_TOKEN" if os.environ.get("RASA_TOKEN") else f"token for this run: {token}"
    )
    telegram = (
        "on (the gateway connects the bot of TELEGRAM_BOT_TOKEN)"
        if settings.telegram_bot_token
        else "off (set TELEGRAM_BOT_TOKEN to connect a Telegram bot)"
    )
    logs = ", ".join(
        f"var/log/{name}.log"
        for name in ("gateway", "rasa", "actions", "demo-carriers", "carrier-poller")
    )
    rows = [("Demo shop + chat widget", f"{gateway}/"), ("Chat in a terminal", "make chat")]
    rows.append(
        ("Staff console", f"{gateway}/agent  (logins: python -m delivery staff add-user <name>)")
    )
    rows += [
        ("Rasa HTTP API", f"http://{LOOPBACK}:{ports.rasa}  ({token_note})"),
        ("Action server", f"http://{LOOPBACK}:{ports.actions}/health"),
        (
            "Demo carriers",
            f"http://{LOOPBACK}:{ports.carriers}/  (Swift Parcels and Boreal Express: parcels"
            " move on and the gateway hears it by webhook)",
        ),
        (
            "Carrier poller",
            f"every {settings.carrier_poll_seconds:g} s: asks the carriers about parcels not asked"
            f" about for {settings.carrier_poll_min_age_seconds:g} s, queues overdue delay notices",
        ),
        ("Logs", logs),
        ("Telegram", telegram),
    ]
    _say("\nThe delivery assistant is running.\n")
    for label, value in rows:
        _say(f"  {label:<24}  {value}")
    _say("\nDemo orders to try (order number, then the e-mail or the postcode):")
    for order in SHOWCASE_ORDERS:
        _say(f"  {order.number}  {order.email:<28} {order.postcode:<9} {order.story}")
    _say("\nPress Ctrl-C to stop.")


def shutdown(services: list[Service]) -> None:
    """Stop every started service; a second Ctrl-C must not interrupt this (SIGKILL follows)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    stop_all(services)


def describe_exit(code: int) -> str:
    """'exited with code 1', or 'was killed by SIGKILL' for a negative (signal) code."""
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


def watch(services: list[Service]) -> None:
    """Return never; raise ServiceFailed as soon as one of the services ends."""
    while True:
        ended = first_exited(services)
        if ended is not None:
            _say()
            raise ServiceFailed(ended, describe_exit(ended.exit_code() or 0))
        time.sleep(0.5)


def read_ports(settings: Settings) -> Ports:
    rasa_port = int(os.environ.get("RASA_PORT", str(DEFAULT_RASA_PORT)))
    return Ports(
        gateway=settings.gateway_port,
        rasa=rasa_port,
        actions=settings.action_server_port,
        carriers=load_demo_settings().port,
    )


def main() -> int:
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    services: list[Service] = []
    try:
        settings = load_settings()
        ports = read_ports(settings)
        check_ports_free(ports)
        run_step("bringing the database schema up to date", "migrate")
        run_step("loading the demo data (only into an empty database)", "seed-demo", "--if-empty")
        model = ensure_model()
        token = os.environ.get("RASA_TOKEN") or secrets.token_urlsafe(24)
        services = build_services(settings, ports, model, token)
        start_and_wait(services)
        poller = poller_service(ports)
        services.append(poller)
        start_worker(poller)
        print_welcome(settings, ports, token)
        watch(services)
    except Stop as stop:
        _say(f"\n==> {stop} received: stopping")
        shutdown(services)
        _say("==> stopped")
        return 0
    except ServiceFailed as failure:
        _say(f"error: {failure}. The end of {failure.service.log_path.relative_to(ROOT)}:")
        _say(_indent(log_tail(failure.service.log_path)))
        _say("==> stopping the other processes")
        shutdown(services)
        return 1
    except (StepFailed, TrainingFailed) as failure:
        _say(f"error: {failure}")
        shutdown(services)
        return 1
    return 0  # pragma: no cover - watch() only ends by raising


if __name__ == "__main__":
    sys.exit(main())
