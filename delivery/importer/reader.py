"""Streaming the order file with ijson: items one at a time, never the whole document.

:func:`scan` walks the document once, yields each item of the three sections with its index,
and records the document's top-level shape (its keys and a skeleton of their values) for the
top-level checks. :func:`iter_items` streams the items of one section again for loading.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import ijson
from ijson.common import ObjectBuilder

SECTIONS = ("carriers", "pickup_points", "orders")
_ITEM_PREFIXES = {f"{section}.item": section for section in SECTIONS}
_STARTS = frozenset({"start_map", "start_array"})
_ENDS = frozenset({"end_map", "end_array"})


class InvalidJson(Exception):
    """The file is not well-formed JSON; ``line`` and ``column`` are 1-based."""

    def __init__(self, reason: str, line: int, column: int) -> None:
        super().__init__(f"invalid JSON near line {line}, column {column}: {reason}")
        self.reason = reason
        self.line = line
        self.column = column


@dataclass
class DocumentShape:
    """The top level of the document: its JSON type, keys, and a skeleton of their values.

    In the skeleton, arrays and objects are empty (their items are checked one by one) and
    scalars are kept, so the document's schema can check required keys and types cheaply.
    """

    root_type: str | None = None
    keys: list[str] = field(default_factory=list)
    skeleton: dict[str, Any] = field(default_factory=dict)


def scan(stream: IO[bytes], shape: DocumentShape) -> Iterator[tuple[str, int, Any]]:
    """Yield (section, index, item) for every item; fill ``shape`` on the way.

    Raises :class:`InvalidJson` at the first syntax error.
    """
    tracker = _PositionTracker(stream)
    try:
        yield from _walk(ijson.parse(tracker, use_float=True), shape)
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise tracker.invalid_json(str(exc)) from None


def iter_items(stream: IO[bytes], section: str) -> Iterator[Any]:
    """The items of one section, streamed from the start of the (already validated) file."""
    stream.seek(0)
    yield from ijson.items(stream, f"{section}.item", use_float=True)


def _walk(events: Iterator[tuple[str, str, Any]], shape: DocumentShape) -> Iterator[Any]:
    counters = dict.fromkeys(SECTIONS, 0)
    array_sections: set[str] = set()
    builder: ObjectBuilder | None = None
    depth = 0
    section = ""
    current_key: str | None = None
    for prefix, event, value in events:
        if builder is not None:  # inside an item: the hot path
            builder.event(event, value)
            if event in _STARTS:
                depth += 1
            elif event in _ENDS:
                depth -= 1
                if depth == 0:
                    yield section, counters[section], builder.value
                    counters[section] += 1
                    builder = None
            continue
        if shape.root_type is None:
            shape.root_type = _json_type(event, value)
            if event != "start_map":
                return
            continue
        if prefix == "":
            if event == "map_key":
                current_key = value
                shape.keys.append(value)
            continue
        item_section = _ITEM_PREFIXES.get(prefix)
        if item_section is not None and item_section in array_sections:
            section = item_section
            if event in _STARTS:
                builder = ObjectBuilder()
                builder.event(event, value)
                depth = 1
            else:  # a scalar where an object belongs: the schema will say so
                yield section, counters[section], value
                counters[section] += 1
            continue
        if prefix == current_key and current_key not in shape.skeleton:
            shape.skeleton[current_key] = _skeleton(event, value)
            if event == "start_array" and current_key in counters:
                array_sections.add(current_key)


def _skeleton(event: str, value: Any) -> Any:
    if event == "start_map":
        return {}
    if event == "start_array":
        return []
    return value


def _json_type(event: str, value: Any) -> str:
    if event == "start_map":
        return "object"
    if event == "start_array":
        return "array"
    if event in {"number", "integer", "double"}:
        return "number"
    return {"string": "string", "boolean": "boolean", "null": "null"}.get(event, event)


class _PositionTracker:
    """A file wrapper that remembers where each chunk ijson reads starts, to locate errors.

    yajl reports an error with up to 30 characters of context either side of it (newlines
    shown as spaces) and a caret; finding that context in the chunk being parsed gives the
    byte offset, and the newlines counted so far give the line and column.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._chunk = b""
        self._chunk_start = 0
        self._lines_before = 0
        self._line_start = 0  # offset just after the last newline before the chunk

    def read(self, size: int = -1) -> bytes:
        if b"\n" in self._chunk:
            self._line_start = self._chunk_start + self._chunk.rindex(b"\n") + 1
            self._lines_before += self._chunk.count(b"\n")
        self._chunk_start += len(self._chunk)
        self._chunk = self._stream.read(size)
        return self._chunk

    def invalid_json(self, message: str) -> InvalidJson:
        reason, _, context = message.partition("\n")
        offset = self._offset_in_chunk(context)
        before = self._chunk[:offset]
        line = self._lines_before + before.count(b"\n") + 1
        line_start = (
            self._chunk_start + before.rindex(b"\n") + 1 if b"\n" in before else self._line_start
        )
        column = self._chunk_start + offset - line_start + 1
        return InvalidJson(reason.strip() or message.strip(), line, column)

    def _offset_in_chunk(self, context: str) -> int:
        lines = context.split("\n")
        if len(lines) < 2 or "^" not in lines[1]:
            return len(self._chunk)
        caret = lines[1].index("^")
        before = lines[0][:caret].lstrip(" ")
        needle = (before + lines[0][caret:]).encode("utf-8", "replace")
        haystack = self._chunk.replace(b"\n", b" ").replace(b"\r", b" ")
        found = haystack.find(needle) if needle else -1
        if found < 0:
            # Not found (e.g. context cut inside a multi-byte character): point at the chunk.
            return 0 if needle else len(self._chunk)
        return found + len(before.encode("utf-8", "replace"))
