"""The public side of 销号 (seed 003): the closure notices (公示) of every jurisdiction, each with its
objection window, and the form through which anyone may object while the window is open (a contact
is required so that the office can follow up; the CAPTCHA of the complaint form; the public forms'
rate limit). Never shown here: the responsible person's contact, any objection or objector."""

from dataclasses import dataclass
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, select

from registry.complaints import captcha
from registry.complaints.public_tracking import no_store
from registry.core.errors import DomainError
from registry.core.forms import show_error
from registry.core.http import paginate
from registry.core.limits import public_form_limit
from registry.core.permissions import public
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions import queries as jurisdiction_queries
from registry.jurisdictions.models import Jurisdiction
from registry.supervision import closure as closing
from registry.supervision import queries, rules
from registry.supervision.action_forms import ObjectionForm
from registry.supervision.blueprint import bp
from registry.supervision.models import PHASE_LABELS, ClosureNotice, Task

PER_PAGE = 20
CAPTCHA_MESSAGES = {
    captcha.Outcome.WRONG: _l("验证码不正确，请按新的图片重新输入。"),
    captcha.Outcome.EXPIRED: _l("验证码已过期，请按新的图片重新输入。"),
}


def _published(closure_id: int) -> ClosureNotice:
    """A closure that has been on notice (a notice not started yet, or never started, is not public)."""
    closure = db.session.get(ClosureNotice, closure_id)
    if closure is None or closure.notice_starts is None:
        abort(404)
    return closure


def _jurisdictions_with_notices() -> list[Jurisdiction]:
    ids = (
        select(distinct(Task.jurisdiction_id))
        .join(ClosureNotice, ClosureNotice.task_id == Task.id)
        .where(ClosureNotice.notice_starts.is_not(None))
    )
    return list(db.session.scalars(select(Jurisdiction).where(Jurisdiction.id.in_(ids)).order_by(Jurisdiction.code)))


@dataclass(frozen=True)
class NoticeFacts:
    """What a public notice says about its task: the snapshot frozen when the notice started
    (closure.snapshot), or, for a notice started before snapshots were kept, the task as it is."""

    number: str
    problem: str
    target: str
    measures: str
    lead: str
    cooperating: list[str]
    due_date: date | None
    phase_label: str
    ledger: str
    jurisdiction: str


def notice_facts(closure: ClosureNotice) -> NoticeFacts:
    snap = closure.snapshot
    if snap is None:
        task = closure.task
        snap = closing.snapshot(task)
    due = snap.get("due_date")
    phase = snap.get("phase")
    return NoticeFacts(
        number=snap.get("number") or "",
        problem=snap.get("problem") or "",
        target=snap.get("target") or "",
        measures=snap.get("measures") or "",
        lead=snap.get("lead") or "",
        cooperating=list(snap.get("cooperating") or []),
        due_date=date.fromisoformat(due) if due else None,
        phase_label=PHASE_LABELS.get(phase, "") if phase else "",
        ledger=snap.get("ledger") or "",
        jurisdiction=snap.get("jurisdiction") or "",
    )


bp.add_app_template_global(notice_facts, "notice_facts")


@bp.app_template_global("public_notice_count")
def public_notice_count(jurisdiction) -> int:
    """How many closure notices of a jurisdiction are open for objections (its public page's link)."""
    return queries.count(queries.public_notices(jurisdiction.id)) if jurisdiction is not None else 0


@bp.route("/notices", endpoint="public_notices")
@public
def notices():
    """整改公示: closure notices open for objections (or, ?show=ended, those decided), by jurisdiction."""
    ended = request.args.get("show") == "ended"
    code = request.args.get("jurisdiction", "")
    jurisdiction = jurisdiction_queries.by_code(code) if code else None
    if code and jurisdiction is None:
        abort(404)
    page = paginate(queries.public_notices(jurisdiction.id if jurisdiction else None, ended=ended), PER_PAGE)
    return render_template(
        "supervision/public/notices.html",
        page=page,
        ended=ended,
        jurisdiction=jurisdiction,
        jurisdictions=_jurisdictions_with_notices(),
        today=local_today(),
    )


def _notice_context(closure: ClosureNotice) -> dict:
    today = local_today()
    window_open = rules.objections_open(closure, today)
    return {
        "closure": closure,
        "facts": notice_facts(closure),
        "task": closure.task,  # only for what happened since (reopened); the notice's text is `facts`
        "today": today,
        "window_open": window_open,
        "days_left": (closure.notice_ends - today).days + 1 if window_open else None,
        "not_yet": closure.notice_starts > today,
        "outcome": closing.outcome(closure),
    }


@bp.route("/notices/<int:closure_id>", endpoint="public_notice")
@public
def notice(closure_id: int):
    """One notice: the problem, the measures, the lead department, the text published, the window."""
    return render_template("supervision/public/notice.html", **_notice_context(_published(closure_id)))


def _objection_page(closure: ClosureNotice, form: ObjectionForm, status: int = 200):
    challenge = captcha.issue()
    form.captcha_token.data = challenge.token
    form.captcha.data = ""
    form.captcha.raw_data = []
    db.session.commit()
    return no_store(
        (
            render_template(
                "supervision/public/objection.html", form=form, challenge=challenge, **_notice_context(closure)
            ),
            status,
        )
    )


@bp.route("/notices/<int:closure_id>/objection", methods=["GET", "POST"], endpoint="public_objection")
@public
@public_form_limit
def objection(closure_id: int):
    """提出异议 while the window is open; after it the page says the notice has ended."""
    closure = _published(closure_id)
    if not rules.objections_open(closure):
        return redirect(url_for("supervision.public_notice", closure_id=closure.id))
    form = ObjectionForm()
    if request.method == "GET" or "refresh" in request.form:
        if request.method == "POST":  # 换一张: keep what was typed, judge nothing
            form.captcha.errors = []
        return _objection_page(closure, form)
    valid = form.validate()
    outcome = captcha.check(form.captcha_token.data or "", form.captcha.data or "")
    if outcome != captcha.Outcome.RIGHT and not form.captcha.errors:
        form.captcha.errors = [*form.captcha.errors, CAPTCHA_MESSAGES[outcome]]
    # Every problem of the typed fields at once, whatever the CAPTCHA said.
    problems = closing.contact_problems(
        (form.name.data or "").strip(), (form.phone.data or "").strip(), (form.email.data or "").strip()
    )
    if len((form.text.data or "").strip()) < closing.OBJECTION_MIN:
        problems.append(("text", _l("请说明异议的内容和理由（至少 %(n)s 个字）。", n=closing.OBJECTION_MIN)))
    for field, message in problems:
        if not getattr(form, field).errors:
            show_error(form, DomainError(message, field))
    if not valid or outcome != captcha.Outcome.RIGHT or problems:
        db.session.commit()  # the CAPTCHA is used up
        return _objection_page(closure, form, 400)
    try:
        closing.submit_objection(
            closure, text=form.text.data, name=form.name.data, phone=form.phone.data or "", email=form.email.data or ""
        )
    except DomainError as error:
        db.session.rollback()
        captcha.check(form.captcha_token.data or "", "")
        show_error(form, error)
        return _objection_page(closure, form, 400)
    db.session.commit()
    flash(_("已收到您的异议。办公室将核实处理，必要时与您联系。您的联系方式不会公开。"), "success")
    return redirect(url_for("supervision.public_notice", closure_id=closure.id), 303)
