"""connections.cooldown_until: a per-connection cool-down that page views honour too

Revision ID: 0003_refresh_cooldown
Revises: 0002_refresher
Create Date: 2026-12-02 07:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_refresh_cooldown'
down_revision = '0002_refresher'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cooldown_until', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('connections', schema=None) as batch_op:
        batch_op.drop_column('cooldown_until')
