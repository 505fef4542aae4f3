"""The gateway's own sentences: every language has every one, English is the fallback."""

from __future__ import annotations

import pytest

from bot.gateway_texts import LANGUAGES, GatewayText, gateway_text, language_code


def test_every_language_has_every_text() -> None:
    assert {"en", "it", "pl", "fi", "ar"} == LANGUAGES
    for language in LANGUAGES:
        texts = [gateway_text(key, language, limit=99, name="Maria") for key in GatewayText]
        assert all(texts)
        assert len(set(texts)) == len(texts)
        if language != "en":
            assert texts != [gateway_text(key, "en", limit=99, name="Maria") for key in GatewayText]


@pytest.mark.parametrize(
    ("given", "code"),
    [("it", "it"), ("it-IT", "it"), ("PL_pl", "pl"), (" fi ", "fi"), ("ar-EG", "ar"),
     ("de", "en"), ("", "en"), (None, "en"), (42, "en")],
)  # fmt: skip
def test_language_codes(given: object, code: str) -> None:
    assert language_code(given) == code


def test_the_size_limit_is_named() -> None:
    assert "2000" in gateway_text(GatewayText.TOO_LONG, "it", limit=2000)
    assert gateway_text(GatewayText.ONE_MOMENT, "xx") == gateway_text(GatewayText.ONE_MOMENT)
