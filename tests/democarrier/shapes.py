"""Comparing JSON documents by shape: the set of member paths, array positions folded."""

from __future__ import annotations

from typing import Any


def paths(document: Any, prefix: str = "$") -> set[str]:
    """'$.shipment.events[].code' for every member anywhere in ``document``."""
    found: set[str] = set()
    if isinstance(document, dict):
        for key, value in document.items():
            path = f"{prefix}.{key}"
            found.add(path)
            found |= paths(value, path)
    elif isinstance(document, list):
        for item in document:
            found |= paths(item, f"{prefix}[]")
    return found
