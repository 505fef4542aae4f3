"""Password hashes: salted scrypt, verified in constant time, malformed values refused."""

from __future__ import annotations

import base64
import hashlib

import pytest

from delivery.services.passwords import hash_password, verify_password


def test_a_hash_verifies_its_password_and_no_other() -> None:
    stored = hash_password("correct horse battery")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert not verify_password("", stored)


def test_the_stored_format_carries_its_parameters_and_salt() -> None:
    scheme, n, r, p, salt, digest = hash_password("correct horse battery").split("$")
    assert (scheme, n, r, p) == ("scrypt", str(2**14), "8", "1")
    assert len(base64.b64decode(salt)) == 16
    assert len(base64.b64decode(digest)) == 32


def test_each_hash_has_its_own_salt() -> None:
    first, second = hash_password("same password"), hash_password("same password")
    assert first != second
    assert verify_password("same password", first)
    assert verify_password("same password", second)


def test_unicode_passwords_work() -> None:
    stored = hash_password("pässwörd-密码-🔑")
    assert verify_password("pässwörd-密码-🔑", stored)
    assert not verify_password("passwort-密码-🔑", stored)


def test_a_hash_made_with_other_parameters_still_verifies() -> None:
    # Raising the cost later must not lock out existing accounts.
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"old password", salt=salt, n=2**12, r=8, p=1, dklen=32)
    stored = (
        f"scrypt${2**12}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    )
    assert verify_password("old password", stored)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plain-text-password",
        "bcrypt$2b$12$abc",
        "scrypt$16384$8$1$c2FsdA==",  # a part missing
        "scrypt$x$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==",  # n not a number
        "scrypt$1000$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==",  # n not a power of 2
        "scrypt$1073741824$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==",  # huge memory
        "scrypt$16384$8$1$not base64!$aGFzaGhhc2hoYXNoaGFzaA==",
        "scrypt$16384$8$1$$aGFzaGhhc2hoYXNoaGFzaA==",  # empty salt
        "scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$",  # empty hash
        "scrypt$16384$0$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==",  # r = 0
    ],
)
def test_malformed_stored_values_never_verify(stored: str) -> None:
    assert verify_password("anything at all", stored) is False
