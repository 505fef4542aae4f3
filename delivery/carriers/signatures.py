"""Carrier webhook signatures: ``X-Carrier-Signature: sha256=<hex HMAC-SHA256 of the body>``."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Carrier-Signature"
_SCHEME = "sha256"


def sign(secret: bytes, body: bytes) -> str:
    """The header value a carrier sends with ``body`` (also what tests and demos send)."""
    return f"{_SCHEME}={hmac.new(secret, body, hashlib.sha256).hexdigest()}"


def verify(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether ``header`` signs exactly ``body`` with ``secret`` (compared in constant time)."""
    if not header:
        return False
    scheme, _, given = header.strip().partition("=")
    if scheme.strip().lower() != _SCHEME:
        return False
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest().encode()
    return hmac.compare_digest(expected, given.strip().lower().encode())
