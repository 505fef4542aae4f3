"""Staff password hashes: scrypt with a per-password salt, compared in constant time.

A stored hash is ``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>``: the cost parameters travel with
each hash, so raising them later leaves existing passwords verifiable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
#: scrypt's cost (CPU/memory), block size and parallelism: about 16 MiB and tens of ms a hash.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
#: Refuse stored parameters beyond this memory (128 * r * n bytes): a tampered row must not
#: make one login allocate gigabytes.
_MAX_MEMORY = 64 * 1024 * 1024


def _scrypt(plain: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        plain.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=2 * _MAX_MEMORY
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(plain: str) -> str:
    """A new salted hash of ``plain`` in the stored format."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(plain, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
    return f"{SCHEME}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(plain: str, stored: str) -> bool:
    """Whether ``plain`` matches ``stored``; False for any malformed stored value."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return False
    try:
        n, r, p = (int(part) for part in parts[1:4])
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        return False
    if not _sane(n, r, p) or not salt or not 16 <= len(expected) <= 64:
        return False
    try:
        actual = _scrypt(plain, salt, n, r, p, len(expected))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


def _sane(n: int, r: int, p: int) -> bool:
    """Parameters scrypt accepts and that stay within the memory bound."""
    power_of_two = n > 1 and n & (n - 1) == 0
    return power_of_two and 0 < r <= 64 and 0 < p <= 16 and 128 * r * n <= _MAX_MEMORY
