"""The Alembic revisions build exactly the models' schema, and tear it down again."""

import os
import uuid

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


def test_upgrade_matches_models_and_downgrade_empties(tmp_path):
    url, cleanup = _scratch_url(tmp_path)

    class Scratch(config.TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Scratch)
    try:
        with app.app_context():
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
            db.engine.dispose()
    finally:
        if cleanup:
            engine, schema = cleanup
            with engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            engine.dispose()


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
