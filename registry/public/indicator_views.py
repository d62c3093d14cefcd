"""Public pages of the target indicators (issue #19): a jurisdiction's dashboard, one indicator with
its chart and table of values, and the chart itself as an SVG image.

No login. The charts are pygal SVG served as images (<picture>: a narrow one for phones), each
rendered once per state and language (cache.fragment) and served with a strong ETag."""

from flask import abort, make_response, render_template, request
from flask_babel import gettext as _

from registry.core.charts import NARROW, SVG_POLICY, WIDTH
from registry.core.permissions import public
from registry.extensions import talisman
from registry.public.cache import cached, fragment
from registry.public.queries import jurisdiction_ref
from registry.public.queries import targets as queries
from registry.public.views import bp
from registry.targets import charts
from registry.targets.rules import STATUS_LABELS, STATUS_TAGS, number

SIZES = {"": WIDTH, "narrow": NARROW, "small": charts.SMALL}


def chart_alt(row, *, on_card: bool = False) -> str:
    """What an indicator's chart shows, for those who cannot see it, and where its numbers are."""
    if on_card:
        return _("折线图：%(name)s历年实际值与目标值，具体数字见该指标页面的表格。", name=row.name)
    return _("折线图：%(name)s历年实际值与目标值、序时进度，具体数字见下方表格。", name=row.name)


@bp.app_template_global()
def indicator_chart_svg_size(size: str) -> tuple[int, int]:
    """(width, height) of a chart size, for <img width height> (no layout shift while it loads)."""
    width = SIZES[size]
    return width, charts.HEIGHTS[width]


@bp.app_template_global()
def indicator_status(row) -> dict:
    """A card's status: its label, tag class and year (the latest year with a value)."""
    found = queries.status_of(row)
    status = found.status.value if found else "no_data"
    return {
        "status": status,
        "label": STATUS_LABELS[status],
        "tag": STATUS_TAGS[status],
        "year": found.year if found else None,
        "value": found.value if found else None,
        "stretch_met": bool(found and found.stretch_met),
    }


@bp.app_template_global()
def indicator_chart_alt(row, on_card: bool = False) -> str:
    return chart_alt(row, on_card=on_card)


@bp.app_template_global()
def indicator_number(value: float | None) -> str:
    """A value as people write it (rules.number): 28, 91.5; — for none."""
    return number(value)


def _load(code: str):
    jref = jurisdiction_ref(code)
    if jref is None:
        abort(404)
    return jref


@bp.route("/jurisdictions/<code>/indicators")
@public
@cached(queries.indicators_state)
def indicators(code: str):
    jref = _load(code)
    rows = queries.jurisdiction_indicators(jref.id)
    return render_template(
        "public/indicators.html",
        jurisdiction=jref.load(),
        dashboard=queries.dashboard(rows),
        departments={r.lead_department_id: queries.department_published(r.lead_department_id) for r in rows},
    )


@bp.route("/jurisdictions/<code>/indicators/<int:indicator_id>")
@public
@cached(queries.indicator_state)
def indicator(code: str, indicator_id: int):
    jref = _load(code)
    row = queries.indicator_row(indicator_id)
    if row is None or row.jurisdiction_id != jref.id:
        abort(404)
    return render_template(
        "public/indicator.html",
        jurisdiction=jref.load(),
        row=row,
        years=_table_years(row, queries.this_year()),  # in the page's state
        matters=queries.matter_links(row),
        lead_linked=queries.department_published(row.lead_department_id),
        status=indicator_status(row),
        tags=STATUS_TAGS,
    )


def _table_years(row, this_year: int) -> list[dict]:
    """The table's rows, newest first: every year from the baseline to this year (or the last with a
    value), with its value and status; the baseline year shows the baseline when it has no value."""
    last = max([min(row.target_year, this_year), *(v.year for v in row.yearly)])
    result = []
    for year in range(row.baseline_year, last + 1):
        found = row.value_in(year)
        if found is None and year == row.baseline_year:
            result.append({"year": year, "value": row.baseline_value, "baseline": True})
            continue
        assessment = row.assessment(year)
        result.append(
            {
                "year": year,
                "value": found.value if found else None,
                "source": found.source if found else "",
                "locked": found.locked if found else False,
                "status": assessment.status.value,
                "label": assessment.label,
                "stretch_met": assessment.stretch_met,
                "baseline": False,
            }
        )
    return result[::-1]


@bp.route("/jurisdictions/<code>/indicators/<int:indicator_id>/chart.svg")
@talisman(content_security_policy=SVG_POLICY)
@public
@cached(queries.indicator_state)
def indicator_chart(code: str, indicator_id: int):
    """The indicator's chart as an SVG image: ?size=narrow (phones) or small (the dashboard);
    ?year= a report's year (later years' values left out, as in the report's PDF)."""
    size = request.args.get("size", "")
    if size not in SIZES:
        abort(404)
    up_to = None
    if year := request.args.get("year", ""):
        if not (year.isascii() and year.isdigit() and len(year) == 4):
            abort(404)
        up_to = int(year)
    jref = _load(code)
    row = queries.indicator_row(indicator_id)
    if row is None or row.jurisdiction_id != jref.id:
        abort(404)
    width = SIZES[size]
    # Title: the card or the page names the indicator already; the image still says what it is.
    svg = fragment(
        "indicator-chart",
        (row.id, width, up_to, queries.fingerprint([row])),
        lambda: charts.chart(row, width, up_to=up_to),
    )
    response = make_response(svg)
    response.headers["Content-Type"] = "image/svg+xml; charset=utf-8"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
