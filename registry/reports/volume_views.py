"""The 汇编 on the cycle page (compile as a background job, download, publish) and what the public
downloads of it and of published reports' attachments. Importing this module adds the routes to the
reports blueprint and the helpers the partials reports/_volumes.html, _published_volumes.html and
_public_attachments.html call."""

from typing import Any

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.core.errors import DomainError
from registry.core.http import content_disposition
from registry.core.permissions import Permission, can, public, requires
from registry.extensions import db
from registry.reports import volumes
from registry.reports.forms import ConfirmForm
from registry.reports.models import AnnualReport, ReportAttachment, ReportState, ReportVolume
from registry.reports.views import bp, load_cycle

# Types a browser shows itself; anything else (XLSX) is downloaded.
INLINE_TYPES = ("application/pdf", "image/png", "image/jpeg")
FOREVER = "public, max-age=31536000, immutable"


def load_volume_cycle(volume_id: int):
    volume = db.session.get(ReportVolume, volume_id)
    return volume.cycle if volume is not None else None


def _file_response(data: bytes, content_type: str, filename: str, sha256: str, *, inline: bool):
    """A stored file as published: its own type, a safe file name, nosniff, cached for good by its
    SHA-256 (it never changes), 304 for a client that holds it."""
    response = make_response(data)
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = content_disposition("inline" if inline else "attachment", filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Checksum-SHA256"] = sha256
    response.set_etag(sha256)
    return response


# -- the cycle page's volumes panel ---------------------------------------------------------------


@bp.app_template_global()
def volume_panel(cycle) -> dict[str, Any]:
    """What reports/_volumes.html shows on the cycle page: the volumes, whether this user may compile
    and publish, how many reports a new volume would hold, and a compile under way."""
    may_manage = can(current_user, Permission.CYCLE_MANAGE, cycle)
    items = volumes.volumes_of(cycle.id)
    return {
        "volumes": items,
        "may_manage": may_manage,
        "compilable": len(volumes.volume_reports(cycle)) if may_manage else 0,
        "running": volumes.compile_in_progress(cycle) if may_manage else None,
    }


@bp.route("/cycles/<int:cycle_id>/compile", methods=["GET", "POST"])
@requires(Permission.CYCLE_MANAGE, load_cycle)
def compile_volume(cycle_id: int):
    """生成汇编: a confirmation page that lists what goes in, then the job."""
    cycle = g.target
    reports = volumes.volume_reports(cycle)
    form = ConfirmForm()
    status = 200
    if form.validate_on_submit():
        try:
            job = volumes.start_compile(cycle, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
            status = 400
        else:
            db.session.commit()
            return redirect(url_for("jobs.show", job_id=job.id))
    elif request.method == "POST":
        status = 400
    return render_template(
        "reports/volume_compile.html",
        cycle=cycle,
        reports=reports,
        form=form,
        running=volumes.compile_in_progress(cycle),
    ), status


@bp.route("/volumes/<int:volume_id>.pdf")
@requires(Permission.REPORT_READ, load_volume_cycle)
def volume_pdf(volume_id: int):
    """A volume for the offices, published or not."""
    volume = db.session.get(ReportVolume, volume_id)
    response = _file_response(volume.pdf_data, "application/pdf", f"{volume.title}.pdf", volume.pdf_sha256, inline=True)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/volumes/<int:volume_id>/publish", methods=["GET", "POST"])
@requires(Permission.CYCLE_MANAGE, load_volume_cycle)
def publish_volume(volume_id: int):
    volume = db.session.get(ReportVolume, volume_id)
    form = ConfirmForm()
    status = 200
    if form.validate_on_submit():
        try:
            volumes.publish_volume(volume, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            volume = db.session.get(ReportVolume, volume_id)
            form.form_errors.append(str(error))
            status = 400
        else:
            db.session.commit()
            flash(_("汇编已公开，公众可在本地区页面下载。"), "success")
            return redirect(url_for("reports.cycle", cycle_id=volume.cycle_id, _anchor=f"volume-{volume.id}"))
    elif request.method == "POST":
        status = 400
    return render_template(
        "reports/volume_publish.html",
        volume=volume,
        form=form,
        waiting=volumes.unpublished_reports(volume),
    ), status


# -- the public ---------------------------------------------------------------------------------


@bp.app_template_global()
def public_volumes(jurisdiction_id: int) -> tuple[dict, ...]:
    """The published volumes the jurisdiction's public page lists (plain values, remembered)."""
    from registry.public.queries.volumes import published_volumes

    return published_volumes(jurisdiction_id)


@bp.route("/published/volumes/<int:volume_id>.pdf")
@public
def published_volume(volume_id: int):
    """A published volume: the bytes stored when it was compiled."""
    volume = db.session.get(ReportVolume, volume_id)
    if volume is None or volume.published_at is None:
        abort(404)
    response = _file_response(volume.pdf_data, "application/pdf", f"{volume.title}.pdf", volume.pdf_sha256, inline=True)
    response.headers["Cache-Control"] = FOREVER
    return response.make_conditional(request)


@bp.route("/published/<int:report_id>/attachments/<int:attachment_id>")
@public
def published_attachment(report_id: int, attachment_id: int):
    """An attachment of a published report; those of reports not (yet) published stay private."""
    item = db.session.get(ReportAttachment, attachment_id)
    report = db.session.get(AnnualReport, report_id)
    if item is None or report is None or item.report_id != report.id or report.state != ReportState.PUBLISHED:
        abort(404)
    response = _file_response(
        item.data, item.content_type, item.filename, item.sha256, inline=item.content_type in INLINE_TYPES
    )
    response.headers["Cache-Control"] = FOREVER
    return response.make_conditional(request)
