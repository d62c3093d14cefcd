"""The 任务 pages: a job's progress (updated by static/js/jobs.js, or by a reload without JavaScript),
its status as JSON for that script, its result file, and the list of the user's own jobs."""

from flask import Blueprint, abort, current_app, jsonify, make_response, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.core.http import content_disposition, paginate
from registry.core.permissions import Permission, requires
from registry.core.timezone import format_local
from registry.extensions import db
from registry.jobs import live, runner
from registry.jobs.models import Job, JobState

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

STATE_LABELS = {
    JobState.QUEUED: "排队中",
    JobState.RUNNING: "进行中",
    JobState.DONE: "已完成",
    JobState.FAILED: "失败",
}
REFRESH_SECONDS = 3  # the page's own reload while the job runs and scripts are off


def _visible_job(job_id: int) -> Job:
    """The job, if the signed-in user may see it (runner.may_see); else 404, which hides it exists."""
    job = db.session.get(Job, job_id)
    if job is None or not runner.may_see(current_user, job):
        abort(404)
    return job


def queue_unreachable() -> bool:
    """Jobs go through Redis (REDIS_URL) and it does not answer: queued jobs wait until it is back."""
    if not current_app.config.get("REDIS_URL") or current_app.config.get("JOBS_EAGER"):
        return False
    from registry.jobs import queue

    return not queue.reachable()


def _status(job: Job) -> dict:
    link = runner.result_link(job)
    if job.state == JobState.RUNNING:
        if now := live.get(job.id):  # how far it is, before it commits
            job.progress, job.total, job.message = now["progress"], now["total"], now["message"] or job.message
        else:
            # Nothing live: not started counting, or it has just ended (the live progress is cleared
            # after the commit) while this request still reads the row as it was. End this request's
            # read (nothing is pending: a GET) so that the row is read again as it is now.
            db.session.commit()
    return {
        "id": job.id,
        "state": job.state,
        "state_label": _(STATE_LABELS.get(job.state, job.state)),
        "progress": job.progress,
        "total": job.total,
        "percent": job.percent,
        "counts": runner.shows_counts(job),
        "message": job.message,
        "error": job.error,
        "finished": job.state in (JobState.DONE, JobState.FAILED),
        "queue_unreachable": job.state == JobState.QUEUED and queue_unreachable(),
        "result_url": url_for("jobs.result", job_id=job.id) if job.state == JobState.DONE and job.result_name else None,
        "result_name": job.result_name if job.state == JobState.DONE else None,  # what the download is
        "link": {"label": link[0], "url": link[1]} if link else None,
        # as the page shows them (Beijing time), for the script to fill in when the job starts and ends
        "started_at": format_local(job.started_at),
        "finished_at": format_local(job.finished_at),
    }


@bp.route("/")
@requires(Permission.ACCOUNT)  # each user sees the jobs they started
def index():
    page = paginate(runner.jobs_of(current_user), per_page=current_app.config.get("PER_PAGE", 50))
    waiting = any(job.state == JobState.QUEUED for job in page.items) and queue_unreachable()
    return render_template("jobs/index.html", page=page, state_labels=STATE_LABELS, queue_unreachable=waiting)


@bp.route("/<int:job_id>")
@requires(Permission.ACCOUNT)  # scope: runner.may_see (the starter, or the office of its jurisdiction)
def show(job_id: int):
    job = _visible_job(job_id)
    return render_template(
        "jobs/show.html",
        job=job,
        status=_status(job),
        state_labels=STATE_LABELS,
        refresh=REFRESH_SECONDS,
    )


@bp.route("/<int:job_id>/status.json")
@requires(Permission.ACCOUNT)  # scope: runner.may_see
def status(job_id: int):
    response = jsonify(_status(_visible_job(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:job_id>/result")
@requires(Permission.ACCOUNT)  # scope: runner.may_see
def result(job_id: int):
    job = _visible_job(job_id)
    if job.state != JobState.DONE or not job.result_name:
        abort(404)
    response = make_response(job.result_data)
    response.headers["Content-Type"] = job.result_type or "application/octet-stream"
    response.headers["Content-Disposition"] = content_disposition("attachment", job.result_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
