from datetime import UTC, datetime

from flask import Blueprint, abort, redirect, render_template, session
from flask_babel import to_user_timezone

from registry.core.http import safe_next
from registry.core.permissions import public

bp = Blueprint("jurisdictions", __name__)


@bp.route("/")
@public
def home():
    from registry.public.queries import portal_overview

    now = to_user_timezone(datetime.now(UTC))
    # The local year starts at local midnight of 1 January.
    year_start = now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    overview = portal_overview(now.date(), year_start.astimezone(UTC))
    return render_template("jurisdictions/home.html", overview=overview, year=now.year)


@bp.route("/healthz")
@public
def healthz():
    # For load balancers: the app answers; deliberately no database round trip.
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.route("/lang/<code>")
@public
def set_language(code: str):
    from flask import current_app

    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    return redirect(safe_next())
