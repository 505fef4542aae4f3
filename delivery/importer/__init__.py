"""The order import: a shop's orders as one JSON document (docs/import-format.md).

:func:`import_orders` validates the whole file in a streaming first pass (rejecting it with
every error and its path) and loads it in a second, inside the caller's unit of work. The CLI
(``python -m delivery import``) and the gateway's REST endpoint are thin wrappers around it.
"""

from delivery.importer.errors import FieldError, ImportRejected
from delivery.importer.pipeline import import_orders
from delivery.importer.progress import ImportProgress, Phase
from delivery.importer.report import ImportReport, Tally
from delivery.importer.validation import ValidationSummary

__all__ = [
    "FieldError",
    "ImportProgress",
    "ImportRejected",
    "ImportReport",
    "Phase",
    "Tally",
    "ValidationSummary",
    "import_orders",
]
