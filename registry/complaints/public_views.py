"""The public side: report a problem (no login). Tracking and rating: public_tracking.py, whose
routes register on the same blueprint when this module imports it.

The report takes two steps and works without JavaScript: step 1 (what, where, when) posts to
`new`, which answers with the check page (step 2: which matter it looks like and who will receive
it, photos, contact details, the CAPTCHA); step 2 posts to `check`, which re-searches, draws a new
CAPTCHA, goes back to step 1 or files the report. Everything typed travels in the form, so nothing is
lost on an error (only chosen files, which no browser lets a page choose again); going back to step 1
carries the contact details along as hidden fields.

提交 judges the CAPTCHA and every field first and decodes the photos only when all of that is right:
a post with a wrong CAPTCHA costs the server no image decoding. The same report posted twice (a
double click, a reload) files it once: the session remembers the CAPTCHA token of the report filed
and answers its repeat with the 查询码 page. The 查询码 is shown from the session for SHOWN_MINUTES
only, so the next person at a shared computer does not see it.
"""

import time
from datetime import date

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry.complaints import captcha, intake, rules
from registry.complaints.blueprint import bp
from registry.complaints.photos import MAX_PHOTOS, clean, precheck
from registry.complaints.public_forms import CheckForm, ReportForm
from registry.complaints.public_tracking import by_code, no_store
from registry.complaints.services import shown_code
from registry.core.errors import DomainError
from registry.core.forms import choices, show_error, show_problems
from registry.core.limits import public_form_limit
from registry.core.permissions import public
from registry.core.timezone import local_today
from registry.extensions import db, limiter

UNSURE = "none"
# The report just filed, for the page after submitting (never in the URL): its 查询码, the CAPTCHA token
# it was filed with (a repeat of that post is not filed again) and when (epoch seconds).
SUBMITTED_KEY = "complaint_submitted"
SHOWN_MINUTES = 30
CONTACT_FIELDS = {"name": intake.NAME_MAX, "phone": intake.PHONE_MAX, "email": intake.EMAIL_MAX}
CAPTCHA_MESSAGES = {
    captcha.Outcome.WRONG: _l("验证码不正确，请按新的图片重新输入。"),
    captcha.Outcome.EXPIRED: _l("验证码已过期，请按新的图片重新输入。"),
}

# Each fetch of a CAPTCHA image costs a drawing: as limited as the tracking look-up, counted apart.
captcha_limit = limiter.limit(lambda: current_app.config["COMPLAINT_TRACK_RATE_LIMIT"], scope="complaint-captcha")


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
    return no_store(
        (
            render_template(
                "complaints/public/new.html",
                form=form,
                preselected=preselected,
                preselected_place=place,
                description_min=intake.DESCRIPTION_MIN,
                description_max=intake.DESCRIPTION_MAX,
                contact=_contact_typed(),
            ),
            status,
        )
    )


def _contact_typed() -> list[tuple[str, str]]:
    """The contact details typed on step 2, carried through step 1 (back there to change something)."""
    if request.method != "POST":
        return []
    typed = [(name, request.form.get(name, "").strip()[:most]) for name, most in CONTACT_FIELDS.items()]
    return [(name, value) for name, value in typed if value]


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
    return no_store(
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
    token = form.captcha_token.data or ""
    if _filed_with(token):  # the same report posted again (a double click, a reload): filed once
        return redirect(url_for("complaints.submitted"), 303)
    outcome = captcha.check(token, form.captcha.data or "")
    if outcome != captcha.Outcome.RIGHT and not form.captcha.errors:
        form.captcha.errors = [*form.captcha.errors, CAPTCHA_MESSAGES[outcome]]
    files = [(f.filename, f.read(current_app.config["COMPLAINT_PHOTO_MAX_BYTES"] + 1)) for f in chosen_files]
    try:
        precheck(files)  # count and sizes; nothing is decoded before everything else is right
    except DomainError as error:
        show_error(form, error)
    report = _report(form)
    if report is not None:
        show_problems(form, intake.problems_of(report, local_today()))
    if not valid or outcome != captcha.Outcome.RIGHT or _has_errors(form) or report is None:
        db.session.commit()  # the CAPTCHA was used up
        return _step2(form, status=400, photos_lost=bool(chosen_files))
    try:
        complaint = intake.submit(report, clean(files))
    except DomainError as error:
        db.session.rollback()
        captcha.check(token, "")  # used up all the same: the next try has a new one
        show_error(form, error)
        return _step2(form, status=400, photos_lost=bool(chosen_files))
    db.session.commit()
    session[SUBMITTED_KEY] = {"code": complaint.code, "token": token, "at": int(time.time())}
    return redirect(url_for("complaints.submitted"), 303)


def _filed_with(token: str) -> bool:
    kept = session.get(SUBMITTED_KEY)
    return bool(token) and isinstance(kept, dict) and kept.get("token") == token


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


@bp.route("/complaints/submitted")
@public
def submitted():
    """After submitting (Post/Redirect/Get): the 查询码, shown big, and what happens by when — for
    SHOWN_MINUTES; later the page only says to use the code written down."""
    kept = session.get(SUBMITTED_KEY)
    if not isinstance(kept, dict):
        return redirect(url_for("complaints.track"))
    if not 0 <= time.time() - kept.get("at", 0) <= SHOWN_MINUTES * 60:
        session.pop(SUBMITTED_KEY, None)
        return no_store(render_template("complaints/public/submitted.html", code=None, minutes=SHOWN_MINUTES))
    complaint = by_code(kept.get("code", ""))
    if complaint is None:
        return redirect(url_for("complaints.track"))
    department = complaint.department
    return no_store(
        render_template(
            "complaints/public/submitted.html",
            code=shown_code(complaint.code),
            department=department,
            accept_due=complaint.accept_due,
            reply_days=rules.settings_for(department.jurisdiction)["reply_days"],
            routed_by=complaint.routed_by,
            matter_title=complaint.matter_title,
            repeat=complaint.repeat_of_id is not None,
            minutes=SHOWN_MINUTES,
        )
    )


@bp.route("/complaints/captcha/<token>.png")
@public
@captcha_limit
def captcha_image(token: str):
    """The CAPTCHA's picture while it is open; the same picture on every fetch."""
    data = captcha.image(token)
    if data is None:
        abort(404)
    response = no_store(data)
    response.headers["Content-Type"] = "image/png"
    return response
