"""An indicator's line chart: the actual values year by year, the target line and (when set) the
stretch line, with the straight line from the baseline to the target (序时进度) for comparison.
pygal SVG rendered on the server (registry/core/charts.py): no JavaScript, nothing fetched, Chinese
labels, and the same SVG in the pages and in the PDFs. Values are printed at their points; the
legend names every line and the lines differ in dash as well as colour."""

from flask_babel import gettext as _

from registry.core.charts import BLUE, GREEN, GREY, NARROW, RED, WIDTH, base, finish
from registry.targets.queries import IndicatorRow
from registry.targets.rules import expected_value, number

SMALL = 360  # a dashboard's small multiple
HEIGHTS = {WIDTH: 360, NARROW: 300, SMALL: 260}


def _axis(row: IndicatorRow) -> tuple[float, float]:
    """A y range with room around every line, so that the lines do not sit on the frame."""
    points = [row.baseline_value, row.target_value, *(v.value for v in row.yearly)]
    if row.stretch_value is not None:
        points.append(row.stretch_value)
    low, high = min(points), max(points)
    pad = (high - low) * 0.15 or abs(high) * 0.1 or 1
    bottom = low - pad
    if low >= 0 > bottom:
        bottom = 0
    return bottom, high + pad


def chart(row: IndicatorRow, width: int = WIDTH, *, title: str | None = None, up_to: int | None = None) -> str:
    """The indicator's chart as SVG text; `width` WIDTH (page), NARROW (phone) or SMALL (dashboard).
    `up_to`: a report's year — the values of later years are left out (the axis still runs to the
    target year)."""
    years = row.years
    # The baseline is the actual value of the baseline year, when no value was recorded for it.
    values = {row.baseline_year: row.baseline_value, **row.values_by_year}
    if up_to is not None:
        values = {y: v for y, v in values.items() if y <= up_to}
    narrow = width < WIDTH
    chart_ = base(
        "Line",
        HEIGHTS.get(width, 360),
        BLUE,
        RED,
        GREEN,
        GREY,
        width=width,
        range=_axis(row),
        print_values=not narrow or len(years) <= 6,
        dots_size=4,
        legend_at_bottom_columns=2 if narrow else 4,
        x_label_rotation=-45 if narrow and len(years) > 6 else 0,
        allow_interruptions=True,
        value_formatter=number,
        show_y_guides=True,
        max_scale=6 if narrow else 10,
        margin_right=36,  # room for the last year's value, printed to the right of its point
    )
    style = chart_.config.style
    style.value_colors = (BLUE, "transparent", "transparent", "transparent")
    style.value_font_size = 12 if narrow else 13
    style.guide_stroke_color = style.major_guide_stroke_color = "#d9d9d9"
    style.guide_stroke_dasharray = style.major_guide_stroke_dasharray = "0"
    chart_.x_labels = [str(y) for y in years]
    unit = f"（{row.unit}）" if row.unit else ""
    chart_.add(_("实际值"), [values.get(y) for y in years], stroke_style={"width": 3})
    chart_.add(
        _("目标值 %(value)s", value=number(row.target_value)),
        [row.target_value] * len(years),
        show_dots=False,
        stroke_style={"width": 2, "dasharray": "8, 4"},
    )
    if row.stretch_value is not None:
        chart_.add(
            _("力争值 %(value)s", value=number(row.stretch_value)),
            [row.stretch_value] * len(years),
            show_dots=False,
            stroke_style={"width": 2, "dasharray": "2, 4"},
        )
    else:
        chart_.add(None, [])  # keeps the colours of the lines that follow
    chart_.add(
        _("序时进度"),
        [expected_value(row, y) if y <= row.target_year else None for y in years],
        show_dots=False,
        stroke_style={"width": 1.5, "dasharray": "3, 3"},
    )
    heading = title if title is not None else f"{row.name}{unit}"
    desc = _("；").join(
        [
            _("目标：%(target)s（%(year)d年）", target=row.target_text, year=row.target_year),
            _("基准：%(value)s（%(year)d年）", value=number(row.baseline_value), year=row.baseline_year),
            *(_("%(year)d年：%(value)s", year=y, value=number(values[y])) for y in years if y in values),
        ]
    )
    return finish(chart_, heading, desc)
