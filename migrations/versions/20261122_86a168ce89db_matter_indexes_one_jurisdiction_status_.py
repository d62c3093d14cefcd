"""matter indexes: one (jurisdiction, status) instead of three single-column ones

Revision ID: 86a168ce89db
Revises: 76498431df86
Create Date: 2026-11-22 21:39:20.390669

"""
from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = '86a168ce89db'
down_revision = '76498431df86'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matters_category'))
        batch_op.drop_index(batch_op.f('ix_matters_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_matters_status'))
        batch_op.create_index('ix_matters_jurisdiction_id_status', ['jurisdiction_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.drop_index('ix_matters_jurisdiction_id_status')
        batch_op.create_index(batch_op.f('ix_matters_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_matters_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matters_category'), ['category'], unique=False)
