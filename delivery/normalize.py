"""Normalised keys for the values customers type: order numbers, e-mails, postcodes, phones.

A customer writes "#100 234", "sw1a1aa" or "+39 333-123 4567"; the shop stored "100234",
"SW1A 1AA" and "00393331234567". Both sides go through the same function and are compared by
key, so formatting never decides whether a customer is recognised.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_NOT_DIGIT = re.compile(r"\D")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

MAX_ORDER_KEY_LENGTH = 64


def order_number_key(raw: str) -> str:
    """'#SO-100 234' -> 'SO100234': upper case, letters and digits only."""
    return _NOT_ALNUM.sub("", fold_accents(raw).upper())[:MAX_ORDER_KEY_LENGTH]


def email_key(raw: str) -> str:
    """E-mail addresses compare case-insensitively and without surrounding blanks."""
    return raw.strip().lower()


def is_plausible_email(raw: str) -> bool:
    return bool(_EMAIL.match(raw.strip()))


def postcode_key(raw: str) -> str:
    """'sw1a 1aa' -> 'SW1A1AA', '00-950' -> '00950': upper case, letters and digits only."""
    return _NOT_ALNUM.sub("", fold_accents(raw).upper())


def phone_key(raw: str) -> str:
    """Digits of an international number, without the '+' or '00' prefix.

    Telegram shares contacts as '393331234567' or '+393331234567'; shops store '+39 333 ...'
    or '0039 333 ...'. All become '393331234567'. Numbers without a country code cannot be
    told apart from others safely, so they keep their digits and simply will not match.
    """
    stripped = raw.strip()
    digits = _NOT_DIGIT.sub("", stripped)
    if not stripped.startswith("+") and digits.startswith("00"):
        digits = digits[2:]
    return digits


def text_key(raw: str) -> str:
    """A place name for matching: 'Kraków ' -> 'krakow', 'São Paulo' -> 'sao paulo'."""
    return " ".join(fold_accents(raw).lower().replace("-", " ").split())


def fold_accents(raw: str) -> str:
    """Drop diacritics (and turn 'ł' into 'l', which Unicode does not decompose)."""
    decomposed = unicodedata.normalize("NFKD", raw.replace("ł", "l").replace("Ł", "L"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
