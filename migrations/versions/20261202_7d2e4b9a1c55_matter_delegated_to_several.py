"""matters: a matter may be delegated to several lower jurisdictions at once (每个下级各自研究明确);
then it names no single target (delegated_to_id NULL) and its copies below say where it went

Revision ID: 7d2e4b9a1c55
Revises: 3c1f7a9e2b10
Create Date: 2026-12-02 01:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "7d2e4b9a1c55"
down_revision = "3c1f7a9e2b10"
branch_labels = None
depends_on = None


def _matters():
    # SQLite rebuilds the table: keep AUTOINCREMENT (matter ids are never reused).
    return op.batch_alter_table("matters", schema=None, table_kwargs={"sqlite_autoincrement": True})


def _sequence() -> int | None:
    """SQLite's AUTOINCREMENT counter of matters (a rebuilt table would restart it at the highest id left)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return None
    return bind.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'matters'")).scalar()


def _restore_sequence(seq: int | None) -> None:
    if seq is not None:
        op.execute(
            sa.text("UPDATE sqlite_sequence SET seq = max(seq, :seq) WHERE name = 'matters'").bindparams(seq=seq)
        )


def upgrade():
    seq = _sequence()
    with _matters() as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_matters_delegated_iff_target"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_matters_target_only_if_delegated"), "status = 'delegated' OR delegated_to_id IS NULL"
        )
    _restore_sequence(seq)


def downgrade():
    # A matter delegated to several names none of them; name its first copy's jurisdiction again.
    op.execute(
        "UPDATE matters SET delegated_to_id = (SELECT MIN(c.jurisdiction_id) FROM matters c"
        " WHERE c.delegated_from_id = matters.id) WHERE status = 'delegated' AND delegated_to_id IS NULL"
    )
    seq = _sequence()
    with _matters() as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_matters_target_only_if_delegated"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_matters_delegated_iff_target"), "(status = 'delegated') = (delegated_to_id IS NOT NULL)"
        )
    _restore_sequence(seq)
