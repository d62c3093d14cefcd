"""search index: PostgreSQL scope and version terms are marked (#j…, #v…) so no text bigram equals
them; the old entries are dropped, and `registry reindex-search --due` (run by `make run` and the
daily timer) builds them again

Revision ID: 3c1f7a9e2b10
Revises: 959220bcef53
Create Date: 2026-12-02 00:30:00

"""
from alembic import op


revision = '3c1f7a9e2b10'
down_revision = '959220bcef53'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DELETE FROM search_entries")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DELETE FROM search_entries")
