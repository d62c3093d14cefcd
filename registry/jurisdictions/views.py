from flask import Blueprint, abort, redirect, render_template, session

from registry.core.http import safe_next
from registry.core.permissions import public
from registry.jurisdictions import queries

bp = Blueprint("jurisdictions", __name__)


@bp.route("/")
@public
def home():
    return render_template("jurisdictions/home.html", tree=queries.tree())


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
