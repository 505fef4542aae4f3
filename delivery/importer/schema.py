"""The import format's JSON Schema (docs/order-import.schema.json) and readable errors from it.

The file in docs/ is the single source of truth: the validators are built from it, and the
messages below only rephrase what it says.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from delivery.importer import values
from delivery.importer.errors import Path
from delivery.settings import PROJECT_ROOT

SCHEMA_PATH = PROJECT_ROOT / "docs" / "order-import.schema.json"

#: The document's sections of items and the schema definition of one item of each.
SECTION_DEFINITIONS = {"carriers": "carrier", "pickup_points": "pickup_point", "orders": "order"}

_TYPE_NAMES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}
_FORMAT_HINTS = {
    "date": "must be a date like 2026-03-04",
    "date-time": "must be a date and time with a UTC offset, like 2026-03-02T10:00:00+01:00",
    "email": "must be an e-mail address",
    "uri": "must be an http(s) URL",
}
_PATTERN_HINTS = {
    "^[A-Z]{3}$": "must be an ISO 4217 currency code in capitals, like EUR",
    "^[A-Z]{2}$": "must be an ISO 3166 country code in capitals, like GB",
    "^([01][0-9]|2[0-3]):[0-5][0-9]$": "must be a time of day like 09:00",
    "^https?://": "must start with http:// or https://",
    "^[a-z]{2,3}(-[A-Za-z0-9]{2,4})?$": "must be a language tag like en or pt-BR",
}


@cache
def load_schema() -> dict[str, Any]:
    with SCHEMA_PATH.open(encoding="utf-8") as file:
        schema: dict[str, Any] = json.load(file)
    return schema


def format_checker() -> FormatChecker:
    """The formats the schema uses, checked strictly (jsonschema's defaults are lenient)."""
    checker = FormatChecker(formats=())
    checker.checks("date")(values.is_date)
    checker.checks("date-time")(values.is_datetime)
    checker.checks("email")(values.is_email)
    checker.checks("uri")(values.is_url)
    return checker


@cache
def document_validator() -> Draft202012Validator:
    """The whole document's schema; used on a skeleton whose item lists are empty."""
    return Draft202012Validator(load_schema(), format_checker=format_checker())


@cache
def item_validator(section: str) -> Draft202012Validator:
    """The schema of one item of ``section`` ("orders" -> the ``order`` definition)."""
    definitions = load_schema()["$defs"]
    item_schema = _inline_refs(definitions[SECTION_DEFINITIONS[section]], definitions)
    return Draft202012Validator(item_schema, format_checker=format_checker())


def _inline_refs(node: Any, definitions: dict[str, Any]) -> Any:
    """Replace each local ``{"$ref": "#/$defs/x"}`` by a copy of ``x`` (the schema is a tree).

    Resolving references on every item costs a third of the validation time; inlined once,
    the same rules apply without the lookups.
    """
    if isinstance(node, list):
        return [_inline_refs(child, definitions) for child in node]
    if not isinstance(node, dict):
        return node
    inlined = {key: _inline_refs(child, definitions) for key, child in node.items()}
    reference = inlined.pop("$ref", None)
    if reference is None:
        return inlined
    target = _inline_refs(definitions[reference.removeprefix("#/$defs/")], definitions)
    if target.keys().isdisjoint(inlined):
        return {**target, **inlined}  # keywords of one schema object all apply, as with $ref
    return {"allOf": [target], **inlined}


def schema_errors(
    validator: Draft202012Validator, instance: Any, base: Path
) -> Iterator[tuple[Path, str]]:
    """Every schema error of ``instance`` as (path, message); paths start at ``base``."""
    for error in validator.iter_errors(instance):
        yield from _describe(error, base)


def _describe(error: ValidationError, base: Path) -> Iterator[tuple[Path, str]]:
    path: Path = base + tuple(error.absolute_path)
    keyword = error.validator
    expected: Any = error.validator_value
    instance: Any = error.instance
    if keyword == "required":
        # jsonschema reports each missing property as its own error, named in the message.
        for name in expected:
            if error.message == f"{name!r} is a required property":
                yield (*path, name), "is required"
                return
    if keyword == "additionalProperties":
        allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        for name in instance:
            if name not in allowed:
                yield (*path, name), "is not an allowed field"
        return
    if keyword == "anyOf":
        # "X or null": report why X failed rather than "not valid under any of the schemas".
        branches = [i for i, branch in enumerate(expected) if branch != {"type": "null"}]
        if len(branches) == 1:
            for sub in error.context or []:
                if sub.schema_path and sub.schema_path[0] == branches[0]:
                    yield from _describe(sub, base)
            return
    yield path, _message(error, keyword, expected)


def _message(error: ValidationError, keyword: Any, expected: Any) -> str:
    if keyword == "type":
        kinds = [expected] if isinstance(expected, str) else list(expected)
        return "must be " + " or ".join(_TYPE_NAMES.get(kind, kind) for kind in kinds)
    if keyword == "enum":
        return "must be one of: " + ", ".join(str(choice) for choice in expected)
    if keyword == "const":
        return f"must be {json.dumps(expected)}"
    if keyword == "format":
        return _FORMAT_HINTS.get(expected, f"must be a valid {expected}")
    if keyword == "pattern":
        return _PATTERN_HINTS.get(expected, f"must match the pattern {expected}")
    if keyword in {"minLength", "minItems"}:
        return (
            "must not be empty"
            if expected == 1
            else f"must have at least {expected} "
            + ("characters" if keyword == "minLength" else "items")
        )
    if keyword == "maxLength":
        return f"must be at most {expected} characters long"
    if keyword == "maxItems":
        return f"must have at most {expected} items"
    if keyword == "minimum":
        return f"must be at least {expected}"
    if keyword == "maximum":
        return f"must be at most {expected}"
    if keyword == "uniqueItems":
        return "must not contain the same value twice"
    return error.message
