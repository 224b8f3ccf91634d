"""reminders sent before the date limite de retour

Revision ID: 0004_reminders
Revises: 0002_safe_file_names
Create Date: 2026-12-06 07:40:00

One row per candidature and delay (in days) whose reminder went to the
outbox: the primary key is what keeps two `ecandidat mail remind` runs from
mailing the same reminder twice.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004_reminders'
down_revision = '0002_safe_file_names'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder_sent",
        sa.Column("candidature_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["candidature_id"], ["candidature.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("candidature_id", "days"),
    )


def downgrade() -> None:
    op.drop_table("reminder_sent")
