"""Short words that actions put inside messages (button titles, timeline stage names).

They live in the domain like every other customer-facing text; the action server receives the
domain with each call. A variation may be conditioned on the ``language`` slot.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk.types import DomainDict


def phrase(domain: DomainDict, response: str, language: str) -> str:
    """The text of ``response`` for ``language``, else its unconditioned variation, else ''."""
    variations: list[dict[str, Any]] = list(domain.get("responses", {}).get(response) or [])
    fallback = ""
    for variation in variations:
        conditions = variation.get("condition") or []
        text = str(variation.get("text") or "")
        if not conditions:
            fallback = fallback or text
        elif any(c.get("name") == "language" and c.get("value") == language for c in conditions):
            return text
    return fallback
