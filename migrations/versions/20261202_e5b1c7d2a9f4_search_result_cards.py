"""search index: each entry carries its result card (what a search result shows, as JSON), so a
page of results reads one table; `registry reindex-search --due` fills the cards of existing
entries (until then those results are loaded the long way)

Revision ID: e5b1c7d2a9f4
Revises: 69739048777d
Create Date: 2026-12-02 04:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e5b1c7d2a9f4"
down_revision = "69739048777d"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card", sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # With the cards the table grows past PostgreSQL's threshold for parallel scans, and a
        # parallel bitmap scan yields its rows in no fixed order: a capped result (the first hits
        # the index yields, search._tier_ids) could then differ from one page to the next.
        op.execute("ALTER TABLE search_entries SET (parallel_workers = 0)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_entries RESET (parallel_workers)")
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.drop_column("card")
