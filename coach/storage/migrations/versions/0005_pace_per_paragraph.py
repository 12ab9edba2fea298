"""A rehearsal may carry its pace per paragraph: ``rehearsals.paragraphs``.

A run on the rehearsal stage knows how long each paragraph was on screen, so the history can
show where the speaker rushed or dragged. Recordings and stopwatch runs leave it empty.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("rehearsals") as batch:
        batch.add_column(sa.Column("paragraphs", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rehearsals") as batch:
        batch.drop_column("paragraphs")
