"""secrets at rest and lockout of unknown logins

Revision ID: 0002_secrets_login_attempt
Revises: 0001_initial
Create Date: 2026-12-06 07:45:00

- `outbox_mail.secrets`: the one-time secrets a pending mail holds in clear,
  masked in its body once it is delivered (mail/dispatch.py);
- mails already delivered: their codes, first passwords and validation links
  are masked now (the lines of the shipped templates); mails still pending
  get them listed in `secrets`, so they are masked once delivered;
- `login_attempt`: failed logins for logins that name no account
  (services/throttle.py).

One-time codes are now looked up by a slow hash (services/security.py): codes
issued before this migration are no longer found; a candidate asks for a new one.
"""

import json
import re

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0002_secrets_login_attempt'
down_revision = '0001_initial'
branch_labels = None
depends_on = None

MASK = "[masqué après envoi]"
_SECRET_LINE = re.compile(r"^((?:Mot de passe|Code d'activation|Code de réinitialisation) : )(.+)$", re.MULTILINE)
_LINK = re.compile(r"(#!validation/)(\S+)")


def upgrade() -> None:
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secrets', sa.Text(), nullable=True))
    op.create_table('login_attempt',
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'key')
    )
    conn = op.get_bind()
    outbox = sa.table('outbox_mail', sa.column('id', sa.Integer), sa.column('body', sa.Text),
                      sa.column('status', sa.String), sa.column('secrets', sa.Text))
    for row_id, body, status in conn.execute(sa.select(outbox.c.id, outbox.c.body, outbox.c.status)).all():
        if status == 'sent':
            masked = _LINK.sub(r"\g<1>" + MASK, _SECRET_LINE.sub(r"\g<1>" + MASK, body))
            if masked != body:
                conn.execute(outbox.update().where(outbox.c.id == row_id).values(body=masked))
        else:  # still to deliver: list its secrets, masked once it is sent
            found = [m.group(2) for m in _SECRET_LINE.finditer(body)] + [m.group(2) for m in _LINK.finditer(body)]
            if found:
                conn.execute(outbox.update().where(outbox.c.id == row_id).values(secrets=json.dumps(found)))


def downgrade() -> None:
    op.drop_table('login_attempt')
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.drop_column('secrets')
