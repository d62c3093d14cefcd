"""The bulletin's chart of a ledger's progress over time: at each month end, how many of its tasks were
closed (已销号), on public notice (销号公示中) and still in progress (整改中, 销号审核中 included), as
stacked bars (registry/core/charts.py: pygal SVG, no script, Chinese labels; the same SVG in the PDF and
on the office's page)."""

from datetime import date

from flask_babel import gettext as _

from registry.core.charts import GREEN, NARROW, ORANGE, WIDTH, base, finish

BLUE_GREY = "#1f5f9e"
HEIGHTS = {WIDTH: 340, NARROW: 300}


def month_label(month: date) -> str:
    return _("%(year)d年%(month)d月", year=month.year, month=month.month)


def progress_chart(title: str, history: list[tuple[date, int, int, int]], width: int = WIDTH) -> str:
    """`history`: (month, closed, on notice, in progress) at each month end, oldest first."""
    narrow = width < WIDTH
    chart = base(
        "StackedBar",
        HEIGHTS.get(width, 340),
        GREEN,
        ORANGE,
        BLUE_GREY,
        width=width,
        legend_at_bottom_columns=3,
        x_label_rotation=-45 if narrow and len(history) > 4 or len(history) > 8 else 0,
        show_y_guides=True,
    )
    top = max((sum(n) for _m, *n in history), default=0)
    step = max(1, -(-top // 8))  # at most about eight whole-number steps
    chart.y_labels = list(range(0, top + step, step))
    chart.range = (0, max(top, 1))
    chart.value_formatter = lambda v: str(int(v)) if v else ""
    chart.x_labels = [
        _("%(month)d月", month=m.month) if i and m.month != 1 else month_label(m) for i, (m, *_n) in enumerate(history)
    ]
    chart.add(_("已销号"), [closed for _m, closed, _n, _p in history])
    chart.add(_("销号公示中"), [notice for _m, _c, notice, _p in history])
    chart.add(_("整改中"), [progress for _m, _c, _n, progress in history])
    desc = _("；").join(
        _(
            "%(month)s末：已销号%(closed)d项，公示中%(notice)d项，整改中%(progress)d项",
            month=month_label(m),
            closed=closed,
            notice=notice,
            progress=progress,
        )
        for m, closed, notice, progress in history
    )
    return finish(chart, _("%(title)s整改进展（各月末）", title=title), desc or _("暂无数据"))
