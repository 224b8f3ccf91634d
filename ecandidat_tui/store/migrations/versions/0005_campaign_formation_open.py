"""a formation open or closed to new candidatures

Revision ID: 0005_campaign_formation_open
Revises: 0005_decision_letter
Create Date: 2026-12-06 08:20:00

`formation.ouverte`: False closes a formation to new candidatures whatever
its dates (staff console, Campagne; the catalog import's `ouverte` field).
Existing rows stay open.
"""

import sqlalchemy as sa
from alembic import op

revision = '0005_campaign_formation_open'
down_revision = '0005_decision_letter'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both engines: SQLite's batch mode copies the table, and
# dropping `formation` while candidatures refer to it breaks their foreign keys.


def upgrade() -> None:
    op.add_column("formation", sa.Column("ouverte", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE formation DROP COLUMN ouverte")
    else:
        op.drop_column("formation", "ouverte")
