"""The complaint statistics' charts (the site's pygal charts: registry/core/charts.py). Every series
is named in the legend and its values are printed on the bars."""

from flask_babel import gettext as _

from registry.complaints.stats import Figures
from registry.core.charts import BLUE, GREEN, GREY, ORANGE, RED, WIDTH, base, finish, label_room, short


def _count_axis(top: int) -> list[int]:
    """Whole numbers on the count axis (pygal would mark 0.2, 0.4 … for small counts)."""
    step = max(1, -(-top // 8))
    return list(range(0, top + step, step))


def period_labels(figures: Figures) -> list[str]:
    """The months (1月 …) of a year's figures, or the years of all-time figures."""
    if figures.year is not None:
        return [_("%(month)d月", month=month) for month, _n in figures.by_period]
    return [_("%(year)d年", year=year) for year, _n in figures.by_period]


def received_chart(figures: Figures, title: str, width: int = WIDTH) -> str:
    """Complaints received per month of the year (or per year for all time)."""
    labels = period_labels(figures)
    chart = base("Bar", 360, BLUE, width=width, show_legend=False, x_label_rotation=-45 if width < WIDTH else 0)
    chart.x_labels = labels
    chart.y_labels = _count_axis(max((n for _p, n in figures.by_period), default=0))
    chart.add(_("收到举报"), [n for _period, n in figures.by_period])
    desc = _("；").join(
        _("%(period)s：%(n)d件", period=label, n=n) for label, (_p, n) in zip(labels, figures.by_period, strict=True)
    )
    desc = desc or _("没有举报")
    return finish(chart, title, desc)


def on_time_chart(figures: Figures, title: str, width: int = WIDTH) -> str:
    """Per department: closed on time, closed late, open and overdue (stacked)."""
    groups = figures.by_department
    labels = [short(g.name, 12 if width >= WIDTH else 8) for g in groups]
    height = 150 + 44 * max(len(groups), 1)
    chart = base("HorizontalStackedBar", height, GREEN, ORANGE, RED, width=width, margin_left=label_room(labels))
    chart.x_labels = labels
    chart.y_labels = _count_axis(max((g.counts.closed + g.counts.open_overdue for g in groups), default=0))
    chart.add(_("按期办结"), [g.counts.on_time or None for g in groups])
    chart.add(_("超期办结"), [g.counts.closed_late or None for g in groups])
    chart.add(_("超期未办结"), [g.counts.open_overdue or None for g in groups])
    desc = _("；").join(
        _(
            "%(name)s：按期办结%(on_time)d件，超期办结%(late)d件，超期未办结%(open)d件",
            name=g.name,
            on_time=g.counts.on_time,
            late=g.counts.closed_late,
            open=g.counts.open_overdue,
        )
        for g in groups
    )
    return finish(chart, title, desc or _("没有举报"))


def satisfaction_chart(figures: Figures, title: str, width: int = WIDTH) -> str:
    """Per department: how the people who rated the reply rated it (stacked)."""
    groups = [g for g in figures.by_department if g.counts.rated]
    labels = [short(g.name, 12 if width >= WIDTH else 8) for g in groups]
    height = 150 + 44 * max(len(groups), 1)
    chart = base("HorizontalStackedBar", height, GREEN, GREY, width=width, margin_left=label_room(labels))
    chart.x_labels = labels
    chart.y_labels = _count_axis(max((g.counts.rated for g in groups), default=0))
    chart.add(_("满意"), [g.counts.satisfied or None for g in groups])
    chart.add(_("不满意"), [(g.counts.rated - g.counts.satisfied) or None for g in groups])
    desc = _("；").join(
        _(
            "%(name)s：满意%(yes)d件，不满意%(no)d件",
            name=g.name,
            yes=g.counts.satisfied,
            no=g.counts.rated - g.counts.satisfied,
        )
        for g in groups
    )
    return finish(chart, title, desc or _("尚无评价"))


CHARTS = {"received": received_chart, "on_time": on_time_chart, "satisfaction": satisfaction_chart}
