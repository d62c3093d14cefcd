"""partial indexes of nullable foreign keys

Revision ID: b8fcce141618
Revises: 86a168ce89db
Create Date: 2026-11-22 21:47:15.588921

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8fcce141618'
down_revision = '86a168ce89db'
branch_labels = None
depends_on = None


INDEXES = [
    ("matters", "ix_matters_delegated_to_id", "delegated_to_id"),
    ("matters", "ix_matters_delegated_from_id", "delegated_from_id"),
    ("citations", "ix_citations_matter_id", "matter_id"),
    ("citations", "ix_citations_duty_id", "duty_id"),
]


def upgrade():
    # Same names, now holding only the rows with a value (lookups by value still use them).
    for table, name, column in INDEXES:
        where = sa.text(f"{column} IS NOT NULL")
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column], postgresql_where=where, sqlite_where=where)


def downgrade():
    for table, name, column in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column])
