"""Large imports as background jobs (registry/jobs/runner.py): past IMPORT_JOB_THRESHOLD rows the
confirmation starts a job instead of importing inside the request, and the office watches its progress
on the 任务 page, which links to the import's result page once it is done.

The job plans again from the stored file and mapping (the list may have changed since the preview)
and writes everything in one transaction: a failure leaves no row, and the job says why in Chinese.
"""

import io
import zipfile

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from registry.auth.models import User
from registry.core.audit import AuditEntry
from registry.core.db import lock_row
from registry.core.errors import DomainError
from registry.core.permissions import Permission, can
from registry.extensions import db
from registry.imports import uploads
from registry.imports.layout import Mapping
from registry.imports.models import PendingImport
from registry.imports.planning import ImportPlan, apply_import, plan_import
from registry.imports.reading import MAX_UNPACKED_BYTES
from registry.jobs import live, runner
from registry.jobs.models import Job, JobState
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Matter

IMPORT_KIND = uploads.IMPORT_KIND
# The job's bar counts the file's rows, and each phase has its share of it: reading the file (which
# tells no progress of its own), checking each row, writing them.
READ_SHARE, PLAN_SHARE = 0.05, 0.45
SHOWN_ERRORS = 3  # rows named in the message of a job whose file no longer imports


def estimated_rows(data: bytes) -> int:
    """About how many rows a list file holds, without reading it (which is the slow part of a big
    import): lines of a text file, rows of a workbook's sheets, paragraphs and table rows of a Word
    document, pages of a PDF at a few dozen items each. Only decides whether the import runs as a job."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                count = read = 0
                for member in archive.infolist():
                    if member.filename.startswith("xl/worksheets/") or member.filename == "word/document.xml":
                        with archive.open(member) as stream:
                            # A tag cut in two by a chunk's end is missed: this is an estimate.
                            while (chunk := stream.read(1024 * 1024)) and read < MAX_UNPACKED_BYTES:
                                read += len(chunk)  # a bomb is refused by planning: never inflated whole here
                                count += sum(chunk.count(tag) for tag in (b"<row", b"<w:tr", b"<w:p>", b"<w:p "))
                return count
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, NotImplementedError, RuntimeError):
            return 0  # not a readable archive: planning says so, in the request
    if data[:5] == b"%PDF-":
        return data.count(b"/Type /Page") * 40 + data.count(b"/Type/Page") * 40
    return data.count(b"\n")


def runs_as_job(pending: PendingImport) -> bool:
    return estimated_rows(pending.data) > current_app.config["IMPORT_JOB_THRESHOLD"]


def plan_upload(j: Jurisdiction, pending: PendingImport, progress=None) -> ImportPlan:
    """The upload planned with the mapping the office applied on the preview (else the proposal)."""
    try:
        mapping = Mapping.from_dict(pending.mapping) if pending.mapping else None
    except (TypeError, ValueError):
        mapping = None
    return plan_import(
        j,
        pending.data,
        pending.filename,
        create_departments=pending.create_departments,
        mapping=mapping,
        progress=progress,
    )


def unfinished_job(pending: PendingImport) -> Job | None:
    """The import job of this upload still queued or running, if any (a second click finds it)."""
    jobs = db.session.scalars(
        select(Job).where(
            Job.kind == IMPORT_KIND,
            Job.started_by_id == pending.user_id,
            Job.state.in_((JobState.QUEUED, JobState.RUNNING)),
        )
    )
    return next(
        (job for job in jobs if (job.params or {}).get("token") == pending.token and not runner.is_abandoned(job)),
        None,
    )


def start_import(j: Jurisdiction, pending: PendingImport, actor) -> Job:
    """The job that imports `pending` into `j` (the caller has checked LIST_EDIT and commits)."""
    if pending.filename:
        title = _text(_l("导入清单：%(name)s「%(file)s」", name=j.name, file=pending.filename))
    else:
        title = _text(_l("导入清单：%(name)s", name=j.name))
    params = {"pending_id": pending.id, "token": pending.token, "code": j.code, "file": pending.filename}
    return runner.start(IMPORT_KIND, title, params, actor, jurisdiction_id=j.id)


def _result_link(job: Job) -> tuple[str, str] | None:
    params = job.params or {}
    if not params.get("audit_id") or not params.get("code"):
        return None
    return str(_l("查看导入结果")), url_for("imports.result", code=params["code"], entry_id=params["audit_id"])


def _stale(plan: ImportPlan) -> DomainError:
    rows = "；".join(
        (f"第 {e.row} 行：{e.reason}" if e.row else e.reason).rstrip("。") for e in plan.errors[:SHOWN_ERRORS]
    )
    more = "等" if len(plan.errors) > SHOWN_ERRORS else ""
    return DomainError(
        _l(
            "文件有 %(count)s 处错误（%(rows)s%(more)s），未导入任何内容。"
            "清单或部门可能在预览之后已有变化，请重新上传预览。",
            count=len(plan.errors),
            rows=rows,
            more=more,
        )
    )


def list_stamp(jurisdiction_id: int) -> tuple:
    """A cheap stamp of the state an import is planned against: it changes on every edit of the
    jurisdiction's list and departments. Every such edit is audited with the jurisdiction
    (registry/core/audit.py): the count of its entries and the latest one (the count as well,
    because on PostgreSQL an entry with a lower id may commit after a higher one); and, as a net,
    the matters' count and the sum of their lock_version (every edit of a matter bumps it)."""
    audit = db.session.execute(
        select(func.count(AuditEntry.id), func.max(AuditEntry.id)).where(AuditEntry.jurisdiction_id == jurisdiction_id)
    ).one()
    matters = db.session.execute(
        select(func.count(Matter.id), func.coalesce(func.sum(Matter.lock_version), 0)).where(
            Matter.jurisdiction_id == jurisdiction_id
        )
    ).one()
    return (*audit, *matters)


def _gone() -> DomainError:
    return DomainError(_l("上传的文件已不在服务器上（已导入、已过期或已被新的上传替换），未导入任何内容。请重新上传。"))


def _text(message) -> str:
    """A job's title or progress message (a lazy string), stored in the installation's language: the
    job's row and the live store keep text, and a worker has no request, hence no user's language."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(message)


@runner.task(IMPORT_KIND, link=_result_link, counts=False)  # phases weighed; the message gives the rows
def import_list(job_id: int, progress: runner.Progress) -> None:
    """Plan the stored upload again and write it, all or nothing, as the user who confirmed it.

    The file is read and checked in a read transaction, which holds no lock: the rest of the
    application goes on writing meanwhile (on SQLite a writer takes the whole database), and the
    progress goes only to the live store (registry/jobs/live.py), so nothing is written yet. Then
    the write transaction (SQLite: the write lock; PostgreSQL: the jurisdiction's and the upload's
    row locks) looks at the list's stamp again: if the list or its departments changed since the
    check began, the file is checked again before anything is written."""
    job = db.session.get(Job, job_id)
    params = dict(job.params or {})
    started_by_id = job.started_by_id
    pending = db.session.get(PendingImport, params.get("pending_id"))
    if pending is None or pending.token != params.get("token"):
        raise _gone()
    pending_id, jurisdiction_id, filename = pending.id, pending.jurisdiction_id, pending.filename
    j = db.session.get(Jurisdiction, jurisdiction_id)
    user = db.session.get(User, started_by_id) if started_by_id else None
    if user is None or not user.active or not can(user, Permission.LIST_EDIT, j):
        raise DomainError(_l("您已无权修改%(name)s的工作清单，未导入任何内容。", name=j.name))

    total = max(estimated_rows(pending.data), 1)  # until planning knows the rows
    tell = _live(job_id)  # the read phase: the live store only (the job's row would be a write)
    tell(0, total, _text(_l("正在读取文件「%(file)s」", file=filename)))

    def checking(report):
        def planning(done: int, rows: int) -> None:
            nonlocal total
            total = max(rows, 1)
            share = READ_SHARE + PLAN_SHARE * done / total
            report(int(total * share), total, _text(_l("正在检查：%(done)s / %(rows)s 行", done=done, rows=rows)))

        return planning

    stamp = list_stamp(jurisdiction_id)  # before the check: on PostgreSQL each read sees the latest commit
    plan = plan_upload(j, pending, progress=checking(tell))
    if not plan.ok:
        raise _stale(plan)

    runner.end_reads()  # a worker ends its read transaction here (eager mode: one transaction)
    runner.begin_write()
    j = db.session.get(Jurisdiction, jurisdiction_id)
    lock_row(db.session, j)  # PostgreSQL: one import or publication of the jurisdiction at a time
    pending = db.session.get(PendingImport, pending_id)
    if pending is None:
        raise _gone()
    try:
        lock_row(db.session, pending)  # PostgreSQL: not deleted under this job while it writes
    except StaleDataError as error:
        raise _gone() from error
    if list_stamp(jurisdiction_id) != stamp:  # edited during the check: check again, now under the lock
        progress(int(total * READ_SHARE), total, _text(_l("清单在检查期间有修改，正在重新检查")))
        plan = plan_upload(j, pending, progress=checking(progress))
        if not plan.ok:
            raise _stale(plan)
    user = db.session.get(User, started_by_id)
    matters, written = max(len(plan.matters), 1), 0
    writing_from = READ_SHARE + PLAN_SHARE

    def writing(n: int) -> None:
        nonlocal written
        written = min(matters, written + n)
        share = writing_from + (1 - writing_from) * written / matters
        message = _text(_l("正在写入：%(done)s / %(matters)s 项", done=written, matters=matters))
        progress(min(int(total * share), total - 1), total, message)

    progress(int(total * writing_from), total, _text(_l("正在写入")))
    try:
        result = apply_import(plan, user, progress=writing)
    except IntegrityError as error:  # the net under apply_import's own check: a row that appeared meanwhile
        raise DomainError(_l("清单在预览之后已被修改，未导入任何内容。请重新上传预览。")) from error
    uploads.discard_upload(pending)
    job = db.session.get(Job, job_id)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        summary = str(result.summary())
    job.params = {**params, "audit_id": result.audit_id, "summary": summary}
    progress(total - 1, total, _text(_l("正在保存")))


def _live(job_id: int) -> runner.Progress:
    """Progress told to the live store alone (the 任务 page reads it), keeping the job's row as it is."""

    def tell(done: int, total: int, message: str = "") -> None:
        live.put(job_id, max(0, int(done)), max(0, int(total)), message)

    return tell
