"""safe display names for stored files

Revision ID: 0002_safe_file_names
Revises: 0002_secrets_login_attempt
Create Date: 2026-12-06 07:20:00

`piece_submission.file_name` is shown on the candidate's and the staff's
screens, in the CSV export, the PDF dossier and the log. Files attached
before this revision kept the name as chosen: one holding an escape
sequence or a bidi override is rewritten to its safe display name (the same
`safe_text` the upload now applies). Data only, the schema is unchanged.
"""

import sqlalchemy as sa
from alembic import op

from ecandidat_tui.display import is_safe, safe_text

revision = '0002_safe_file_names'
down_revision = '0002_secrets_login_attempt'
branch_labels = None
depends_on = None

_pieces = sa.table("piece_submission", sa.column("id", sa.Integer), sa.column("file_name", sa.String))


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(_pieces.c.id, _pieces.c.file_name).where(_pieces.c.file_name.is_not(None)))
    unsafe = [(row.id, row.file_name) for row in rows if not is_safe(row.file_name)]
    for piece_id, name in unsafe:
        conn.execute(sa.update(_pieces).where(_pieces.c.id == piece_id).values(file_name=safe_text(name)[:255]))


def downgrade() -> None:
    pass  # the unsafe names are not kept: nothing to restore
