from datetime import date

from flask import Blueprint, abort, redirect, render_template, session

from registry.core.http import safe_next
from registry.core.permissions import public
from registry.core.timezone import local_day_start, local_today
from registry.public.cache import cached
from registry.public.queries.states import home_state

bp = Blueprint("jurisdictions", __name__)


@bp.route("/")
@public
@cached(home_state)
def home():
    from registry.public.queries import portal_overview

    today = local_today()
    # The local year starts at local midnight of 1 January.
    year_start = local_day_start(date(today.year, 1, 1))
    overview = portal_overview(today, year_start)
    return render_template("jurisdictions/home.html", overview=overview, year=today.year, today=today)


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
