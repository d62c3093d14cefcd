"""login attempts per user name and address replace the per-account failure counter

Revision ID: 959220bcef53
Revises: b8fcce141618
Create Date: 2026-12-01 22:43:40.883215

"""
from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = '959220bcef53'
down_revision = 'b8fcce141618'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('locked_until', registry.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('updated_at', registry.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts')),
        sa.UniqueConstraint('username', 'address', name=op.f('uq_login_attempts_username_address')),
    )
    op.create_index(op.f('ix_login_attempts_updated_at'), 'login_attempts', ['updated_at'], unique=False)
    # Running locks are not carried over: they ended at most 15 minutes later anyway.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('locked_until')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', registry.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
    op.drop_index(op.f('ix_login_attempts_updated_at'), table_name='login_attempts')
    op.drop_table('login_attempts')
