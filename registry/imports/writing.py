"""Writing an import plan: matters, assignments, citations, policy documents and their audit
entries, in chunks, with bulk inserts (registry.imports.bulk) rather than the ORM unit of work.

On PostgreSQL most of a big import's time went to the foreign-key triggers: one query per inserted
row and key, about a million for 100k matters, though the rows refer to one jurisdiction, one user,
a few dozen departments and documents. When the database role may (see bulk.without_ri_triggers),
the writer checks each of those once, locking it FOR KEY SHARE as the triggers would, and the
inserts run without the triggers; everything else (updates, deletes, the ORM's writes, other
connections) keeps them."""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, bindparam, delete, select, text, update

from registry.auth.models import User
from registry.core.audit import AuditEntry
from registry.core.audit import actor_name as audit_actor_name
from registry.core.db import utcnow
from registry.extensions import db
from registry.imports.bulk import insert_rows, reserve_ids, without_ri_triggers
from registry.imports.reading import Basis
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import (
    Assignment,
    Citation,
    Department,
    Matter,
    MatterTarget,
    PolicyDocument,
    Role,
    matter_audit_data,
)
from registry.lists.services import StaleEdit

if TYPE_CHECKING:
    from registry.imports.planning import PlannedMatter

MATTER_COLUMNS = (
    "id",
    "jurisdiction_id",
    "seq",
    "category",
    "title",
    "description",
    "status",
    "lock_version",
    "created_at",
    "territorial",
    "deadline_text",
    "deadline",
)
TARGET_COLUMNS = ("matter_id", "position", "indicator", "comparison", "value", "unit", "stretch_value", "text")
AUDIT_COLUMNS = (
    "at",
    "actor_id",
    "actor_name",
    "jurisdiction_id",
    "entity_type",
    "entity_id",
    "action",
    "summary",
    "before",
    "after",
)


def target_label(target: dict[str, Any]) -> str:
    """A target (MatterTarget.plain() shape) as the audit log and pages name it: MatterTarget.label."""
    fields = ("indicator", "comparison", "value", "unit", "stretch_value")
    return MatterTarget(**{k: target.get(k) for k in fields}).label


class ImportWriter:
    def __init__(self, jurisdiction: Jurisdiction, department_ids: dict[str, int], actor: Any):
        self.jurisdiction_id = jurisdiction.id
        self.ids = department_ids
        self.actor_id = getattr(actor, "id", None)
        self.actor_name = audit_actor_name(actor)
        self.documents: dict[tuple[str, str], int] = {}
        self.new_documents: set[int] = set()  # created by this import
        self.fast: bool | None = None  # inserts without the RI triggers: None until first tried
        self.locked: dict[str, set[int]] = {}  # table name → ids checked and locked FOR KEY SHARE

    def ensure_documents(self, bases: Iterable[list[Basis]]) -> None:
        """Register the policy documents the rows cite that the jurisdiction does not have yet."""
        d = PolicyDocument.__table__
        query = select(d.c.title, d.c.doc_number, d.c.id).where(d.c.jurisdiction_id == self.jurisdiction_id)
        self.documents = {(t, n): i for t, n, i in db.session.execute(query)}
        wanted = dict.fromkeys((b.title, b.doc_number) for basis in bases for b in basis)
        missing = [key for key in wanted if key not in self.documents]
        if not missing:
            return
        with self._loading():
            insert_rows(
                d,
                ("jurisdiction_id", "title", "doc_number", "issuer", "lock_version"),
                [(self.jurisdiction_id, t, n, "", 1) for t, n in missing],
            )
            self.documents = {(t, n): i for t, n, i in db.session.execute(query)}
            self.new_documents = {self.documents[key] for key in missing}
            self.audit(
                "create",
                "policy_documents",
                [
                    (self.documents[(t, n)], None, {"title": t, "doc_number": n, "issuer": "", "issued_on": None})
                    for t, n in missing
                ],
            )

    def create(self, chunk: list["PlannedMatter"]) -> None:
        # Ids are taken up front, so the rows need no read-back (a duplicate title still trips the
        # unique constraint, reported by apply_import as a stale plan).
        for p, id_ in zip(chunk, reserve_ids(Matter.__table__, len(chunk)), strict=True):
            p.matter_id = id_
        now = utcnow()
        # Rows are generated while they stream to the database (generators, not lists): on PostgreSQL
        # the server checks and indexes the first rows while Python builds the next ones.
        with self._loading(departments=self._departments(chunk), documents=self._documents(chunk)):
            insert_rows(
                Matter.__table__,
                MATTER_COLUMNS,
                (
                    (
                        p.matter_id,
                        self.jurisdiction_id,
                        p.seq,
                        p.category,
                        p.title,
                        p.description,
                        str(p.status),
                        1,
                        now,
                        p.territorial,
                        p.deadline_text,
                        p.deadline,
                    )
                    for p in chunk
                ),
            )
            self._write_links(chunk)
            self.audit("create", "matters", ((p.matter_id, None, self.after(p)) for p in chunk))

    def change(self, chunk: list["PlannedMatter"]) -> None:
        m = Matter.__table__
        result = db.session.execute(
            update(m)
            .where(m.c.id == bindparam("_id"), m.c.lock_version == bindparam("_lock"))
            .values(
                category=bindparam("_category"),
                description=bindparam("_description"),
                status=bindparam("_status"),
                territorial=bindparam("_territorial"),
                deadline_text=bindparam("_deadline_text"),
                deadline=bindparam("_deadline"),
                lock_version=m.c.lock_version + 1,  # edit forms opened before the import are now stale
            ),
            [
                {
                    "_id": p.matter_id,
                    "_lock": p.lock_version,
                    "_category": p.category,
                    "_description": p.description,
                    "_status": str(p.status),
                    "_territorial": p.territorial,
                    "_deadline_text": p.deadline_text,
                    "_deadline": p.deadline,
                }
                for p in chunk
            ],
        )
        dialect = db.session.get_bind().dialect
        if dialect.supports_sane_multi_rowcount and result.rowcount != len(chunk):
            raise StaleEdit(_l("清单在预览之后已被他人修改，请重新上传预览后再确认导入。"))
        ids = [p.matter_id for p in chunk]
        db.session.execute(delete(Assignment.__table__).where(Assignment.__table__.c.matter_id.in_(ids)))
        db.session.execute(delete(Citation.__table__).where(Citation.__table__.c.matter_id.in_(ids)))
        db.session.execute(delete(MatterTarget.__table__).where(MatterTarget.__table__.c.matter_id.in_(ids)))
        # The matters were updated above (so are locked and exist); they are checked all the same.
        with self._loading(departments=self._departments(chunk), documents=self._documents(chunk), matters=ids):
            self._write_links(chunk)
            self.audit("update", "matters", ((p.matter_id, p.before, self.after(p)) for p in chunk))

    @contextmanager
    def _loading(
        self, *, departments: Iterable[int] = (), documents: Iterable[int] = (), matters: Sequence[int] = ()
    ) -> Iterator[None]:
        """The block's inserts (and nothing after it) without the RI triggers where the database role
        may, once the rows they refer to are checked and locked: the jurisdiction, the acting user,
        and the given departments, documents and matters (not those this import created). A row
        gone since the preview refuses the import; elsewhere, the ordinary trigger-checked load."""
        if self.fast is False:
            yield
            return
        with without_ri_triggers() as fast:
            self.fast = fast
            if fast:
                self._lock(Jurisdiction.__table__, [self.jurisdiction_id])
                self._lock(User.__table__, [self.actor_id] if self.actor_id is not None else [])
                self._lock(Department.__table__, departments)
                self._lock(PolicyDocument.__table__, documents)
                self._lock(Matter.__table__, matters)
            yield

    def _lock(self, table: Table, ids: Iterable[int]) -> None:
        """What PostgreSQL's RI trigger does for each inserted row, once per referenced row: lock it
        FOR KEY SHARE (it cannot be deleted, nor its key changed, before this transaction ends)."""
        done = self.locked.setdefault(table.name, set())
        wanted = set(ids) - done
        if not wanted:
            return
        query = text(f"SELECT id FROM {table.name} WHERE id = ANY(:ids) FOR KEY SHARE")
        found = set(db.session.execute(query, {"ids": sorted(wanted)}).scalars())
        if found != wanted:
            raise StaleEdit(_l("清单在预览之后已被他人修改，请重新上传预览后再确认导入。"))
        done |= found

    def _departments(self, chunk: list["PlannedMatter"]) -> set[int]:
        """The departments the chunk's assignments name (as _assignments writes them)."""
        keys = {key for p in chunk if p.lead for key in (p.lead, *p.co_leads)}
        keys.update(key for p in chunk for key in p.cooperating)
        return {self.ids[key] for key in keys}

    def _documents(self, chunk: list["PlannedMatter"]) -> set[int]:
        """The documents the chunk cites that existed before this import."""
        cited = {self.documents[(b.title, b.doc_number)] for p in chunk for b in p.basis}
        return cited - self.new_documents

    def _write_links(self, chunk: list["PlannedMatter"]) -> None:
        insert_rows(
            Assignment.__table__,
            ("matter_id", "department_id", "role", "position"),
            (row for p in chunk for row in self._assignments(p)),
        )
        insert_rows(
            Citation.__table__,
            ("matter_id", "document_id", "article"),
            ((p.matter_id, self.documents[(b.title, b.doc_number)], b.article) for p in chunk for b in p.basis),
        )
        insert_rows(
            MatterTarget.__table__,
            TARGET_COLUMNS,
            (
                (p.matter_id, position, *(t[k] for k in TARGET_COLUMNS[2:]))
                for p in chunk
                for position, t in enumerate(p.targets)
            ),
        )

    def _assignments(self, p: "PlannedMatter") -> Iterator[tuple]:
        if p.lead:
            yield (p.matter_id, self.ids[p.lead], Role.LEAD.value, 0)
        # Co-leads follow the lead as the file names them (X、Y牵头), then the cooperating departments.
        roles = [(key, Role.CO_LEAD.value) for key in (p.co_leads if p.lead else ())]
        roles += [(key, Role.COOPERATING.value) for key in p.cooperating]
        for position, (key, role) in enumerate(roles, start=1):
            yield (p.matter_id, self.ids[key], role, position)

    def after(self, p: "PlannedMatter") -> dict[str, Any]:
        return matter_audit_data(
            seq=p.seq,
            category=p.category,
            title=p.title,
            description=p.description,
            status=p.status,
            delegated_to=(p.before or {}).get("delegated_to"),
            lead=p.lead,
            cooperating=p.cooperating,
            basis=[b.label for b in p.basis],
            co_leads=p.co_leads,
            territorial=p.territorial,
            deadline_text=p.deadline_text,
            targets=[target_label(t) for t in p.targets],
        )

    def audit(self, action: str, entity_type: str, entries: Iterable[tuple]) -> None:
        now = utcnow()
        insert_rows(
            AuditEntry.__table__,
            AUDIT_COLUMNS,
            (
                (now, self.actor_id, self.actor_name, self.jurisdiction_id, entity_type, id_, action, "", before, after)
                for id_, before, after in entries
            ),
        )
