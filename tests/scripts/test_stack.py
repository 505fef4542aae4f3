from __future__ import annotations

import socket
from pathlib import Path

import pytest
from model_fingerprint import ROOT
from stack import (
    Ports,
    StepFailed,
    build_services,
    carrier_environment,
    check_ports_free,
    describe_exit,
    endpoints_file,
    print_welcome,
)

from delivery.demo.showcase import SHOWCASE_ORDERS
from delivery.settings import Settings
from democarrier.settings import DEMO_CREDENTIALS


def test_the_default_action_server_port_uses_endpoints_yml_as_it_is(tmp_path: Path) -> None:
    assert endpoints_file(5055, run_dir=tmp_path) == ROOT / "endpoints.yml"
    assert not list(tmp_path.iterdir())


def test_another_action_server_port_gets_a_copy_of_endpoints_yml(tmp_path: Path) -> None:
    copy = endpoints_file(6055, run_dir=tmp_path)
    assert copy == tmp_path / "endpoints.yml"
    assert 'url: "http://127.0.0.1:6055/webhook"' in copy.read_text()
    assert "5055" not in copy.read_text().replace("other than 5055", "")


def test_an_edited_endpoints_yml_is_refused_rather_than_ignored(tmp_path: Path) -> None:
    source = tmp_path / "endpoints.yml"
    source.write_text("action_endpoint:\n  url: http://actions:5055/webhook\n")
    with pytest.raises(StepFailed, match="cannot change its port"):
        endpoints_file(6055, source=source, run_dir=tmp_path / "run")


def test_a_port_in_use_is_reported_with_its_variable() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        busy = int(listener.getsockname()[1])
        with pytest.raises(StepFailed, match=f"port {busy} \\(RASA_PORT\\) is already in use"):
            check_ports_free(Ports(gateway=busy + 1, rasa=busy, actions=busy + 2))


def test_the_demo_carrier_port_is_checked_too() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        busy = int(listener.getsockname()[1])
        with pytest.raises(StepFailed, match=f"port {busy} \\(DEMO_CARRIER_PORT\\)"):
            check_ports_free(Ports(busy + 1, rasa=busy + 2, actions=busy + 3, carriers=busy))


def test_services_share_the_rasa_address_and_token() -> None:
    services = build_services(
        Settings(), Ports(gateway=8001, rasa=5006, actions=5055), Path("m.tar.gz"), "secret"
    )
    assert [s.name for s in services] == ["action server", "gateway", "demo carriers", "rasa"]
    for service in services:
        assert service.env is not None
        assert service.env["RASA_URL"] == "http://127.0.0.1:5006"
        assert service.env["RASA_TOKEN"] == "secret"
    rasa = services[3]
    assert rasa.health_url == "http://127.0.0.1:5006/status?token=secret"
    assert rasa.env is not None and rasa.env["RASA_TELEMETRY_ENABLED"] == "false"


def test_the_demo_carriers_and_their_clients_share_urls_credentials_and_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (*DEMO_CREDENTIALS, "SWIFT_API_URL", "BOREAL_API_URL"):
        monkeypatch.delenv(name, raising=False)
    ports = Ports(gateway=8001, rasa=5006, actions=5055, carriers=8111)
    actions, gateway, carriers, rasa = build_services(Settings(), ports, Path("m.tar.gz"), "tok")
    assert carriers.command[-2:] == ["-m", "democarrier"]
    assert carriers.health_url == "http://127.0.0.1:8111/health"
    assert carriers.env is not None and carriers.env["DEMO_CARRIER_PORT"] == "8111"
    assert carriers.env["GATEWAY_PORT"] == "8001"  # where its webhooks go
    for service in (actions, gateway, carriers):
        assert service.env is not None
        assert service.env["SWIFT_API_URL"] == "http://127.0.0.1:8111/swift"
        assert service.env["BOREAL_API_URL"] == "http://127.0.0.1:8111/boreal"
        for name, value in DEMO_CREDENTIALS.items():
            assert service.env[name] == value
    assert rasa.env is not None and "SWIFT_WEBHOOK_SECRET" not in rasa.env


def test_carrier_settings_already_in_the_environment_are_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SWIFT_WEBHOOK_SECRET", "mine")
    monkeypatch.setenv("BOREAL_API_URL", "https://api.boreal.example")
    env = carrier_environment(Ports(gateway=8000, rasa=5005, actions=5055))
    assert env["SWIFT_WEBHOOK_SECRET"] == "mine"
    assert env["BOREAL_API_URL"] == "https://api.boreal.example"
    assert env["SWIFT_API_URL"] == "http://127.0.0.1:8100/swift"


def test_the_welcome_lists_every_demo_order_and_says_telegram_is_off(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("RASA_TOKEN", raising=False)
    print_welcome(Settings(), Ports(gateway=8000, rasa=5005, actions=5055), "tok")
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/" in out
    assert "Staff console             http://127.0.0.1:8000/agent" in out
    assert "Demo carriers             http://127.0.0.1:8100/  (Swift Parcels" in out
    assert "var/log/demo-carriers.log" in out
    assert "token for this run: tok" in out
    assert "Telegram" in out and "off (set TELEGRAM_BOT_TOKEN" in out
    for order in SHOWCASE_ORDERS:
        assert f"{order.number}  {order.email}" in out


def test_the_welcome_says_telegram_is_on_when_a_token_is_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("RASA_TOKEN", "from-env")
    print_welcome(Settings(), Ports(gateway=8000, rasa=5005, actions=5055), "from-env")
    out = capsys.readouterr().out
    assert "on (the gateway connects" in out
    assert "from-env" not in out  # a token the user chose is not echoed


def test_an_exit_by_signal_is_named() -> None:
    assert describe_exit(1) == "exited with code 1"
    assert describe_exit(-9) == "was killed by SIGKILL"
