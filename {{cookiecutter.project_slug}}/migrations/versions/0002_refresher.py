"""refresher: sweep records, SQLite refresh leases

Revision ID: 0002_refresher
Revises: 0001_initial
Create Date: 2026-11-28 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_refresher'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refresh_locked_until', sa.DateTime(), nullable=True))
    op.create_table('refresher_sweeps',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=False),
    sa.Column('claimed', sa.Integer(), nullable=False),
    sa.Column('refreshed', sa.Integer(), nullable=False),
    sa.Column('needs_reauth', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('released', sa.Integer(), nullable=False),
    sa.Column('failures_by_reason', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('refresher_sweeps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refresher_sweeps_started_at'), ['started_at'], unique=False)


def downgrade():
    with op.batch_alter_table('refresher_sweeps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refresher_sweeps_started_at'))
    op.drop_table('refresher_sweeps')
    with op.batch_alter_table('connections', schema=None) as batch_op:
        batch_op.drop_column('refresh_locked_until')
