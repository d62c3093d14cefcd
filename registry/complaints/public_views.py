"""The public side: report a problem, track it with the 查询码, rate the reply (no login).

The report takes two steps and works without JavaScript: step 1 (what, where, when) posts to
`new`, which answers with the check page (step 2: which matter it looks like and who will receive
it, photos, contact details, the CAPTCHA); step 2 posts to `check`, which re-searches, draws a new
CAPTCHA, goes back to step 1 or files the report. Everything typed travels in the form, so nothing is
lost on an error (only chosen files, which no browser lets a page choose again).
"""

from datetime import date

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.complaints import captcha, intake, rules
from registry.complaints.blueprint import bp
from registry.complaints.models import (
    STATE_LABELS,
    Complaint,
    ComplaintFile,
    ComplaintState,
    EventKind,
)
from registry.complaints.photos import MAX_PHOTOS, clean
from registry.complaints.public_forms import CheckForm, RateForm, ReportForm, TrackForm
from registry.complaints.services import normalize_code, shown_code
from registry.core.errors import DomainError
from registry.core.forms import choices, show_error, show_problems
from registry.core.limits import public_form_limit
from registry.core.permissions import public
from registry.core.timezone import local_today
from registry.extensions import db, limiter

UNSURE = "none"
SUBMITTED_KEY = "complaint_submitted"  # the new 查询码, for the page after submitting (never the URL)
CAPTCHA_MESSAGES = {
    captcha.Outcome.WRONG: _l("验证码不正确，请按新的图片重新输入。"),
    captcha.Outcome.EXPIRED: _l("验证码已过期，请按新的图片重新输入。"),
}

# The tracking look-up has a limit of its own (COMPLAINT_TRACK_RATE_LIMIT), so that 查询码 cannot be
# tried by the thousand; opening the empty form is not counted.
track_limit = limiter.limit(
    lambda: current_app.config["COMPLAINT_TRACK_RATE_LIMIT"],
    scope="complaint-track",
    exempt_when=lambda: not request.args.get("code"),
)


def _no_store(response) -> Response:
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def _fill_places(form) -> None:
    form.jurisdiction.choices = choices(
        [("", _("请选择地区"))] + [(j.code, "\u3000" * (depth - 1) + j.name) for j, depth in intake.places()]
    )


def _step1(form, status: int = 200):
    preselected = None
    ref = _int(form.matter_ref.data)
    place = intake.place_by_code(form.jurisdiction.data or "")
    if ref and place is not None:
        preselected = intake.matter_in_force(ref, place)
    return _no_store(
        (
            render_template("complaints/public/new.html", form=form, preselected=preselected, preselected_place=place),
            status,
        )
    )


def _int(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 10 and int(text) < 2**31 else None


def _step2(form, *, status: int = 200, photos_lost: bool = False):
    """The check page: the matters the words look like, who will receive it, and a new CAPTCHA."""
    place = intake.place_by_code(form.jurisdiction.data)
    chosen = _int(form.matter.data)
    if form.matter.data is None or form.matter.data == "":
        ref = _int(form.matter_ref.data)
        found = intake.matter_in_force(ref, place) if ref else None
        chosen = found.id if found is not None else None
    words = (form.q.data or "").strip() or form.description.data
    findings = intake.find_candidates(words, place, keep=chosen)
    ids = [str(c.version_matter_id) for c in findings.candidates]
    form.matter.choices = choices([*((i, i) for i in ids), (UNSURE, UNSURE)])
    if form.matter.data not in [*ids, UNSURE]:
        form.matter.data = ids[0] if ids else UNSURE
    desk = rules.desk_department(place)
    receiver = next((c.receiver for c in findings.candidates if str(c.version_matter_id) == form.matter.data), desk)
    challenge = captcha.issue()
    form.captcha_token.data = challenge.token
    form.captcha.data = ""
    form.captcha.raw_data = []
    db.session.commit()
    return _no_store(
        (
            render_template(
                "complaints/public/check.html",
                form=form,
                place=place,
                findings=findings,
                desk=desk,
                receiver=receiver,
                challenge=challenge,
                photos_lost=photos_lost,
                max_photos=MAX_PHOTOS,
                photo_mb=current_app.config["COMPLAINT_PHOTO_MAX_BYTES"] // (1024 * 1024),
                unsure=UNSURE,
                retention=_retention(),
            ),
            status,
        )
    )


def _retention() -> str:
    days = current_app.config["COMPLAINT_CONTACT_RETENTION_DAYS"]
    return _("%(n)s 年", n=days // 365) if days % 365 == 0 else _("%(n)s 天", n=days)


STEP1_FIELDS = ("description", "jurisdiction", "place", "happened_on", "happened_time")


@bp.route("/complaints/new", methods=["GET", "POST"])
@public
@public_form_limit
def new():
    """Step 1; its POST answers with step 2 (nothing is stored but a CAPTCHA challenge)."""
    form = ReportForm()
    _fill_places(form)
    if request.method == "GET":
        if intake.place_by_code(request.args.get("jurisdiction", "")) is not None:
            form.jurisdiction.data = request.args["jurisdiction"]
        if _int(request.args.get("matter")):
            form.matter_ref.data = request.args["matter"]
        return _step1(form)
    if "back" in request.form:  # from step 2, to change what was typed
        return _step1(form)
    if not form.validate():
        return _step1(form, 400)
    return _step2(CheckForm())


@bp.route("/complaints/check", methods=["POST"])
@public
@public_form_limit
def check():
    """Step 2's buttons: 换个说法找事项, 换一张 (CAPTCHA), 返回修改, 提交."""
    form = CheckForm()
    _fill_places(form)
    action = request.form.get("action", "submit")
    chosen_files = [f for f in request.files.getlist("photos") if f and f.filename]
    valid = form.validate()
    if any(getattr(form, name).errors for name in STEP1_FIELDS) or form.csrf_token.errors:
        return _step1(form, 400)  # tampered or lost hidden fields: back to where they are typed
    if action == "back":
        return _step1(form)
    if action != "submit":  # a new search or a new CAPTCHA image: keep everything, judge nothing
        for name in ("captcha", "phone", "email", "name", "q"):
            getattr(form, name).errors = []
        return _step2(form, photos_lost=bool(chosen_files))
    outcome = captcha.check(form.captcha_token.data or "", form.captcha.data or "")
    if outcome != captcha.Outcome.RIGHT and not form.captcha.errors:
        form.captcha.errors = [*form.captcha.errors, CAPTCHA_MESSAGES[outcome]]
    try:
        photos = clean(
            [(f.filename, f.read(current_app.config["COMPLAINT_PHOTO_MAX_BYTES"] + 1)) for f in chosen_files]
        )
    except DomainError as error:
        photos = []
        show_error(form, error)
    report = _report(form)
    if report is not None:
        show_problems(form, intake.problems_of(report, local_today()))
    if not valid or outcome != captcha.Outcome.RIGHT or _has_errors(form) or report is None:
        db.session.commit()  # the CAPTCHA was used up
        return _step2(form, status=400, photos_lost=bool(chosen_files))
    try:
        complaint = intake.submit(report, photos)
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        return _step2(form, status=400, photos_lost=bool(chosen_files))
    db.session.commit()
    session[SUBMITTED_KEY] = complaint.code
    return redirect(url_for("complaints.submitted"), 303)


def _has_errors(form) -> bool:
    return bool(form.form_errors) or any(f.errors for f in form)


def _report(form) -> intake.Report | None:
    place = intake.place_by_code(form.jurisdiction.data or "")
    if place is None:
        return None
    matter = form.matter.data
    return intake.Report(
        jurisdiction=place,
        description=form.description.data or "",
        place=form.place.data or "",
        happened_on=form.happened_on.data if isinstance(form.happened_on.data, date) else None,
        happened_time=form.happened_time.data or "",
        version_matter_id=None if matter in (None, "", UNSURE) else (_int(matter) or 0),
        name=form.name.data or "",
        phone=form.phone.data or "",
        email=form.email.data or "",
    )


def _by_code(value: str) -> Complaint | None:
    code = normalize_code(value)
    if len(code) != 10:
        return None
    return db.session.scalar(select(Complaint).where(Complaint.code == code))


@bp.route("/complaints/submitted")
@public
def submitted():
    """After submitting (Post/Redirect/Get): the 查询码, shown big, and what happens by when."""
    complaint = _by_code(session.get(SUBMITTED_KEY, ""))
    if complaint is None:
        return redirect(url_for("complaints.track"))
    department = complaint.department
    return _no_store(
        render_template(
            "complaints/public/submitted.html",
            code=shown_code(complaint.code),
            department=department,
            accept_due=complaint.accept_due,
            reply_days=rules.settings_for(department.jurisdiction)["reply_days"],
            routed_by=complaint.routed_by,
            matter_title=complaint.matter_title,
            repeat=complaint.repeat_of_id is not None,
        )
    )


@bp.route("/complaints/captcha/<token>.png")
@public
def captcha_image(token: str):
    data = captcha.image(token)
    if data is None:
        abort(404)
    response = make_response(data)
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/complaints/photos/<int:photo_id>")
@public
def photo(photo_id: int):
    """A photo the handling department marked publishable; 404 for any other file."""
    found = db.session.get(ComplaintFile, photo_id)
    if found is None or found.kind != "photo" or not found.publishable:
        abort(404)
    response = make_response(found.data)
    response.headers["Content-Type"] = found.content_type
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = "inline"
    return response


# -- tracking ------------------------------------------------------------------------------------


def tracking(complaint: Complaint) -> dict:
    """What the public sees of a complaint: plain values only, never the contact details."""
    events = []
    for event in complaint.events:
        if not event.is_public:
            continue
        shown = {"label": event.label, "kind": event.kind, "at": event.at, "department": None, "to": None, "matter": ""}
        if event.department is not None:
            shown["department"] = event.department.name
        if event.kind == EventKind.TRANSFERRED:
            shown["to"] = event.to_department.name if event.to_department else ""
            shown["matter"] = event.matter_title
        if event.kind == EventKind.RATED:
            shown["rating"] = complaint.rating
        events.append(shown)
    photos = [f.id for f in complaint.files if f.kind == "photo" and f.publishable]
    return {
        "code": shown_code(complaint.code),
        "state": complaint.state,
        "state_label": STATE_LABELS[complaint.state],
        "department": complaint.department.name,
        "place": complaint.jurisdiction.name,
        "matter_title": complaint.matter_title,
        "received_at": complaint.received_at,
        "accept_due": complaint.accept_due,
        "accepted_at": complaint.accepted_at,
        "reply_due": complaint.reply_due,
        "answered_at": complaint.answered_at,
        "reply": complaint.reply if complaint.state in (ComplaintState.ANSWERED, ComplaintState.REOPENED) else "",
        "rejected": complaint.state == ComplaintState.REJECTED,
        "reject_reason": complaint.reject_reason,
        "responsible": complaint.responsible_department.name if complaint.responsible_department else "",
        "rating": complaint.rating,
        "rating_comment": complaint.rating_comment,
        "events": events,
        "photos": photos,
        "overdue": rules.is_overdue(complaint),
    }


def _track_page(
    complaint: Complaint | None, *, form=None, rate_form=None, not_found=False, status=200, error: str = ""
):
    form = form or TrackForm(formdata=None)
    shown = tracking(complaint) if complaint is not None else None
    if complaint is not None and intake.may_rate(complaint) and rate_form is None:
        rate_form = RateForm(formdata=None, code=complaint.code)
    if complaint is not None and not intake.may_rate(complaint):
        rate_form = None
    return _no_store(
        (
            render_template(
                "complaints/public/track.html",
                form=form,
                complaint=shown,
                rate_form=rate_form,
                not_found=not_found,
                error=error,
            ),
            status,
        )
    )


@bp.route("/complaints/track")
@public
@track_limit
def track():
    """Look a complaint up by its 查询码 (spaces, dashes and case do not matter)."""
    form = TrackForm(request.args)
    if "code" not in request.args:
        return _track_page(None, form=form)
    complaint = _by_code(form.code.data or "") if form.validate() else None
    if complaint is None:
        return _track_page(None, form=form, not_found=bool(form.code.data), status=404 if form.code.data else 200)
    form.code.data = shown_code(complaint.code)
    return _track_page(complaint, form=form)


@bp.route("/complaints/rate", methods=["POST"])
@public
@public_form_limit
def rate():
    """满意 / 不满意 (with a comment), once per reply."""
    rate_form = RateForm()
    complaint = _by_code(rate_form.code.data or "")
    if complaint is None:
        return _track_page(None, not_found=True, status=400)
    form = TrackForm(formdata=None, code=shown_code(complaint.code))
    if not intake.may_rate(complaint):
        return _track_page(complaint, form=form, status=400, error=_("这件举报现在不能评价。"))
    if not rate_form.validate():
        return _track_page(complaint, form=form, rate_form=rate_form, status=400)
    try:
        intake.rate(complaint, rate_form.rating.data, rate_form.comment.data or "")
    except DomainError as error:
        db.session.rollback()
        show_error(rate_form, error)
        return _track_page(complaint, form=form, rate_form=rate_form, status=400)
    db.session.commit()
    flash(
        _("感谢您的评价。") if complaint.state != ComplaintState.REOPENED else _("已收到您的意见，将由办公室复核。"),
        "success",
    )
    return redirect(url_for("complaints.track", code=shown_code(complaint.code)), 303)


@bp.record_once
def _warn_fixed_captcha(state) -> None:
    if state.app.config.get("CAPTCHA_FIXED_ANSWER"):
        state.app.logger.warning(
            "CAPTCHA_FIXED_ANSWER is set: every CAPTCHA has the same answer. "
            "For end-to-end tests only, never in production."
        )
