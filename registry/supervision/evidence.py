"""Evidence (佐证材料) on a task: PDF, images, Word (DOCX) and Excel (XLSX) files, each judged by its
content (never by its name or what the browser claims) and its size, stored in TaskFile with its
SHA-256 and served (views/progress.py, `supervision.task_file`) only to users who may read the task.
Progress reports use it; a closure application (closure.py) may too: `check_files`, then
`store_files(task, checked, progress=… or closure=…)`."""

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass
from typing import Any

import filetype
from flask_babel import lazy_gettext as _l

from registry.core.errors import refuse
from registry.extensions import db
from registry.supervision.models import Task, TaskFile

MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024  # each; the request as a whole is bounded by MAX_CONTENT_LENGTH
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    DOCX: "docx",
    XLSX: "xlsx",
}
KINDS_TEXT = _l("PDF、图片（JPEG、PNG）、Word（DOCX）或 Excel（XLSX）")


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Checked:
    filename: str  # cleaned, with the extension of the detected type
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _office_kind(data: bytes) -> str | None:
    """DOCX or XLSX by the parts inside the zip (filetype's guess of a zip is not always one of them)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(n.startswith("word/") for n in names):
        return DOCX
    if any(n.startswith("xl/") for n in names):
        return XLSX
    return None


def detect(data: bytes) -> str | None:
    """The content type of an acceptable file, judged by its bytes; None for anything else."""
    if data[:4] == b"PK\x03\x04":
        return _office_kind(data)
    kind = filetype.guess(data)
    if kind is not None and kind.mime in TYPES and kind.mime not in (DOCX, XLSX):
        return kind.mime
    return None


def _display_name(filename: str) -> str:
    return os.path.basename((filename or "").replace("\\", "/")).strip()[:100] or "附件"


def clean_name(filename: str, content_type: str) -> str:
    """The user's file name without a path or unsafe characters, ending in the detected type's extension."""
    extension = TYPES[content_type]
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*/\\') or "佐证材料"
    stem, dot, ext = name.rpartition(".")
    if not dot or ext.lower() != extension:
        stem = name if not dot else stem
        name = f"{stem[:190] or '佐证材料'}.{extension}"
    return name[-200:]


def check_files(files: list[Upload], field: str = "files") -> list[Checked]:
    """Every file checked; all problems raised at once on `field`, each naming its file."""
    files = [f for f in files if f.filename or f.data]
    problems: list[tuple[str, Any]] = []
    if len(files) > MAX_FILES:
        problems.append((field, _l("佐证材料最多 %(n)s 个，您选择了 %(m)s 个。", n=MAX_FILES, m=len(files))))
    checked = []
    for upload in files[:MAX_FILES]:
        name = _display_name(upload.filename)
        if not upload.data:
            problems.append((field, _l("「%(name)s」是空文件。", name=name)))
        elif len(upload.data) > MAX_FILE_BYTES:
            problems.append(
                (
                    field,
                    _l("「%(name)s」超过 %(mb)s MB，请压缩后再上传。", name=name, mb=MAX_FILE_BYTES // (1024 * 1024)),
                )
            )
        elif (content_type := detect(upload.data)) is None:
            problems.append(
                (
                    field,
                    _l("「%(name)s」不是%(kinds)s文件（按文件内容识别，与扩展名无关）。", name=name, kinds=KINDS_TEXT),
                )
            )
        else:
            checked.append(Checked(clean_name(upload.filename, content_type), content_type, upload.data))
    refuse(problems)
    return checked


def store_files(
    task: Task, checked: list[Checked], *, actor: Any, progress: Any = None, closure: Any = None
) -> list[TaskFile]:
    """TaskFile rows for the checked files, attached to a progress report or a closure application."""
    made = []
    for item in checked:
        row = TaskFile(
            task_id=task.id,
            progress=progress,
            closure=closure,
            filename=item.filename,
            content_type=item.content_type,
            size=len(item.data),
            sha256=item.sha256,
            data=item.data,
            uploaded_by_id=getattr(actor, "id", None),
        )
        db.session.add(row)
        made.append(row)
    db.session.flush()
    return made
