"""version overviews: the departments (with matter counts) and categories a version's page shows, as
JSON, kept beside the search index entries of the versions in force; `registry reindex-search --due`
fills those of versions already indexed (until then the page groups the matters as before)

Revision ID: 3b9e7c1d5a20
Revises: 88795b5551ef
Create Date: 2026-12-07 11:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "3b9e7c1d5a20"
down_revision = "88795b5551ef"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "version_overviews",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"], ["jurisdictions.id"], name=op.f("fk_version_overviews_jurisdiction_id_jurisdictions")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["list_versions.id"], name=op.f("fk_version_overviews_version_id_list_versions")
        ),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_version_overviews")),
    )
    with op.batch_alter_table("version_overviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_version_overviews_jurisdiction_id"), ["jurisdiction_id"], unique=False)


def downgrade():
    with op.batch_alter_table("version_overviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_version_overviews_jurisdiction_id"))
    op.drop_table("version_overviews")
