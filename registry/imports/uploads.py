"""Uploaded list files kept between an import's preview and its confirmation.

The file stays on the server (in the database, so any app server can confirm it), reachable only
through a random token and only by the user who uploaded it, for the jurisdiction it was uploaded for.
"""

import secrets
from datetime import timedelta

from sqlalchemy import delete, or_, select

from registry.core.db import utcnow
from registry.extensions import db
from registry.imports.models import PendingImport
from registry.jobs import runner
from registry.jobs.models import Job, JobState
from registry.jurisdictions.models import Jurisdiction

KEEP_FOR = timedelta(days=1)
# Kinds of upload (PendingImport.kind): each user keeps one pending upload of each.
LIST = "list"  # a working list's file (registry/imports)
INDICATORS = "indicators"  # a table of target indicators (registry/targets/import_sheet.py)
LEDGER = "ledger"  # a rectification ledger's tasks (registry/supervision/import_sheet.py)
IMPORT_KIND = "import_list"  # the job kind of a large import (registry/imports/jobs.py)


def held_uploads() -> set[int]:
    """The uploads an import job still queued or running will read: kept until it ends (a job that
    shows no sign of life for long, `runner.is_abandoned`, holds nothing)."""
    jobs = db.session.scalars(
        select(Job).where(Job.kind == IMPORT_KIND, Job.state.in_((JobState.QUEUED, JobState.RUNNING)))
    )
    return {
        int(pending_id)
        for job in jobs
        if isinstance(pending_id := (job.params or {}).get("pending_id"), int) and not runner.is_abandoned(job)
    }


def keep_upload(
    user, jurisdiction: Jurisdiction, filename: str, data: bytes, *, create_departments: bool, kind: str = LIST
) -> PendingImport:
    """Store an upload for its confirmation; the user's earlier upload of the same kind and stale ones
    are dropped, except those an unfinished import job holds (a new upload never pulls the file from
    under it)."""
    dropped = or_(
        (PendingImport.user_id == user.id) & (PendingImport.kind == kind),
        PendingImport.created_at < utcnow() - KEEP_FOR,
    )
    if held := held_uploads():
        dropped = dropped & PendingImport.id.not_in(held)
    db.session.execute(delete(PendingImport).where(dropped))
    pending = PendingImport(
        token=secrets.token_urlsafe(32),
        user_id=user.id,
        jurisdiction_id=jurisdiction.id,
        filename=base_name(filename),
        data=data,
        create_departments=create_departments,
        kind=kind,
    )
    db.session.add(pending)
    db.session.flush()
    return pending


def find_upload(user, jurisdiction: Jurisdiction, token: str, *, kind: str = LIST) -> PendingImport | None:
    """The upload behind a token, for the user who made it, the jurisdiction and the kind of import it
    was made for."""
    return db.session.scalar(
        select(PendingImport).where(
            PendingImport.token == token,
            PendingImport.kind == kind,
            PendingImport.user_id == user.id,
            PendingImport.jurisdiction_id == jurisdiction.id,
            PendingImport.created_at >= utcnow() - KEEP_FOR,
        )
    )


def discard_upload(pending: PendingImport) -> None:
    db.session.delete(pending)
    db.session.flush()


def base_name(filename: str | None) -> str:
    """The file's own name, without any folders a browser may send along."""
    return (filename or "").replace("\\", "/").rsplit("/", 1)[-1][:255]
