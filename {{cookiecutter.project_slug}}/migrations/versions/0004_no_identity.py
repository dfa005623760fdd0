"""connections without an identity endpoint: identity optional, reachability, renewals

Revision ID: 0004_no_identity
Revises: 0003_refresh_cooldown
Create Date: 2026-12-02 07:15:00

The platform documents no identity endpoint, so the user and workspace of a connection
become optional. `reachable_until` says until when a browser may still present the
connection (existing rows get a full 30-day period from the upgrade); `renews_connection_id`
says which connection of the browser a login in progress renews.
"""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004_no_identity'
down_revision = '0003_refresh_cooldown'
branch_labels = None
depends_on = None

IDENTITY_COLUMNS = (
    ('fsckmsft_user_id', 64),
    ('fsckmsft_username', 200),
    ('workspace_id', 64),
    ('workspace_name', 200),
)


def upgrade():
    with op.batch_alter_table('connections', schema=None) as batch_op:
        for name, length in IDENTITY_COLUMNS:
            batch_op.alter_column(name, existing_type=sa.String(length=length), nullable=True)
        batch_op.add_column(sa.Column('reachable_until', sa.DateTime(), nullable=True))
    # Stored as naive UTC, like every other time column (see models.UTCDateTime).
    start = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=30)
    op.execute(sa.text('UPDATE connections SET reachable_until = :start').bindparams(start=start))
    with op.batch_alter_table('connections', schema=None) as batch_op:
        batch_op.alter_column('reachable_until', existing_type=sa.DateTime(), nullable=False)
    with op.batch_alter_table('login_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renews_connection_id', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('login_states', schema=None) as batch_op:
        batch_op.drop_column('renews_connection_id')
    # Rows made without an identity cannot satisfy the old NOT NULL columns.
    op.execute(sa.text('DELETE FROM connections WHERE fsckmsft_user_id IS NULL OR fsckmsft_username IS NULL'
               ' OR workspace_id IS NULL OR workspace_name IS NULL'))
    with op.batch_alter_table('connections', schema=None) as batch_op:
        batch_op.drop_column('reachable_until')
        for name, length in IDENTITY_COLUMNS:
            batch_op.alter_column(name, existing_type=sa.String(length=length), nullable=False)
