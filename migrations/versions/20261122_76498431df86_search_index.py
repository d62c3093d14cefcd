"""search index: bigram index of the matters in force (FTS5 on SQLite, GIN tsvectors on PostgreSQL)

Revision ID: 76498431df86
Revises: 8f44567e8c9a
Create Date: 2026-11-22 19:14:44.536268

After upgrading a database that already holds published versions, fill the index once with
`flask --app wsgi registry reindex-search`.
"""
from alembic import op
import sqlalchemy as sa

import registry.public.models


# revision identifiers, used by Alembic.
revision = '76498431df86'
down_revision = '8f44567e8c9a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_entries',
    sa.Column('version_matter_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('title_terms', registry.public.models.SearchVector(), nullable=True),
    sa.Column('body_terms', registry.public.models.SearchVector(), nullable=True),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_search_entries_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['version_id'], ['list_versions.id'], name=op.f('fk_search_entries_version_id_list_versions')),
    sa.ForeignKeyConstraint(['version_matter_id'], ['version_matters.id'], name=op.f('fk_search_entries_version_matter_id_version_matters')),
    sa.PrimaryKeyConstraint('version_matter_id', name=op.f('pk_search_entries'))
    )
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.create_index('ix_search_entries_body_terms', ['body_terms'], unique=False, postgresql_using='gin')
        batch_op.create_index(batch_op.f('ix_search_entries_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entries_matter_id'), ['matter_id'], unique=False)
        batch_op.create_index('ix_search_entries_title_terms', ['title_terms'], unique=False, postgresql_using='gin')
        batch_op.create_index(batch_op.f('ix_search_entries_version_id'), ['version_id'], unique=False)

    if op.get_bind().dialect.name == 'sqlite':
        # rowid = search_entries.version_matter_id; columns hold space-separated character bigrams.
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "title, body, scope, tokenize = 'unicode61 remove_diacritics 0')"
        )


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TABLE IF EXISTS search_fts")
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_entries_version_id'))
        batch_op.drop_index('ix_search_entries_title_terms', postgresql_using='gin')
        batch_op.drop_index(batch_op.f('ix_search_entries_matter_id'))
        batch_op.drop_index(batch_op.f('ix_search_entries_jurisdiction_id'))
        batch_op.drop_index('ix_search_entries_body_terms', postgresql_using='gin')

    op.drop_table('search_entries')
