"""One import: validate the whole file, then (unless a dry run) load it, in one transaction."""

from __future__ import annotations

import datetime as dt
import logging
from typing import IO

from sqlalchemy.orm import Session

from delivery.clock import utcnow
from delivery.importer.loader import load_document
from delivery.importer.progress import DEFAULT_PROGRESS_EVERY, ProgressCallback
from delivery.importer.report import ImportReport
from delivery.importer.validation import validate_document

logger = logging.getLogger(__name__)


def import_orders(
    stream: IO[bytes],
    session: Session,
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    on_progress: ProgressCallback | None = None,
    progress_every: int = DEFAULT_PROGRESS_EVERY,
) -> ImportReport:
    """Validate and load an order file (binary, seekable) within the caller's transaction.

    Raises :class:`~delivery.importer.errors.ImportRejected` with every error when the file is
    invalid; nothing has been written then. The caller commits (or, on a dry run, need not).
    """
    summary = validate_document(
        stream, session, on_progress=on_progress, progress_every=progress_every
    )
    report = ImportReport(dry_run=dry_run, validated=summary)
    if dry_run:
        return report
    load_document(
        stream,
        session,
        report,
        now=now or utcnow(),
        on_progress=on_progress,
        progress_every=progress_every,
    )
    logger.info("imported %d orders (%d warnings)", summary.orders, report.warning_count)
    return report
