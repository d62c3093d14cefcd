"""The monthly bulletin (月度通报, issue #18 item 6): the office of a jurisdiction compiles, for a month,
「<地区>生态环境保护督察整改工作月度通报（<年>年<月>月）」 as a PDF in the official style of the reports
(templates/pdf/_official.html), through a background job, and publishes it.

The office writes its own text (sanitized rich text, as EnvironmentReport.body) and the 文号; everything
else is generated from the ledgers (registry/supervision/bulletin_data.py, figures as they stood at the
end of the month): the overview per ledger, the progress of each lead department, the month's closures,
the overdue tasks, the 督办 issued, and a chart of each ledger's progress over the months.

Which months: any month from 2000 up to the current one may be started. The current month can be
compiled as a draft preview (figures as of now, marked 草稿 and 截至 today); only an ended month can be
published, and only the PDF compiled after it ended (its figures are those of the whole month).
Publishing takes the very bytes the office compiled and previewed, never a new rendering, with their
SHA-256 and a fingerprint of what they show: refused when the text, the 文号 or a figure has changed
since (compile again, look, publish). A published bulletin never changes (models.refuse_changes).

Services flush, never commit, and write the audit entry, as registry/targets/environment.py does.
"""

import hashlib
import json
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from registry.auth.models import User
from registry.core import audit
from registry.core.audit import Actor
from registry.core.db import lock_row, utcnow
from registry.core.errors import CONFLICT_MESSAGE, DomainError, refuse
from registry.core.permissions import Permission, can
from registry.core.timezone import local_now, local_today
from registry.extensions import db
from registry.jobs import live, runner
from registry.jobs.models import Job
from registry.jurisdictions.models import Jurisdiction
from registry.pdf import PdfError, official_locale, render_pdf
from registry.reports.content import safe_html, sanitize_html
from registry.reports.official import chinese_date
from registry.supervision import bulletin_data
from registry.supervision.bulletin_chart import progress_chart
from registry.supervision.models import LEVEL_LABELS, Bulletin, BulletinState

COMPILE_KIND = "compile_bulletin"
TEMPLATE = "pdf/bulletin.html"
EARLIEST_YEAR = 2000
MAX_DOC_NUMBER = 100
MAX_BODY = 200_000  # characters of the office's (sanitized) text
PROBLEM_SHOWN = 60  # characters of a task's problem in the lists

# The chart's own font list names the full Noto face; the PDF draws it with the cut face first
# (registry/pdf/fonts.py; as registry/reports/indicator_section.py does for the indicators' charts).
_CHART_FONT = '"Noto Sans CJK SC"'
_PDF_CHART_FONT = '"Registry Sans GB","Noto Sans CJK SC"'


class NotAllowed(DomainError):
    """The actor's role or scope does not allow this step."""


# -- names -------------------------------------------------------------------------------------------------


def bulletin_title(jurisdiction_name: str, year: int, month: int) -> str:
    return f"{jurisdiction_name}生态环境保护督察整改工作月度通报（{year}年{month}月）"


def issuer(jurisdiction: Jurisdiction) -> str:
    """Who issues it: the jurisdiction's 生态环境保护委员会办公室 (the office that keeps the ledgers)."""
    return f"{jurisdiction.name}生态环境保护委员会办公室"


def addressees(jurisdiction: Jurisdiction) -> str:
    return f"{jurisdiction.name}各有关部门"


def file_name(bulletin: Bulletin) -> str:
    return f"{bulletin.title}.pdf"


# -- reading -----------------------------------------------------------------------------------------------


def bulletins_of(jurisdiction_id: int) -> list[Bulletin]:
    """A jurisdiction's bulletins, newest month first (PDF bytes not loaded)."""
    return list(
        db.session.scalars(
            select(Bulletin)
            .where(Bulletin.jurisdiction_id == jurisdiction_id)
            .order_by(Bulletin.year.desc(), Bulletin.month.desc())
        )
    )


def bulletin_for(jurisdiction_id: int, year: int, month: int) -> Bulletin | None:
    return db.session.scalar(
        select(Bulletin).where(
            Bulletin.jurisdiction_id == jurisdiction_id, Bulletin.year == year, Bulletin.month == month
        )
    )


def published_bulletins(jurisdiction_id: int) -> list[dict[str, Any]]:
    """The published bulletins the public page lists, newest month first, as plain values."""
    rows = db.session.execute(
        select(
            Bulletin.year,
            Bulletin.month,
            Bulletin.title,
            Bulletin.doc_number,
            Bulletin.pdf_size,
            Bulletin.pdf_sha256,
            Bulletin.published_at,
        )
        .where(Bulletin.jurisdiction_id == jurisdiction_id, Bulletin.state == BulletinState.PUBLISHED)
        .order_by(Bulletin.year.desc(), Bulletin.month.desc())
    )
    return [dict(r._mapping) for r in rows]


def suggested_month(today: date | None = None) -> tuple[int, int]:
    """The month a new bulletin is usually about: the last one."""
    today = today or local_today()
    previous = bulletin_data.period(today.year, today.month).start
    last = date.fromordinal(previous.toordinal() - 1)
    return last.year, last.month


# -- what the PDF shows -------------------------------------------------------------------------------------


def _source(bulletin: Bulletin, figures: bulletin_data.Figures) -> dict[str, Any]:
    """What the PDF is made of, raw (no labels), so that its fingerprint does not depend on the
    interface language of whoever computes it."""
    jurisdiction = bulletin.jurisdiction
    return {
        "title": bulletin.title,
        "jurisdiction": [jurisdiction.id, jurisdiction.name],
        "doc_number": bulletin.doc_number,
        "body": bulletin.body,
        "figures": bulletin_data.fingerprint_source(figures),
    }


def fingerprint(source: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(source, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def figures_of(bulletin: Bulletin) -> bulletin_data.Figures:
    return bulletin_data.gather(bulletin.jurisdiction_id, bulletin.year, bulletin.month)


def current_fingerprint(bulletin: Bulletin) -> str:
    return fingerprint(_source(bulletin, figures_of(bulletin)))


def _svg(svg: str) -> Markup:
    """The chart's SVG inline in the PDF's HTML: no XML declaration, the cut font first, unique ids."""
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2 :].lstrip()
    svg = svg.replace(_CHART_FONT, _PDF_CHART_FONT)
    import re

    chart_id = re.search(r'<svg[^>]* id="([^"]+)"', svg)
    if chart_id:
        svg = svg.replace('id="activate-serie-', f'id="{chart_id.group(1)}-serie-')
    return Markup(svg)  # noqa: S704 (SVG text made by pygal from escaped values)


def _short(text: str, limit: int = PROBLEM_SHOWN) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _month_day(day: date, year: int) -> str:
    """A day of the bulletin's year as 11月12日 (the year written only when it differs)."""
    return f"{day.month}月{day.day}日" if day.year == year else chinese_date(day)


def _percent(value: float) -> str:
    return f"{value:g}%"


def pdf_context(
    bulletin: Bulletin, *, signed: date | None = None, figures: bulletin_data.Figures | None = None
) -> tuple[dict[str, Any], str]:
    """The template's plain data (in Chinese whatever the interface's language) and the fingerprint
    of what it shows."""
    jurisdiction = bulletin.jurisdiction
    figures = figures or figures_of(bulletin)
    p = figures.period
    with official_locale():
        charts = [
            {
                "title": f.title,
                "svg": _svg(progress_chart(f.title, f.history)),
                "last": f.history[-1] if f.history else None,
            }
            for f in figures.ledgers
            if f.history
        ]
    total = figures.total
    context = {
        "title": bulletin.title,
        "year": bulletin.year,
        "month": bulletin.month,
        "jurisdiction": jurisdiction.name,
        "issuer": issuer(jurisdiction),
        "doc_number": bulletin.doc_number,
        "anchor": f"bulletin-{bulletin.id}",
        "body": safe_html(bulletin.body),
        "complete": p.complete,
        "as_of": chinese_date(p.as_of),
        "ledgers": [
            {
                "title": f.title,
                "counts": f.counts,
                "closed_percent": _percent(f.counts.closed_percent) if f.counts.total else "—",
            }
            for f in figures.ledgers
        ],
        "total": total,
        "total_percent": _percent(total.closed_percent),
        "departments": [
            {
                "name": d.name,
                "counts": d.counts,
                "due_reports": d.due_reports,
                "reported": d.reported,
                "reported_all": d.reported_all,
            }
            for d in figures.departments
        ],
        "closures": [
            {
                "number": c.number,
                "problem": _short(c.problem),
                "lead": c.lead,
                "ledger": c.ledger,
                "day": chinese_date(c.day),
            }
            for c in figures.closures
        ],
        "overdue": [
            {
                "number": o.number,
                "problem": _short(o.problem),
                "lead": o.lead,
                "due": chinese_date(o.due_date),
                "days": o.days_overdue,
                "percent": "—" if o.percent is None else f"{o.percent}%",
            }
            for o in figures.overdue
        ],
        "supervisions": [
            {
                "level": LEVEL_LABELS[s.level],
                "number": s.number,
                "task": s.task_number,
                "problem": _short(s.problem, 40),
                "department": s.department,
                "issued": _month_day(s.issued_on, p.year),
                "respond_by": _month_day(s.respond_by, p.year),
                "answer": (
                    f"已于{_month_day(s.answered_on, p.year)}答复"
                    if s.answered_on
                    else ("逾期未答复" if s.late else "尚未答复（未到期）")
                ),
                "late": s.late,
            }
            for s in figures.supervisions
        ],
        "by_level": {
            label: sum(1 for s in figures.supervisions if s.level == level) for level, label in LEVEL_LABELS.items()
        },
        "charts": charts,
        "addressees": addressees(jurisdiction),
        "copies": [],
        "attachments": [],
        "signed_date": signed,
        "signed_date_text": chinese_date(signed),
        "printed_by": issuer(jurisdiction),
    }
    return context, fingerprint(_source(bulletin, figures))


def render(context: dict[str, Any], *, draft: bool) -> bytes:
    """The PDF: a GB/T 9704 document (no cover); a month not yet ended is marked 草稿."""
    return render_pdf(TEMPLATE, {"report": context, "draft": draft, "today": local_today()}, front=False)


# -- the office's draft ---------------------------------------------------------------------------------------


def _require_manage(actor: Actor, jurisdiction: Jurisdiction) -> None:
    if not can(actor, Permission.TASK_MANAGE, jurisdiction):
        raise NotAllowed(_l("只有本级办公室可以编制本级的月度通报。"))


def _require_draft(bulletin: Bulletin) -> None:
    if bulletin.state != BulletinState.DRAFT:
        raise DomainError(_l("该通报已公开，不能再修改。已公开的通报不会改变。"))


def month_problems(jurisdiction: Jurisdiction, year: int | None, month: int | None) -> list[tuple[str, Any]]:
    today = local_today()
    found = []
    if year is None:
        found.append(("year", _l("请填写通报年份。")))
    elif not EARLIEST_YEAR <= year <= today.year:
        found.append(("year", _l("年份应在%(low)d至%(high)d之间。", low=EARLIEST_YEAR, high=today.year)))
    if month is None or not 1 <= month <= 12:
        found.append(("month", _l("请选择月份（1至12月）。")))
    if found:
        return found
    if (year, month) > (today.year, today.month):
        return [
            (
                "month",
                _l("%(year)d年%(month)d月还没有到，只能编制已结束的月份或本月（预览）的通报。", year=year, month=month),
            )
        ]
    if bulletin_for(jurisdiction.id, year, month) is not None:
        return [("month", _l("%(year)d年%(month)d月的通报已经存在，请在列表中打开它。", year=year, month=month))]
    return []


def create_bulletin(jurisdiction: Jurisdiction, year: int | None, month: int | None, *, actor: Actor) -> Bulletin:
    """Start a month's bulletin (the office): a draft with an empty text."""
    _require_manage(actor, jurisdiction)
    refuse(month_problems(jurisdiction, year, month))
    bulletin = Bulletin(
        jurisdiction=jurisdiction,
        year=year,
        month=month,
        title=bulletin_title(jurisdiction.name, year, month),
        body="",
        doc_number="",
        state=BulletinState.DRAFT,
        updated_by_id=getattr(actor, "id", None),
        updated_at=utcnow(),
    )
    db.session.add(bulletin)
    db.session.flush()
    audit.record(
        actor,
        "create",
        bulletin,
        jurisdiction_id=jurisdiction.id,
        after=bulletin.audit_data(),
        summary=f"新建「{bulletin.title}」",
    )
    return bulletin


def save_bulletin(
    bulletin: Bulletin, *, actor: Actor, expected_version: int | None, body: str, doc_number: str
) -> None:
    """Save the office's text (sanitized) and the 文号; refused on a stale copy and once published."""
    _require_manage(actor, bulletin.jurisdiction)
    _require_draft(bulletin)
    if expected_version is None or bulletin.lock_version != expected_version:
        raise DomainError(CONFLICT_MESSAGE)
    doc_number = (doc_number or "").strip()
    clean = sanitize_html(body or "")
    found = []
    if len(doc_number) > MAX_DOC_NUMBER:
        found.append(("doc_number", _l("文号不能超过%(n)d字。", n=MAX_DOC_NUMBER)))
    if len(clean) > MAX_BODY:
        found.append(("body", _l("正文过长（不能超过%(n)d字）。", n=MAX_BODY)))
    refuse(found)
    before = {**bulletin.audit_data(), "body": bulletin.body}
    if bulletin.body == clean and bulletin.doc_number == doc_number:
        return  # nothing changed: no new version, no entry
    bulletin.body = clean
    bulletin.doc_number = doc_number
    bulletin.updated_by_id = getattr(actor, "id", None)
    bulletin.updated_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError as error:
        raise DomainError(CONFLICT_MESSAGE) from error
    audit.record(
        actor,
        "update",
        bulletin,
        jurisdiction_id=bulletin.jurisdiction_id,
        before=before,
        after={**bulletin.audit_data(), "body": bulletin.body},
        summary=f"修改「{bulletin.title}」",
    )


# -- compiling (a background job) ------------------------------------------------------------------------------


def compile_in_progress(bulletin: Bulletin) -> Job | None:
    """A compile job of this bulletin still queued or running (an abandoned one does not count)."""
    return runner.in_progress(COMPILE_KIND, bulletin.jurisdiction_id, bulletin_id=bulletin.id)


def start_compile(bulletin: Bulletin, *, actor: Actor, signed: date | None = None) -> Job:
    """Start the job that compiles the bulletin's PDF (one at a time per bulletin); `signed`, the 成文日期
    it prints, is the day it is compiled unless given (the demo's back-dated bulletin)."""
    _require_manage(actor, bulletin.jurisdiction)
    lock_row(db.session, bulletin)  # two clicks at once start one job
    _require_draft(bulletin)
    runner.fail_abandoned(runner.unfinished(COMPILE_KIND, bulletin.jurisdiction_id, bulletin_id=bulletin.id))
    if compile_in_progress(bulletin) is not None:
        raise DomainError(_l("该通报正在生成 PDF，请等它完成。"))
    return runner.start(
        COMPILE_KIND,
        f"生成 PDF：{bulletin.title}",
        {"bulletin_id": bulletin.id, **({"signed": signed.isoformat()} if signed else {})},
        actor,
        jurisdiction_id=bulletin.jurisdiction_id,
    )


def _bulletin_link(job: Job) -> tuple[str, str] | None:
    bulletin = db.session.get(Bulletin, (job.params or {}).get("bulletin_id"))
    if bulletin is None:
        return None
    return str(_l("查看通报和 PDF")), url_for(
        "supervision.bulletin", code=bulletin.jurisdiction.code, year=bulletin.year, month=bulletin.month, _anchor="pdf"
    )


def _gone() -> DomainError:
    return DomainError(_l("通报已不存在或已公开，未生成 PDF。"))


@runner.task(COMPILE_KIND, link=_bulletin_link, counts=False)
def compile_bulletin(job_id: int, progress: runner.Progress) -> None:
    """Gather the figures and the charts, render the PDF (no transaction open meanwhile), then store it
    on the draft with its SHA-256 and the fingerprint of what it shows."""
    job = db.session.get(Job, job_id)
    params = dict(job.params or {})
    bulletin = db.session.get(Bulletin, params.get("bulletin_id"))
    if bulletin is None or bulletin.state != BulletinState.DRAFT:
        raise _gone()
    bulletin_id, starter_id = bulletin.id, job.started_by_id
    live.put(job_id, 1, 4, "正在汇总台账数据")
    signed = date.fromisoformat(params["signed"]) if params.get("signed") else local_today()
    figures = figures_of(bulletin)
    context, compiled = pdf_context(bulletin, signed=signed, figures=figures)
    live.put(job_id, 2, 4, f"正在排版 PDF（{figures.total.total}项任务）")
    runner.end_reads()  # the render reads nothing more: no transaction stays open meanwhile
    try:
        pdf = render(context, draft=not figures.period.complete)
    except PdfError as error:
        raise DomainError(str(error)) from error
    runner.begin_write()
    bulletin = db.session.get(Bulletin, bulletin_id)
    if bulletin is None:
        raise _gone()
    lock_row(db.session, bulletin)
    if bulletin.state != BulletinState.DRAFT:
        raise _gone()
    bulletin.pdf_data = pdf
    bulletin.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    bulletin.pdf_size = len(pdf)
    bulletin.compiled_at = utcnow()
    bulletin.job_id = job_id
    job = db.session.get(Job, job_id)
    job.params = {**params, "fingerprint": compiled, "signed": signed.isoformat(), "complete": figures.period.complete}
    progress(3, 4, "正在保存")
    starter = db.session.get(User, starter_id) if starter_id else None
    audit.record(
        starter or "后台任务",
        "update",
        bulletin,
        jurisdiction_id=bulletin.jurisdiction_id,
        after={"size": bulletin.pdf_size, "sha256": bulletin.pdf_sha256},
        summary=f"生成「{bulletin.title}」PDF（{figures.total.total}项任务）",
    )


def compiled_job(bulletin: Bulletin) -> Job | None:
    if bulletin.pdf_sha256 is None or bulletin.job_id is None:
        return None
    return db.session.get(Job, bulletin.job_id)


def compiled_fingerprint(bulletin: Bulletin) -> str | None:
    job = compiled_job(bulletin)
    return (job.params or {}).get("fingerprint") if job else None


def compiled_complete(bulletin: Bulletin) -> bool:
    """Whether the stored PDF was compiled after the month ended (not a draft preview)."""
    job = compiled_job(bulletin)
    return bool(job and (job.params or {}).get("complete"))


def is_current(bulletin: Bulletin) -> bool:
    """Whether the stored PDF still shows what the bulletin holds now (text, 文号, every figure)."""
    compiled = compiled_fingerprint(bulletin)
    return compiled is not None and compiled == current_fingerprint(bulletin)


def month_ended(bulletin: Bulletin) -> bool:
    return bulletin_data.period(bulletin.year, bulletin.month, local_now()).complete


# -- publishing ------------------------------------------------------------------------------------------------


def publish_bulletin(bulletin: Bulletin, *, actor: Actor) -> None:
    """Publish the compiled PDF as it is (the bytes the office previewed); refused before the month has
    ended, without a PDF, while one is being compiled, and when the PDF no longer shows what the
    bulletin holds. Final: the bulletin never changes afterwards."""
    jurisdiction = bulletin.jurisdiction
    _require_manage(actor, jurisdiction)
    lock_row(db.session, bulletin)
    _require_draft(bulletin)
    if not month_ended(bulletin):
        raise DomainError(
            _l("%(month)d月还没有结束，月底之后才能公开本月的通报；现在生成的 PDF 只是预览。", month=bulletin.month)
        )
    if compile_in_progress(bulletin) is not None:
        raise DomainError(_l("该通报正在生成 PDF，请等它完成、预览后再公开。"))
    if bulletin.pdf_sha256 is None:
        raise DomainError(_l("请先生成 PDF 并预览，再公开。"))
    if not compiled_complete(bulletin) or not is_current(bulletin):
        raise DomainError(_l("生成 PDF 之后，通报正文、文号或台账数据又有变化。请重新生成 PDF，预览无误后再公开。"))
    before = bulletin.audit_data()
    bulletin.state = BulletinState.PUBLISHED
    bulletin.published_at = utcnow()
    bulletin.published_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(
        actor,
        "publish",
        bulletin,
        jurisdiction_id=jurisdiction.id,
        before=before,
        after={**bulletin.audit_data(), "size": bulletin.pdf_size},
        summary=f"公开「{bulletin.title}」",
    )
