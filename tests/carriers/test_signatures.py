"""Webhook signatures: HMAC-SHA256 of the exact body, ``sha256=<hex>``."""

from __future__ import annotations

import hashlib
import hmac

from delivery.carriers.signatures import sign, verify

SECRET = b"whsec_test_9f8e7d"
BODY = b'{"id": "whk_1", "type": "tracking.updated"}'


def test_sign_is_hmac_sha256_hex() -> None:
    expected = hmac.new(SECRET, BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, BODY) == f"sha256={expected}"


def test_verify_accepts_the_signature_and_nothing_else() -> None:
    good = sign(SECRET, BODY)
    assert verify(SECRET, BODY, good)
    assert verify(SECRET, BODY, good.upper().replace("SHA256=", "sha256="))  # hex case-insensitive
    assert verify(SECRET, BODY, f"  {good} ")
    assert not verify(SECRET, BODY + b" ", good)  # one byte more
    assert not verify(b"another secret", BODY, good)
    assert not verify(SECRET, BODY, good.replace("sha256=", "sha1="))
    assert not verify(SECRET, BODY, good.removeprefix("sha256="))
    assert not verify(SECRET, BODY, None)
    assert not verify(SECRET, BODY, "")
    assert not verify(SECRET, BODY, "sha256=é")  # not ASCII: refused, not a crash
