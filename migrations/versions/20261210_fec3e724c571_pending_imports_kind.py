"""pending imports of two kinds (a working list's file, a table of target indicators): each user
keeps one of each, so starting an indicator import no longer drops a list import's preview

Revision ID: fec3e724c571
Revises: 2ecea79d15a5
Create Date: 2026-12-07 03:10:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "fec3e724c571"
down_revision = "2ecea79d15a5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pending_imports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="list", nullable=False))


def downgrade():
    with op.batch_alter_table("pending_imports", schema=None) as batch_op:
        batch_op.drop_column("kind")
