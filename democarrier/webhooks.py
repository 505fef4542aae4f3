"""The webhook deliveries a tick's changes make, in each carrier's shape.

Swift posts one event per delivery; Boreal one batch per tick with every parcel's rows. A
delivery's body is fixed when it is made, so a retry sends the same bytes (and the same ids:
the gateway counts a replay as duplicates).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from democarrier import boreal_shape, swift_shape
from democarrier.simulation import Change


@dataclass(frozen=True)
class Delivery:
    carrier: str
    delivery_id: str
    body: bytes  # exactly what is signed and sent
    events: int


def encode(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


class WebhookWriter:
    """Numbers the deliveries it writes (ids stay unique within a run and across runs)."""

    def __init__(self) -> None:
        self._numbers = itertools.count(1)

    def deliveries(self, changes: Sequence[Change], now: dt.datetime) -> list[Delivery]:
        stamp = now.astimezone(dt.UTC)
        made: list[Delivery] = []
        for change in changes:
            if change.parcel.carrier.code != "swift":
                continue
            delivery_id = f"whk_demo_{stamp:%Y%m%d%H%M%S}_{next(self._numbers):05d}"
            document = swift_shape.webhook(
                delivery_id, change.event, change.parcel, change.eta, stamp
            )
            made.append(Delivery("swift", delivery_id, encode(document), 1))
        rows = [
            boreal_shape.batch_row(change.event, change.parcel, change.eta)
            for change in changes
            if change.parcel.carrier.code == "boreal"
        ]
        if rows:
            batch_id = f"bxwh-{stamp:%Y%m%d-%H%M%S}-{next(self._numbers):04d}"
            document = boreal_shape.batch(batch_id, rows, stamp)
            made.append(Delivery("boreal", batch_id, encode(document), len(rows)))
        return made
