"""The public side after submitting: tracking a complaint with its 查询码, its publishable photos and
the rating of the reply (no login). Routes on the complaints blueprint, imported by public_views.
"""

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from registry.complaints import intake, rules
from registry.complaints.blueprint import bp
from registry.complaints.models import STATE_LABELS, Complaint, ComplaintFile, ComplaintState, EventKind
from registry.complaints.public_forms import RateForm, TrackForm
from registry.complaints.services import normalize_code, shown_code
from registry.core.errors import DomainError
from registry.core.forms import show_error
from registry.core.limits import public_form_limit
from registry.core.permissions import public
from registry.extensions import db, limiter

# The tracking look-up has a limit of its own (COMPLAINT_TRACK_RATE_LIMIT), so that 查询码 cannot be
# tried by the thousand; opening the empty form is not counted.
track_limit = limiter.limit(
    lambda: current_app.config["COMPLAINT_TRACK_RATE_LIMIT"],
    scope="complaint-track",
    exempt_when=lambda: not request.args.get("code"),
)
# Steps whose text the person reads on the tracking page: the 转办 reason and the office's 复核意见.
PUBLIC_TEXT = frozenset({EventKind.TRANSFERRED, EventKind.REDO, EventKind.UPHELD})


def no_store(response):
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def by_code(value: str) -> Complaint | None:
    code = normalize_code(value)
    if len(code) != 10:
        return None
    return db.session.scalar(select(Complaint).where(Complaint.code == code))


@bp.route("/complaints/photos/<int:photo_id>")
@public
def photo(photo_id: int):
    """A photo the handling department marked publishable; 404 for any other file."""
    found = db.session.get(ComplaintFile, photo_id)
    if found is None or found.kind != "photo" or not found.publishable:
        abort(404)
    response = no_store(found.data)
    response.headers["Content-Type"] = found.content_type
    response.headers["Content-Disposition"] = "inline"
    return response


def _ratings(complaint: Complaint) -> dict[int, str | None]:
    """Each 评价 step's own rating (not the complaint's latest): from the event's text; for an event
    written without it, 不满意 when it reopened the complaint, else the complaint's rating if it is
    the latest 评价."""
    events = [e for e in complaint.events if e.is_public]
    latest = next((e for e in reversed(events) if e.kind == EventKind.RATED), None)
    found = {}
    for event, after in zip(events, [*events[1:], None], strict=True):
        if event.kind == EventKind.RATED:
            reopened = after is not None and after.kind == EventKind.REOPENED
            found[event.id] = (
                intake.rating_of(event.text or "")
                or ("unsatisfied" if reopened else None)
                or (complaint.rating if event is latest else None)
            )
    return found


def tracking(complaint: Complaint) -> dict:
    """What the public sees of a complaint: plain values only, never the contact details."""
    events, ratings = [], _ratings(complaint)
    for event in complaint.events:
        if not event.is_public:
            continue
        shown = {"label": event.label, "kind": event.kind, "at": event.at, "department": None, "to": None, "matter": ""}
        if event.department is not None:
            shown["department"] = event.department.name
        if event.kind == EventKind.TRANSFERRED:
            shown["to"] = event.to_department.name if event.to_department else ""
            shown["matter"] = event.matter_title
        if event.kind in PUBLIC_TEXT:  # the forms that write them say so (转办理由, 复核意见)
            shown["text"] = event.text or ""
        if event.kind == EventKind.RATED:
            shown["rating"] = ratings.get(event.id)
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
    return no_store(
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
    complaint = by_code(form.code.data or "") if form.validate() else None
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
    complaint = by_code(rate_form.code.data or "")
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
