"""connections and login states

Revision ID: 0001_initial
Revises: 
Create Date: 2026-11-28 18:30:11.741859

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('connections',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('fsckmsft_user_id', sa.String(length=64), nullable=False),
    sa.Column('fsckmsft_username', sa.String(length=200), nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('workspace_name', sa.String(length=200), nullable=False),
    sa.Column('access_token_ciphertext', sa.Text(), nullable=True),
    sa.Column('refresh_token_ciphertext', sa.Text(), nullable=True),
    sa.Column('scopes', sa.String(length=500), nullable=False),
    sa.Column('access_expires_at', sa.DateTime(), nullable=False),
    sa.Column('refresh_issued_at', sa.DateTime(), nullable=False),
    sa.Column('refresh_due_at', sa.DateTime(), nullable=False),
    sa.Column('refresh_failures', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('fsckmsft_user_id', 'workspace_id', name='uq_connections_user_workspace')
    )
    with op.batch_alter_table('connections', schema=None) as batch_op:
        batch_op.create_index('ix_connections_status_refresh_due_at', ['status', 'refresh_due_at'], unique=False)

    op.create_table('login_states',
    sa.Column('state_hash', sa.String(length=64), nullable=False),
    sa.Column('browser_id', sa.String(length=64), nullable=False),
    sa.Column('code_verifier_ciphertext', sa.Text(), nullable=True),
    sa.Column('next_path', sa.String(length=500), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('state_hash')
    )
    with op.batch_alter_table('login_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_states_expires_at'), ['expires_at'], unique=False)

    


def downgrade():
    
    with op.batch_alter_table('login_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_states_expires_at'))

    op.drop_table('login_states')
    with op.batch_alter_table('connections', schema=None) as batch_op:
        batch_op.drop_index('ix_connections_status_refresh_due_at')

    op.drop_table('connections')
    
