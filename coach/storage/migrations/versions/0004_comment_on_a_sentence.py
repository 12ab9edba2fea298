"""A comment may be about one sentence: ``comments.quote`` holds that sentence.

Like a comment in a shared document, a trainer can attach a comment to one sentence of the
version they read. The sentence is kept as text (not offsets), so it still reads right when
the participant revises the draft; comments on the whole draft have no quote.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("quote", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("quote")
