"""The audit log of changes made through the assistant, and idempotent replays through it.

Every mutation writes exactly one :class:`AuditEntry` carrying the caller's idempotency key
(unique). Before mutating, a service asks :func:`previous_entry`: if the same key was already
used, the change has been made and the service answers with its outcome instead of changing
anything twice. A key used for a *different* action is a caller bug and raises.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.db.models import AuditEntry


class IdempotencyKeyReused(ValueError):
    """The key was already used for another kind of change."""


def previous_entry(session: Session, idempotency_key: str, action: str) -> AuditEntry | None:
    """The entry a previous call with this key wrote, if any."""
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.idempotency_key == idempotency_key)
    ).one_or_none()
    if entry is not None and entry.action != action:
        raise IdempotencyKeyReused(
            f"idempotency key {idempotency_key!r} was used for {entry.action!r}, not {action!r}"
        )
    return entry


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: int,
    details: dict[str, Any],
    now: dt.datetime,
    idempotency_key: str | None = None,
) -> AuditEntry:
    """Write one audit entry in the caller's transaction."""
    entry = AuditEntry(
        occurred_at=now,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        details=details,
        idempotency_key=idempotency_key,
    )
    session.add(entry)
    session.flush()
    return entry


def history(session: Session, entity_type: str, entity_id: int) -> list[AuditEntry]:
    """Every entry about one entity, oldest first."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.occurred_at, AuditEntry.id)
        )
    )
