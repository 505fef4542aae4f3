"""Carriers: one adapter interface over each carrier's HTTP API and webhooks, the status
mapping, resilient HTTP, and applying what carriers report to shipments.

See docs/carriers-design.md. Modules: :mod:`.adapter` (the interface; values and errors from
:mod:`.values` and :mod:`.errors`), :mod:`.swift` and :mod:`.boreal` (the adapters),
:mod:`.mapping`, :mod:`.http` and :mod:`.breaker`, :mod:`.registry`, :mod:`.refresh`,
:mod:`.webhooks` and :mod:`.signatures`.
"""

from delivery.carriers.adapter import CarrierAdapter
from delivery.carriers.errors import (
    CarrierError,
    CarrierRejected,
    CarrierResponseInvalid,
    CarrierUnavailable,
    CarrierUnsupported,
    InvalidPayload,
    PayloadProblem,
)
from delivery.carriers.values import TrackingSnapshot

__all__ = [
    "CarrierAdapter",
    "CarrierError",
    "CarrierRejected",
    "CarrierResponseInvalid",
    "CarrierUnavailable",
    "CarrierUnsupported",
    "InvalidPayload",
    "PayloadProblem",
    "TrackingSnapshot",
]
