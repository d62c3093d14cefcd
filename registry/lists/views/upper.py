"""上级清单已更新: what moved in the parent's list since the version this list follows, this list's
corresponding matters, and the office's answers (take over the new wording, mark reviewed, follow
the newer version)."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import HiddenInput

from registry.core.errors import DomainError
from registry.core.forms import DbIntegerField, choices, record_id
from registry.core.permissions import Permission, requires
from registry.extensions import db
from registry.lists import upper
from registry.lists.forms import LockedForm
from registry.lists.views.blueprint import bp
from registry.lists.views.common import _attempt, _can_edit, _jurisdiction, _matter
from registry.versions.models import ListVersion


class ReviewForm(FlaskForm):
    upper = DbIntegerField(widget=HiddenInput(), validators=[InputRequired()])


class FollowForm(FlaskForm):
    # Checked by the view (a version of the parent's), so a forged value gets a Chinese message.
    version = SelectField(_l("跟随的上级清单版本"), coerce=record_id, validate_choice=False)
    expected = DbIntegerField(widget=HiddenInput(), validators=[Optional()])


@bp.route("/<code>/upper")
@requires(Permission.LIST_READ, _jurisdiction)
def upper_list(code: str):
    j = g.target
    review = upper.upper_review(j)
    return render_template(
        "lists/upper.html",
        j=j,
        review=review,
        state=review.state,
        can_edit=_can_edit(j),
        review_form=ReviewForm(),
        wording_label=upper.wording_label,
        similar=upper.SIMILAR,
    )


@bp.route("/<code>/upper/review", methods=["POST"])
@requires(Permission.LIST_EDIT, _jurisdiction)
def upper_review(code: str):
    j = g.target
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    review = upper.upper_review(j)
    change = upper.find_change(review, form.upper.data)
    if change is None:
        flash(_("该上级事项不在本次核对的变化之中（上级清单可能已再次更新）。"), "error")
        return redirect(url_for(".upper_list", code=j.code))
    done = []
    if _attempt(form, lambda: done.append(upper.mark_reviewed(j, change, review.state.latest, actor=current_user))):
        if done[0]:
            flash(_("已将「%(title)s」标记为已核对。", title=change.title), "success")
        else:  # a repeat (another tab, a double click): nothing more is recorded
            flash(_("「%(title)s」此前已标记为已核对。", title=change.title), "info")
    return redirect(url_for(".upper_list", code=j.code) + f"#upper-{change.upper_id}")


@bp.route("/matters/<int:matter_id>/upper-wording", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _matter)
def upper_adopt(matter_id: int):
    matter = g.target
    j = matter.jurisdiction
    form = LockedForm(obj=matter)
    upper_id = record_id(request.args.get("upper", ""))  # the form posts back to this URL
    review = upper.upper_review(j)
    change = upper.find_change(review, upper_id or 0)
    if change is None or change.kind != "changed":
        flash(_("没有可采用的上级新表述（上级清单可能已再次更新，或本级已跟随新版本）。"), "error")
        return redirect(url_for(".upper_list", code=j.code))
    counterpart = next((c for c in change.counterparts if c.matter.id == matter.id), None)
    updates = (
        counterpart.updates
        if counterpart is not None
        else [
            (f, getattr(matter, f), getattr(change.new, f))
            for f in upper.WORDING
            if f in change.fields and getattr(matter, f) != getattr(change.new, f)
        ]
    )
    label = review.state.latest.label
    if form.validate_on_submit() and _attempt(
        form,
        lambda: upper.adopt_upper_wording(
            matter, change, label, expected_version=form.lock_version.data, actor=current_user
        ),
    ):
        flash(_("已按上级清单「%(label)s」更新「%(title)s」。", label=label, title=matter.title), "success")
        return redirect(url_for(".upper_list", code=j.code) + f"#upper-{change.upper_id}")
    return render_template(
        "lists/upper_adopt.html",
        j=j,
        m=matter,
        change=change,
        updates=updates,
        latest=review.state.latest,
        form=form,
        wording_label=upper.wording_label,
    )


@bp.route("/<code>/upper/follow", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _jurisdiction)
def upper_follow(code: str):
    j = g.target
    state = upper.upper_state(j)
    versions = [v for v in upper.parent_versions(j) if not v.withdrawn]
    if not versions:
        flash(_("上级尚未发布清单，无可跟随的版本。"), "error")
        return redirect(url_for(".upper_list", code=j.code))
    form = FollowForm()
    form.version.choices = choices(
        [(v.id, f"{v.label}（{v.doc_number}）" + (_("，最新") if v.id == state.latest.id else "")) for v in versions]
    )
    if request.method == "GET":
        form.version.data = state.latest.id
        form.expected.data = state.latest.id
    review = upper.upper_review(j)
    if form.validate_on_submit():

        def action():
            version = db.session.get(ListVersion, form.version.data or 0)
            if version is None or version.jurisdiction_id != j.parent_id:
                raise DomainError(_("请选择上级清单的一个版本。"), "version")
            if version.id == state.latest.id:
                upper.follow_latest(j, expected_version_id=form.expected.data, actor=current_user)
            else:
                upper.set_follow(j, version, actor=current_user)

        if _attempt(form, action):
            followed = upper.upper_state(j).followed
            flash(_("本级清单已跟随上级清单「%(label)s」。", label=followed.label), "success")
            return redirect(url_for(".upper_list", code=j.code))
    return render_template("lists/upper_follow.html", j=j, form=form, state=state, review=review)
