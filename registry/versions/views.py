"""The offices' pages of published versions: publish, withdraw, compare, export."""

from io import BytesIO
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.core.errors import DomainError
from registry.core.forms import show_error
from registry.core.http import paginate
from registry.core.permissions import Permission, can, requires
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists import queries as list_queries
from registry.lists.territorial import published_territorial
from registry.versions import diff, exporting
from registry.versions import queries as versions
from registry.versions import services as version_services
from registry.versions.forms import CompareForm, PublishForm, WithdrawForm
from registry.versions.models import ListVersion, VersionMatter

bp = Blueprint("versions", __name__, url_prefix="/manage")

WORKING = "working"


def _jurisdiction(code: str, **_: Any) -> Jurisdiction | None:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


def _version(version_id: int, **_: Any) -> ListVersion | None:
    return db.session.get(ListVersion, version_id)


@bp.context_processor
def _helpers():
    return {"formats": list(exporting.FORMATS)}


# -- versions --------------------------------------------------------------------------------------


@bp.route("/<code>/versions")
@requires(Permission.LIST_READ, _jurisdiction)
def index(code: str):
    j = g.target
    in_force = versions.version_in_force(j, local_today())
    return render_template(
        "versions/index.html",
        j=j,
        versions=versions.versions_of(j),
        in_force=in_force,
        today=local_today(),
        can_publish=can(current_user, Permission.LIST_PUBLISH, j),
        can_edit=can(current_user, Permission.LIST_EDIT, j),
    )


@bp.route("/<code>/versions/publish", methods=["GET", "POST"])
@requires(Permission.LIST_PUBLISH, _jurisdiction)
def publish(code: str):
    j = g.target
    latest = versions.latest_version(j)
    form = PublishForm()
    if request.method == "GET":
        form.effective_date.data = local_today()
        form.label.data = _("%(year)s年版", year=local_today().year)
        form.publisher.data = latest.publisher if latest else ""
    valid = form.validate_on_submit()
    if request.method == "POST" and form.label.data and versions.version_by_label(j, form.label.data):
        form.label.errors.append(_("版本「%(label)s」已存在，请换一个版本名称。", label=form.label.data.strip()))
        valid = False
    # Matters whose text says the lead is pending although it is decided: published as they stand.
    stale = list_queries.lead_text_pending(j)
    if not valid or "back" in request.form:
        return render_template("versions/publish.html", j=j, form=form, confirming=False, stale=stale)
    content = versions.frozen_content(j)
    # What the user confirms: this content, on top of this latest version.
    latest_seq = latest.seq if latest else 0
    seen = f"{version_services.checksum(content)}:{latest_seq}"
    if form.confirmed.data == seen:
        try:
            version = version_services.publish_version(
                j,
                label=form.label.data,
                doc_number=form.doc_number.data,
                effective_date=form.effective_date.data,
                publisher=form.publisher.data,
                expected_latest=latest_seq,
                actor=current_user,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            return render_template("versions/publish.html", j=j, form=form, confirming=False, stale=stale)
        flash(_("已发布版本「%(label)s」，冻结事项 %(n)s 项。", label=version.label, n=version.matter_count), "success")
        return redirect(url_for(".show", version_id=version.id))
    # First submission, or the list changed since the user confirmed: show what will be frozen.
    if form.confirmed.data:
        flash(_("工作清单在您确认前又被修改，请核对以下变化后再次确认。"), "warning")
    form.confirmed.data = seen
    return render_template(
        "versions/publish.html",
        j=j,
        form=form,
        confirming=True,
        latest=latest,
        changes=diff.compare_with_working(latest, j) if latest else None,
        matter_count=len(content["matters"]),
        pending_count=sum(1 for m in content["matters"] if m["status"] == "pending"),
        stale=stale,
    )


@bp.route("/versions/<int:version_id>")
@requires(Permission.LIST_READ, _version)
def show(version_id: int):
    version = g.target
    page = paginate(
        select(VersionMatter)
        .where(VersionMatter.version_id == version.id)
        .options(selectinload(VersionMatter.assignments))
        .order_by(VersionMatter.seq, VersionMatter.id),
        per_page=50,
    )
    return render_template(
        "versions/show.html",
        j=version.jurisdiction,
        version=version,
        page=page,
        previous=versions.previous_version(version),
        in_force=versions.version_in_force(version.jurisdiction, local_today()),
        can_publish=can(current_user, Permission.LIST_PUBLISH, version.jurisdiction),
        defaults=[
            (d.get("text", ""), published_territorial(d.get("territorial")))
            for d in version.defaults or []
            if isinstance(d, dict)
        ],
    )


@bp.route("/versions/<int:version_id>/withdraw", methods=["GET", "POST"])
@requires(Permission.LIST_PUBLISH, _version)
def withdraw(version_id: int):
    version = g.target
    if version.withdrawn:
        flash(_("版本「%(label)s」已废止。", label=version.label), "info")
        return redirect(url_for(".show", version_id=version.id))
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            version_services.withdraw_version(version, form.reason.data, actor=current_user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("已废止版本「%(label)s」。该版本仍保留可查。", label=version.label), "success")
            return redirect(url_for(".index", code=version.jurisdiction.code))
    return render_template("versions/withdraw.html", j=version.jurisdiction, version=version, form=form)


@bp.route("/<code>/versions/compare")
@requires(Permission.LIST_READ, _jurisdiction)
def compare(code: str):
    j = g.target
    all_versions = versions.versions_of(j)
    form = CompareForm(request.args)
    choices = [
        (str(v.id), f"{v.label}（{v.doc_number}）" + (_("·已废止") if v.withdrawn else "")) for v in all_versions
    ]
    choices.append((WORKING, _("工作清单（未发布）")))
    form.old.choices = form.new.choices = choices
    if not all_versions:
        return render_template("versions/compare.html", j=j, form=form, result=None, no_versions=True)
    by_id = {str(v.id): v for v in all_versions}
    old_key = request.args.get("old") or (str(all_versions[1].id) if len(all_versions) > 1 else str(all_versions[0].id))
    new_key = request.args.get("new") or (str(all_versions[0].id) if len(all_versions) > 1 else WORKING)
    form.old.data, form.new.data = old_key, new_key
    problem, result = None, None
    if old_key not in by_id and old_key != WORKING or new_key not in by_id and new_key != WORKING:
        problem = _("所选版本不属于%(name)s。", name=j.name)
    elif old_key == new_key:
        problem = _("请选择两个不同的版本进行比较。")
    elif old_key == WORKING:
        result = diff.compare(
            diff.working_states(j), diff.version_states(by_id[new_key]), diff.WORKING, by_id[new_key].label
        )
    elif new_key == WORKING:
        result = diff.compare_with_working(by_id[old_key], j)
    else:
        result = diff.compare_versions(by_id[old_key], by_id[new_key])
    return render_template("versions/compare.html", j=j, form=form, result=result, problem=problem)


# -- export ----------------------------------------------------------------------------------------


def _send(content: bytes, filename: str, mimetype: str):
    return send_file(BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename)


@bp.route("/<code>/export.<fmt>")
@requires(Permission.LIST_READ, _jurisdiction)
def export_working(code: str, fmt: str):
    if fmt not in exporting.FORMATS:
        abort(404)
    return _send(*exporting.export_list(g.target, fmt))


@bp.route("/versions/<int:version_id>/export.<fmt>")
@requires(Permission.LIST_READ, _version)
def export_version(version_id: int, fmt: str):
    if fmt not in exporting.FORMATS:
        abort(404)
    version = g.target
    return _send(*exporting.export_list(version.jurisdiction, fmt, version))
