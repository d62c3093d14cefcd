"""The monthly bulletin (registry/supervision/bulletin.py) for the office that writes it and the offices
above that read it, under /manage/<code>/bulletins; the published PDFs for everybody under
/jurisdictions/<code>/bulletins."""

from typing import Any

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from registry.core.charts import NARROW, SVG_POLICY, WIDTH
from registry.core.errors import DomainError, refuse
from registry.core.forms import choices, show_error
from registry.core.http import content_disposition, whole_number
from registry.core.permissions import Permission, can, public, requires
from registry.extensions import db, talisman
from registry.jurisdictions import queries as jurisdiction_queries
from registry.supervision import bulletin as service
from registry.supervision.blueprint import bp
from registry.supervision.bulletin_chart import progress_chart
from registry.supervision.models import LEVEL_LABELS, Bulletin, BulletinState

FOREVER = "public, max-age=31536000, immutable"
MONTHS = choices((str(m), _l("%(month)d月", month=m)) for m in range(1, 13))


class NewBulletinForm(FlaskForm):
    # Text, checked by the service (bulletin.month_problems), so that every wrong input gets a sentence.
    year = StringField(
        _l("年份"), render_kw={"inputmode": "numeric", "size": 6, "autocomplete": "off", "class": "year-input"}
    )
    month = SelectField(_l("月份"), choices=MONTHS, validate_choice=False)


class BulletinForm(FlaskForm):
    lock_version = HiddenField()
    doc_number = StringField(_l("文号"), validators=[Length(max=service.MAX_DOC_NUMBER)], render_kw={"size": 30})
    body = TextAreaField(
        _l("通报正文"),
        validators=[Length(max=service.MAX_BODY)],
        render_kw={"data-editor": "rich", "rows": 14},
    )


class CompileForm(FlaskForm):
    pass


class PublishForm(FlaskForm):
    confirm = BooleanField(
        _l("我已预览这份 PDF，确认公开；公开后不能撤回，也不能再修改"),
        validators=[DataRequired(_l("请勾选确认后再公开。"))],
    )


def load_jurisdiction(code: str, **_kwargs):
    return jurisdiction_queries.by_code(code)


def load_bulletin(code: str, year: int, month: int, **_kwargs):
    jurisdiction = jurisdiction_queries.by_code(code)
    return service.bulletin_for(jurisdiction.id, year, month) if jurisdiction is not None else None


def _may_manage(jurisdiction) -> bool:
    return can(current_user, Permission.TASK_MANAGE, jurisdiction)


def _pdf_state(b: Bulletin) -> dict[str, Any]:
    """Whether there is a PDF, whether it still shows what the bulletin holds, a compile under way,
    whether the month has ended (only then can it be published)."""
    ended = service.month_ended(b)
    if b.state == BulletinState.PUBLISHED:
        return {"compiled": True, "current": True, "running": None, "ended": True, "final": True}
    running = service.compile_in_progress(b)
    compiled = b.pdf_sha256 is not None
    current = compiled and service.is_current(b)
    final = current and service.compiled_complete(b)
    return {"compiled": compiled, "current": current, "running": running, "ended": ended, "final": final}


def _url(name: str, b: Bulletin, **kwargs) -> str:
    return url_for(name, code=b.jurisdiction.code, year=b.year, month=b.month, **kwargs)


# -- the office's pages -----------------------------------------------------------------------------------


@bp.route("/manage/<code>/bulletins")
@requires(Permission.TASK_READ, load_jurisdiction)
def bulletins(code: str):
    """The jurisdiction's bulletins by month, and a new one for the office."""
    j = g.target
    year, month = service.suggested_month()
    return render_template(
        "supervision/bulletins/index.html",
        j=j,
        bulletins=service.bulletins_of(j.id),
        may_manage=_may_manage(j),
        form=NewBulletinForm(year=str(year), month=str(month)),
    )


@bp.route("/manage/<code>/bulletins/new", methods=["GET", "POST"])
@requires(Permission.TASK_MANAGE, load_jurisdiction)
def bulletin_new(code: str):
    j = g.target
    form = NewBulletinForm()
    status = 200
    if request.method == "GET":
        year, month = service.suggested_month()
        form.year.data = request.args.get("year") or str(year)
        form.month.data = request.args.get("month") or str(month)
    elif form.validate():
        raw = (form.year.data or "").strip()
        year = whole_number(raw, low=1, high=9999)
        month = whole_number(form.month.data or "", low=1, high=12)
        # Every problem at once, each next to its field: a year that is no number, and the month's.
        problems = service.month_problems(j, year, month)
        if raw and year is None:
            wrong_year = _("请填写四位数字的年份，例如 %(year)s。", year=service.suggested_month()[0])
            problems = [("year", wrong_year)] + [p for p in problems if p[0] != "year"]
        try:
            if problems:
                refuse(problems)
            b = service.create_bulletin(j, year, month, actor=current_user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            status = 400
        except IntegrityError:  # another click created the month's bulletin after this one checked
            db.session.rollback()
            form.month.errors = [*form.month.errors, _("该月的通报已经存在，请在列表中打开它。")]
            status = 409
        else:
            flash(_("已新建「%(title)s」，请填写正文和文号，然后生成 PDF。", title=b.title), "success")
            return redirect(_url("supervision.bulletin_edit", b))
    else:
        status = 400
    return render_template("supervision/bulletins/new.html", j=j, form=form), status


@bp.route("/manage/<code>/bulletins/<int:year>/<int:month>")
@requires(Permission.TASK_READ, load_bulletin)
def bulletin(code: str, year: int, month: int):
    """A bulletin: its state, its PDF, the office's text and the figures as they stand now."""
    b = g.target
    return render_template(
        "supervision/bulletins/bulletin.html",
        b=b,
        j=b.jurisdiction,
        figures=service.figures_of(b),
        levels=LEVEL_LABELS,
        pdf=_pdf_state(b),
        may_manage=_may_manage(b.jurisdiction) and b.state == BulletinState.DRAFT,
        compile_form=CompileForm(),
    )


@bp.route("/manage/<code>/bulletins/<int:year>/<int:month>/edit", methods=["GET", "POST"])
@requires(Permission.TASK_MANAGE, load_bulletin)
def bulletin_edit(code: str, year: int, month: int):
    """The office's text and the 文号."""
    b = g.target
    if b.state != BulletinState.DRAFT:
        flash(_("该通报已公开，不能再修改。"), "error")
        return redirect(_url("supervision.bulletin", b))
    form = BulletinForm()
    status, conflict = 200, False
    if request.method == "GET":
        form.lock_version.data = b.lock_version
        form.doc_number.data = b.doc_number
        form.body.data = b.body
    elif form.validate():
        try:
            service.save_bulletin(
                b,
                actor=current_user,
                expected_version=whole_number(form.lock_version.data),
                body=form.body.data or "",
                doc_number=form.doc_number.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            b = load_bulletin(code, year, month)
            if b is None:
                abort(404)
            conflict = str(form.lock_version.data) != str(b.lock_version)
            show_error(form, error)
            form.lock_version.data = b.lock_version  # saving again takes the typed text over theirs
            status = 409 if conflict else 400
        else:
            db.session.commit()
            flash(_("已保存。修改后请重新生成 PDF，预览无误后再公开。"), "success")
            return redirect(_url("supervision.bulletin", b))
    else:
        status = 400
    return render_template(
        "supervision/bulletins/edit.html", b=b, j=b.jurisdiction, form=form, conflict=conflict
    ), status


@bp.route("/manage/<code>/bulletins/<int:year>/<int:month>/compile", methods=["POST"])
@requires(Permission.TASK_MANAGE, load_bulletin)
def bulletin_compile(code: str, year: int, month: int):
    """生成 PDF: a background job; its page shows the progress and links back here."""
    b = g.target
    form = CompileForm()
    if not form.validate():
        flash(_("页面已过期，请刷新后再试。"), "error")
        return redirect(_url("supervision.bulletin", b)), 303
    try:
        job = service.start_compile(b, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(_url("supervision.bulletin", b)), 303
    db.session.commit()
    return redirect(url_for("jobs.show", job_id=job.id)), 303


@bp.route("/manage/<code>/bulletins/<int:year>/<int:month>/preview.pdf")
@requires(Permission.TASK_READ, load_bulletin)
def bulletin_preview(code: str, year: int, month: int):
    """The compiled PDF (a draft's, which publishing makes public as it is; or the published one)."""
    b = g.target
    data = db.session.scalar(select(Bulletin.pdf_data).where(Bulletin.id == b.id))
    if not data:
        abort(404)
    response = _pdf_response(data, service.file_name(b), b.pdf_sha256)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/manage/<code>/bulletins/<int:year>/<int:month>/chart-<int:ledger_id>.svg")
@talisman(content_security_policy=SVG_POLICY)
@requires(Permission.TASK_READ, load_bulletin)
def bulletin_chart(code: str, year: int, month: int, ledger_id: int):
    """A ledger's progress chart as the bulletin draws it, as an image for the page (?size=narrow)."""
    b = g.target
    found = next((f for f in service.figures_of(b).ledgers if f.id == ledger_id and f.history), None)
    if found is None:
        abort(404)
    svg = progress_chart(found.title, found.history, NARROW if request.args.get("size") == "narrow" else WIDTH)
    response = make_response(svg)
    response.headers["Content-Type"] = "image/svg+xml; charset=utf-8"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/manage/<code>/bulletins/<int:year>/<int:month>/publish", methods=["GET", "POST"])
@requires(Permission.TASK_MANAGE, load_bulletin)
def bulletin_publish(code: str, year: int, month: int):
    """公开: a confirmation page that says it is final."""
    b = g.target
    form = PublishForm()
    status = 200
    if b.state == BulletinState.DRAFT and form.validate_on_submit():
        try:
            service.publish_bulletin(b, actor=current_user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            b = load_bulletin(code, year, month)
            show_error(form, error)
            status = 400
        except (IntegrityError, StaleDataError):
            db.session.rollback()
            b = load_bulletin(code, year, month)
            form.form_errors.append(_("通报刚被他人修改，未公开。请查看最新状态后再试。"))
            status = 409
        else:
            flash(_("通报已公开，公众可在本地区的月度通报页面下载。"), "success")
            return redirect(_url("supervision.bulletin", b))
    elif request.method == "POST":
        status = 400
    return render_template(
        "supervision/bulletins/publish.html", b=b, j=b.jurisdiction, form=form, pdf=_pdf_state(b)
    ), status


# -- the public ------------------------------------------------------------------------------------------------


def _pdf_response(data: bytes, filename: str, sha256: str | None):
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = content_disposition("inline", filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if sha256:
        response.headers["X-Checksum-SHA256"] = sha256
    return response


@bp.route("/jurisdictions/<code>/bulletins")
@public
def public_bulletins(code: str):
    """A jurisdiction's published monthly bulletins, newest first, each a PDF to download."""
    j = jurisdiction_queries.by_code(code)
    if j is None:
        abort(404)
    return render_template(
        "supervision/bulletins/public.html", jurisdiction=j, bulletins=service.published_bulletins(j.id)
    )


@bp.route("/jurisdictions/<code>/bulletins/<int:year>/<int:month>.pdf")
@public
def public_bulletin_pdf(code: str, year: int, month: int):
    """A published bulletin: the very bytes stored when it was compiled and then published."""
    b = load_bulletin(code, year, month)
    if b is None or b.state != BulletinState.PUBLISHED:
        abort(404)
    data = db.session.scalar(select(Bulletin.pdf_data).where(Bulletin.id == b.id))
    response = _pdf_response(data, service.file_name(b), b.pdf_sha256)
    response.set_etag(b.pdf_sha256)
    response.headers["Cache-Control"] = FOREVER
    return response.make_conditional(request)
