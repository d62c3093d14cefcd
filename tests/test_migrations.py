"""The Alembic revisions build exactly the models' schema, and tear it down again."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

import config
from registry import create_app
from registry.extensions import db
from registry.public.models import include_name


def _scratch_url(tmp_path):
    url = os.environ["TEST_DATABASE_URL"]
    if not url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'migrations.db'}", None
    schema = f"migcheck_{uuid.uuid4().hex[:8]}"
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}", (engine, schema)


@pytest.fixture
def scratch(tmp_path):
    """An application context on an empty database of its own (a PostgreSQL schema, dropped after)."""
    url, cleanup = _scratch_url(tmp_path)

    class Scratch(config.TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Scratch)
    try:
        with app.app_context():
            yield
            db.session.remove()
            db.engine.dispose()
    finally:
        if cleanup:
            engine, schema = cleanup
            with engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            engine.dispose()


def test_upgrade_matches_models_and_downgrade_empties(scratch):
    upgrade()
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name}),
            db.metadata,
        )
    assert diff == [], f"models and migrations drift apart: {diff}"
    # compare_metadata does not look at index predicates: check the partial ones by hand.
    assert _partial_indexes(db.engine) == _partial_indexes_of_models()
    downgrade(revision="base")
    with db.engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    upgrade()
    with db.engine.connect() as conn:
        assert "matters" in inspect(conn).get_table_names()


def _partial_indexes(engine) -> set[str]:
    """Names of the indexes of the database that carry a WHERE predicate."""
    inspector = inspect(engine)
    return {
        index["name"]
        for table in inspector.get_table_names()
        for index in inspector.get_indexes(table)
        if any(key.endswith("_where") for key in index.get("dialect_options", {}))
    }


def _partial_indexes_of_models() -> set[str]:
    return {
        index.name
        for table in db.metadata.tables.values()
        for index in table.indexes
        if index.dialect_options["postgresql"].get("where") is not None
        or index.dialect_options["sqlite"].get("where") is not None
    }


COUNTED = ("matters", "assignments", "citations", "lead_decisions", "search_entries", "audit_entries")


@pytest.mark.committing  # its own database, written for real
def test_downgrading_and_upgrading_a_filled_database_keeps_every_row(scratch):
    """SQLite alters a table by copying and dropping it; with foreign keys enforced that DROP used to
    cascade and empty assignments, citations and decisions (or fail on a delegated matter)."""
    from datetime import date

    from sqlalchemy import select

    from registry.demo import load_demo
    from registry.jurisdictions.models import Jurisdiction
    from registry.lists.models import Matter, MatterStatus
    from registry.lists.services.decisions import delegate_matter

    upgrade()
    load_demo()
    pending = db.session.scalars(
        select(Matter).where(Matter.status == MatterStatus.PENDING).order_by(Matter.id)
    ).first()
    cities = list(db.session.scalars(select(Jurisdiction).where(Jurisdiction.parent_id == pending.jurisdiction_id)))
    delegate_matter(pending, to=cities, basis_kind="meeting", basis_date=date(2026, 12, 1), actor="测试")
    db.session.commit()
    counts = _counts()
    assert all(counts.values()), counts
    db.session.remove()
    downgrade(revision="3c1f7a9e2b10")  # through the table rebuild of 7d2e4b9a1c55
    assert _counts() == counts
    upgrade()
    assert _counts() == counts


def _counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in COUNTED if t in tables}
