"""The search index over the matters of the versions in force.

One row per version matter in force. On PostgreSQL the row carries two tsvectors (title, body) built
from overlapping character bigrams with explicit positions, each under a GIN index. On SQLite the
same bigram tokens live in the FTS5 virtual table `search_fts` (rowid = version_matter_id), created
by the migration only, because SQLAlchemy cannot describe a virtual table.
"""

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from registry.extensions import db

FTS_TABLE = "search_fts"


def include_name(name: str | None, type_: str, parent_names) -> bool:
    """For Alembic: leave the FTS5 virtual table and its shadow tables out of autogenerate / drift checks."""
    return not (type_ == "table" and name and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_")))


class SearchVector(TypeDecorator):
    """A tsvector on PostgreSQL; an unused text column elsewhere (SQLite searches through FTS5)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(TSVECTOR())
        return dialect.type_descriptor(Text())


class SearchEntry(db.Model):
    __tablename__ = "search_entries"
    __table_args__ = (
        # GIN on PostgreSQL; on SQLite a plain index over an always-NULL column (FTS5 does the work).
        Index("ix_search_entries_title_terms", "title_terms", postgresql_using="gin"),
        Index("ix_search_entries_body_terms", "body_terms", postgresql_using="gin"),
    )

    version_matter_id: Mapped[int] = mapped_column(
        ForeignKey("version_matters.id"), primary_key=True, autoincrement=False
    )
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"), index=True)
    # The working matter's id, so "this matter as in force now" is one index look-up.
    matter_id: Mapped[int] = mapped_column(index=True)
    title_terms: Mapped[str | None] = mapped_column(SearchVector)
    body_terms: Mapped[str | None] = mapped_column(SearchVector)
    # What a search result shows (JSON, search._card): a page of results reads this table only.
    card: Mapped[str | None] = mapped_column(Text)


class VersionOverview(db.Model):
    """A version's overview as its page shows it (JSON, queries.versions.overview_of: its departments
    with their matter counts, its categories), kept beside the index entries of the versions the
    index holds: a jurisdiction's page reads this one row instead of grouping its matters twice."""

    __tablename__ = "version_overviews"

    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"), primary_key=True, autoincrement=False)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
