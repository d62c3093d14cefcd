"""PostgreSQL: the import's inserts run without the per-row foreign-key triggers once the rows they
refer to are checked and locked (registry.imports.writing, bulk.without_ri_triggers). They must
write exactly what the ordinary, trigger-checked load writes, refuse a department gone since the
preview, leave nothing after them running without the triggers, and fall back to the ordinary load
for a database role that may not set session_replication_role."""

import logging
import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from registry.core.audit import AuditEntry
from registry.extensions import db
from registry.imports import bulk, writing
from registry.imports.planning import apply_import, plan_import
from registry.lists.models import Assignment, Citation, Department, Matter, MatterTarget, PolicyDocument
from registry.lists.services import StaleEdit
from tests import factories

POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
postgresql_only = pytest.mark.skipif(not POSTGRESQL, reason="session_replication_role: PostgreSQL")

REFERENCE = Path(__file__).resolve().parents[2] / "registry" / "demo" / "example-province-matters.csv"
# The tables the import writes with bulk inserts (and the ORM writes around them).
WRITTEN = ("matters", "assignments", "citations", "matter_targets", "policy_documents", "audit_entries")


def changed_reference() -> bytes:
    """The reference file with its first matter's lead, cooperating departments and basis changed,
    and one new matter citing a document the first import created: a second import changes and
    creates, naming departments and documents that already exist."""
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")
    first[3], first[4] = "省发展改革委", "省生态环境厅、省能源局"
    first[6] = "《中华人民共和国大气污染防治法》第十八条"
    lines[1] = ",".join(first)
    lines.append("65,大气,新增的大气事项,省能源局,省生态环境厅,新增责任。,《中华人民共和国大气污染防治法》第十条")
    return ("\n".join(lines) + "\n").encode()


@contextmanager
def recorded(monkeypatch, *, force_ordinary: bool = False):
    """What bulk.without_ri_triggers yielded for each bulk load (True: without the triggers);
    force_ordinary: as for a role without the privilege, every load trigger-checked."""
    seen: list[bool] = []
    real = writing.without_ri_triggers

    @contextmanager
    def spy():
        if force_ordinary:
            seen.append(False)
            yield False
            return
        with real() as fast:
            seen.append(fast)
            yield fast

    monkeypatch.setattr(writing, "without_ri_triggers", spy)
    yield seen
    monkeypatch.setattr(writing, "without_ri_triggers", real)


def snapshot(jurisdiction) -> dict:
    """Everything the imports wrote for a jurisdiction, by names rather than ids."""
    j = jurisdiction.id
    matters = db.session.execute(
        select(
            Matter.seq,
            Matter.category,
            Matter.title,
            Matter.description,
            Matter.status,
            Matter.territorial,
            Matter.deadline_text,
            Matter.deadline,
            Matter.lock_version,
        )
        .where(Matter.jurisdiction_id == j)
        .order_by(Matter.seq)
    ).all()
    assignments = db.session.execute(
        select(Matter.title, Department.name, Assignment.role, Assignment.position)
        .join(Matter, Matter.id == Assignment.matter_id)
        .join(Department, Department.id == Assignment.department_id)
        .where(Matter.jurisdiction_id == j)
        .order_by(Matter.seq, Assignment.position)
    ).all()
    citations = db.session.execute(
        select(Matter.title, PolicyDocument.title, PolicyDocument.doc_number, Citation.article)
        .join(Matter, Matter.id == Citation.matter_id)
        .join(PolicyDocument, PolicyDocument.id == Citation.document_id)
        .where(Matter.jurisdiction_id == j)
        .order_by(Matter.seq, PolicyDocument.title, Citation.article)
    ).all()
    targets = db.session.execute(
        select(Matter.title, MatterTarget.position, MatterTarget.indicator, MatterTarget.value)
        .join(Matter, Matter.id == MatterTarget.matter_id)
        .where(Matter.jurisdiction_id == j)
        .order_by(Matter.seq, MatterTarget.position)
    ).all()
    documents = db.session.execute(
        select(PolicyDocument.title, PolicyDocument.doc_number)
        .where(PolicyDocument.jurisdiction_id == j)
        .order_by(PolicyDocument.title, PolicyDocument.doc_number)
    ).all()
    # As a set: the ORM's pending audit entry for a department the import created is flushed
    # before the bulk load on the fast path (its savepoint flushes), later on the ordinary one.
    audit = sorted(
        (
            (e.actor_id, e.actor_name, e.entity_type, e.action, e.before, e.after)
            for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.jurisdiction_id == j, AuditEntry.entity_type != "jurisdictions")
                # entity_id: the same rows in the other jurisdiction have other ids
            )
        ),
        key=repr,
    )
    imports = [
        (e.actor_id, e.action, e.summary, e.after)
        for e in db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.jurisdiction_id == j, AuditEntry.action == "import")
            .order_by(AuditEntry.id)
        )
    ]
    return {
        "matters": matters,
        "assignments": assignments,
        "citations": citations,
        "targets": targets,
        "documents": documents,
        "audit": audit,
        "imports": imports,
    }


def counts() -> dict[str, int]:
    return {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in WRITTEN}


def replication_role() -> str:
    return db.session.execute(text("SHOW session_replication_role")).scalar()


@postgresql_only
def test_no_other_triggers_or_rules_on_the_tables_the_import_writes():
    """Replica mode skips every ordinary trigger and rule, not only the foreign-key ones: the fast
    path is only sound while the tables it writes have none (a migration adding one must revisit it)."""
    triggers = db.session.execute(
        text(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger"
            " WHERE NOT tgisinternal AND tgrelid::regclass::text = ANY(:t)"
        ),
        {"t": list(WRITTEN)},
    ).all()
    rules = db.session.execute(
        text("SELECT ev_class::regclass::text, rulename FROM pg_rewrite WHERE ev_class::regclass::text = ANY(:t)"),
        {"t": list(WRITTEN)},
    ).all()
    assert triggers == [] and rules == []


@postgresql_only
def test_the_fast_path_writes_exactly_what_the_ordinary_load_writes(monkeypatch):
    admin = factories.user("fk_admin", "sysadmin", factories.jurisdiction("860000", name="甲省"))
    fast, ordinary = factories.jurisdiction("850000", name="乙省"), factories.jurisdiction("840000", name="丙省")
    db.session.flush()
    for jurisdiction, force_ordinary in ((fast, False), (ordinary, True)):
        with recorded(monkeypatch, force_ordinary=force_ordinary) as seen:
            first = apply_import(
                plan_import(jurisdiction, REFERENCE.read_bytes(), "reference.csv", create_departments=True), admin
            )
            assert (first.created, first.changed) == (64, 0)
            plan = plan_import(jurisdiction, changed_reference(), "changed.csv")
            assert plan.errors == [] and len(plan.to_change) == 1 and len(plan.to_create) == 1
            second = apply_import(plan, admin)
            assert (second.created, second.changed) == (1, 1)
        assert seen and all(used is not force_ordinary for used in seen)  # each import took the path asked for
        assert replication_role() == "origin"
    assert snapshot(fast) == snapshot(ordinary)
    changed = snapshot(fast)
    first_title = REFERENCE.read_text(encoding="utf-8").splitlines()[1].split(",")[2]
    assert [(d, r) for t, d, r, _ in changed["assignments"] if t == first_title] == [
        ("省发展改革委", "lead"),
        ("省生态环境厅", "cooperating"),
        ("省能源局", "cooperating"),
    ]
    assert ("新增的大气事项", "中华人民共和国大气污染防治法", "", "第十条") in changed["citations"]


@pytest.mark.parametrize("force_ordinary", [False, True], ids=["fast", "ordinary"])
def test_a_department_deleted_after_the_preview_refuses_the_import(monkeypatch, force_ordinary):
    j = factories.jurisdiction("830000", name="丁省")
    water = factories.department(j, "丁省水利厅", sector="水利")
    factories.department(j, "丁省生态环境厅")
    csv = "序号,事项类别,具体事项,牵头部门,配合部门,责任内容,依据\n"
    csv += "1,水,河湖长制,丁省生态环境厅,丁省水利厅,推进河湖长制。,《中华人民共和国水法》第十条\n"
    plan = plan_import(j, csv.encode(), "list.csv")
    assert plan.errors == []
    db.session.execute(text("DELETE FROM department_aliases WHERE department_id = :d"), {"d": water.id})
    db.session.execute(text("DELETE FROM departments WHERE id = :d"), {"d": water.id})
    db.session.expire_all()
    before = counts()
    with recorded(monkeypatch, force_ordinary=force_ordinary), pytest.raises(StaleEdit, match="请重新上传预览"):
        apply_import(plan, "测试")
    assert counts() == before
    if POSTGRESQL:
        assert replication_role() == "origin"


@postgresql_only
def test_after_the_import_foreign_keys_are_checked_again_in_the_same_connection(monkeypatch):
    j = factories.jurisdiction("820000", name="戊省")
    with recorded(monkeypatch) as seen:
        apply_import(plan_import(j, REFERENCE.read_bytes(), create_departments=True), "测试")
    assert seen and all(seen)
    assert replication_role() == "origin"
    matter_id = db.session.scalar(select(Matter.id).where(Matter.jurisdiction_id == j.id).limit(1))
    # A bulk insert after the import, as the import does it, into a department that does not exist:
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(
            text(
                "INSERT INTO assignments (matter_id, department_id, role, position) VALUES (:m, -1, 'cooperating', 99)"
            ),
            {"m": matter_id},
        )
    import psycopg

    with pytest.raises(IntegrityError) as refused, db.session.begin_nested():
        bulk.insert_rows(
            Assignment.__table__,
            ("matter_id", "department_id", "role", "position"),
            [(matter_id, -1, "cooperating", 99)],
        )
    assert isinstance(refused.value.orig, psycopg.errors.ForeignKeyViolation)


@contextmanager
def unprivileged_role(grant_replication_role: bool = False):
    """The rest of the test's transaction as a role that is no superuser, with the table rights an
    application role has (created in the test's transaction, so rolled back with it)."""
    role = f"fk_app_{uuid.uuid4().hex[:8]}"
    for statement in (
        f"CREATE ROLE {role} NOLOGIN",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        *([f"GRANT SET ON PARAMETER session_replication_role TO {role}"] if grant_replication_role else []),
        f"SET LOCAL ROLE {role}",
    ):
        db.session.execute(text(statement))
    try:
        yield role
    finally:
        db.session.execute(text("RESET ROLE"))


@postgresql_only
def test_a_role_that_may_not_set_the_replication_role_imports_the_ordinary_way(monkeypatch, caplog):
    j = factories.jurisdiction("810000", name="己省")
    db.session.flush()
    monkeypatch.setattr(bulk, "_told_no_privilege", False)
    caplog.set_level(logging.INFO, logger="registry.imports.bulk")
    with unprivileged_role(), recorded(monkeypatch) as seen:
        assert not db.session.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
        result = apply_import(plan_import(j, REFERENCE.read_bytes(), create_departments=True), "测试")
        assert result.created == 64
        assert replication_role() == "origin"
    assert seen == [False]  # tried once, then the ordinary load for the rest of the import
    assert [r.message for r in caplog.records if "session_replication_role" in r.message]
    assert db.session.scalar(select(func.count()).select_from(Matter).where(Matter.jurisdiction_id == j.id)) == 64


@postgresql_only
def test_granting_set_on_the_parameter_is_enough_for_the_fast_path(monkeypatch):
    """What README.md tells an administrator to grant (PostgreSQL 15+)."""
    j = factories.jurisdiction("800000", name="庚省")
    db.session.flush()
    with unprivileged_role(grant_replication_role=True), recorded(monkeypatch) as seen:
        result = apply_import(plan_import(j, REFERENCE.read_bytes(), create_departments=True), "测试")
        assert result.created == 64
        assert replication_role() == "origin"
    assert seen and all(seen)


def test_the_garbage_collector_runs_again_after_imports_that_overlap_or_fail():
    # Planning pauses Python's cyclic collector; a worker left without it would grow without bound.
    import gc
    import threading

    from registry.imports.bulk import without_cycle_collection

    inside, release = threading.Event(), threading.Event()
    seen = []

    @without_cycle_collection
    def long_import():
        inside.set()
        release.wait(5)
        seen.append(gc.isenabled())

    @without_cycle_collection
    def failing_import():
        seen.append(gc.isenabled())
        raise ValueError("bad file")

    assert gc.isenabled()
    other = threading.Thread(target=long_import)
    other.start()
    inside.wait(5)
    with pytest.raises(ValueError):
        failing_import()
    assert not gc.isenabled()  # the first import is still running
    release.set()
    other.join(5)
    assert seen == [False, False] and gc.isenabled()
