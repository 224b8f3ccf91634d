"""decision letters: the PDF produced when a decision is validated

Revision ID: 0005_decision_letter
Revises: 0004_reminders
Create Date: 2026-12-06 08:15:00

`candidature.decision_letter_sha256` names the letter's FileBlob. Decisions
validated before this revision keep NULL: they have no letter, and the
screens say so.

SQLite cannot add a foreign key with ALTER TABLE ADD CONSTRAINT, and a batch
copy of `candidature` would drop the table under `PRAGMA foreign_keys=ON`
(cascading to its pieces): there the column is added with its REFERENCES
clause, which SQLite accepts for a column whose default is NULL.
"""

import sqlalchemy as sa
from alembic import op

revision = '0005_decision_letter'
down_revision = '0004_reminders'
branch_labels = None
depends_on = None

_INDEX = "ix_candidature_decision_letter_sha256"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE candidature ADD COLUMN decision_letter_sha256 VARCHAR(64) "
                   "REFERENCES file_blob (sha256)")
    else:
        op.add_column("candidature", sa.Column("decision_letter_sha256", sa.String(length=64), nullable=True))
        op.create_foreign_key("candidature_decision_letter_sha256_fkey", "candidature", "file_blob",
                              ["decision_letter_sha256"], ["sha256"])
    op.create_index(_INDEX, "candidature", ["decision_letter_sha256"])


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="candidature")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE candidature DROP COLUMN decision_letter_sha256")
    else:
        op.drop_constraint("candidature_decision_letter_sha256_fkey", "candidature", type_="foreignkey")
        op.drop_column("candidature", "decision_letter_sha256")
