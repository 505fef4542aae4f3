"""tracking checks: when the carrier's API was last asked about a shipment (the carrier
poller's queue) and last answered (how fresh its tracking is)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 23:09:55.581490
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import delivery.db.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tracking_checks",
        sa.Column(
            "shipment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("checked_at", delivery.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", delivery.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_tracking_checks_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shipment_id", name=op.f("pk_tracking_checks")),
    )
    with op.batch_alter_table("tracking_checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tracking_checks_checked_at"), ["checked_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tracking_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tracking_checks_checked_at"))

    op.drop_table("tracking_checks")
