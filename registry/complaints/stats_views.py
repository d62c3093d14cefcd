"""Public statistics of complaints per jurisdiction, department and matter (aggregates only).

The pages and charts are public and cached briefly: the figures change as complaints are handled, so
the cache key is stats.page_state (the complaints' steps, the day, the departments' names), and shared
caches keep a page for a minute only.
"""

from flask import abort, make_response, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from registry.complaints import charts, retention, stats  # noqa: F401  (retention: its daily job registers)
from registry.complaints.blueprint import bp
from registry.core.charts import NARROW, SVG_POLICY, WIDTH
from registry.core.http import whole_number
from registry.core.permissions import public
from registry.extensions import db, talisman
from registry.jurisdictions.models import Jurisdiction
from registry.jurisdictions.queries import by_code
from registry.lists.models import Department
from registry.public.cache import PageState, cached

MAX_AGE = 60  # seconds a shared cache may keep a page: the figures move as complaints are handled
LISTED_LEVELS = ("province", "city")  # the index lists these, and any other place with complaints


def jurisdiction_state(code: str, **_kwargs) -> PageState | None:
    """None (the view answers 404, uncached) for an unknown code."""
    if by_code(code) is None:
        return None
    return stats.page_state()


def year_arg() -> int | None:
    """?year=YYYY, or all time when absent or empty; anything else is a page that does not exist."""
    raw = request.args.get("year", "").strip()
    if not raw:
        return None
    year = whole_number(raw, low=stats.FIRST_YEAR, high=stats.LAST_YEAR)
    if year is None:
        abort(404)
    return year


def department_arg(jurisdiction: Jurisdiction) -> Department | None:
    """?department=ID, one of the jurisdiction's departments (else 404)."""
    raw = request.args.get("department", "").strip()
    if not raw:
        return None
    department_id = whole_number(raw)
    department = db.session.get(Department, department_id) if department_id else None
    if department is None or department.jurisdiction_id != jurisdiction.id:
        abort(404)
    return department


def _offered(years: list[int], year: int | None) -> list[int]:
    """The selector's years, with the one asked for among them (newest first)."""
    return sorted({*years, year} - {None}, reverse=True)


def _load(code: str) -> Jurisdiction:
    jurisdiction = by_code(code)
    if jurisdiction is None:
        abort(404)
    return jurisdiction


@bp.route("/complaints/stats")
@public
@cached(stats.page_state, max_age=MAX_AGE)
def stats_index():
    year = year_arg()
    result = stats.figures(year=year)
    places = db.session.scalars(select(Jurisdiction).order_by(Jurisdiction.code)).all()
    rows = [
        (place, result.by_jurisdiction.get(place.id, stats.Counts()))
        for place in places
        if place.level in LISTED_LEVELS or place.id in result.by_jurisdiction
    ]
    return render_template(
        "complaints/stats/index.html",
        figures=result,
        rows=rows,
        year=year,
        years=_offered(stats.years_with_complaints(), year),
    )


@bp.route("/complaints/stats/<code>")
@public
@cached(jurisdiction_state, max_age=MAX_AGE)
def stats_jurisdiction(code: str):
    jurisdiction = _load(code)
    year = year_arg()
    department = department_arg(jurisdiction)
    result = stats.figures(
        jurisdiction_ids=[jurisdiction.id], department_id=department.id if department else None, year=year
    )
    departments = db.session.scalars(
        select(Department)
        .where(Department.jurisdiction_id == jurisdiction.id, Department.active.is_(True))
        .order_by(Department.sort_order, Department.id)
    ).all()
    chart_args = {k: v for k, v in (("year", year), ("department", department.id if department else None)) if v}
    return render_template(
        "complaints/stats/jurisdiction.html",
        jurisdiction=jurisdiction,
        figures=result,
        year=year,
        years=_offered(stats.years_with_complaints([jurisdiction.id]), year),
        department=department,
        departments=departments,
        period_labels=charts.period_labels(result),
        chart_args=chart_args,
    )


def chart_title(kind: str, jurisdiction: Jurisdiction, year: int | None, department: Department | None) -> str:
    scope = department.name if department else jurisdiction.name
    when = _("%(year)d年", year=year) if year else _("历年")
    return {
        "received": _("%(scope)s%(when)s收到的公众举报", scope=scope, when=when),
        "on_time": _("%(scope)s%(when)s公众举报按期办结情况", scope=scope, when=when),
        "satisfaction": _("%(scope)s%(when)s公众举报满意度", scope=scope, when=when),
    }[kind]


@bp.route("/complaints/stats/<code>/chart.svg")
@talisman(content_security_policy=SVG_POLICY)
@public
@cached(jurisdiction_state, max_age=MAX_AGE)
def stats_chart(code: str):
    """One chart as an SVG image (<img> on the page): its inline styles need their own policy."""
    jurisdiction = _load(code)
    kind = request.args.get("kind", "received")
    if kind not in charts.CHARTS:
        abort(404)
    year = year_arg()
    department = department_arg(jurisdiction)
    result = stats.figures(
        jurisdiction_ids=[jurisdiction.id], department_id=department.id if department else None, year=year
    )
    width = NARROW if request.args.get("size") == "narrow" else WIDTH
    svg = charts.CHARTS[kind](result, chart_title(kind, jurisdiction, year, department), width)
    response = make_response(svg)
    response.headers["Content-Type"] = "image/svg+xml; charset=utf-8"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
