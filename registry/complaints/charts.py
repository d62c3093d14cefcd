"""The complaint statistics' charts: pygal SVG rendered on the server, self-contained and offline.

pygal's default output links its tooltip script from a CDN and carries an inline configuration script;
neither is wanted (no JavaScript, nothing fetched from elsewhere), so charts are made with `js=[]` and
every <script> and comment is removed from the SVG. Each chart names itself in a <title> and <desc>;
the page shows the same numbers in a table next to it, and every series is named in the legend and its
values are printed on the bars, so colour is never the only carrier of meaning.
"""

import re
import sys
from html import escape

import pygal
from flask_babel import gettext as _
from pygal.style import Style

from registry.complaints.stats import Figures

# pygal appends a legacy import hook for its map plugins to sys.meta_path (find_module only: every
# failed import anywhere that reaches it then warns, an error under the tests' filterwarnings, and
# Python 3.12 ignores it). No map is drawn here: take it out.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

# The site's own CJK font family (static/css/site.css), so Chinese labels render as on the pages.
FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'
BLUE, GREEN, ORANGE, RED, GREY = "#1f5f9e", "#2e7d32", "#b26a00", "#b3261e", "#6b6b6b"
WIDTH = 760
NARROW = 400  # the same chart for phones (<picture>), its labels readable without zooming
LABEL_SIZE = 13
KINDS = ("received", "on_time", "satisfaction")

_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TITLE = re.compile(r"<title>Pygal</title>")


def _style(*colors: str) -> Style:
    return Style(
        value_colors=("#ffffff",) * len(colors),  # the count printed on its bar, white on the colour
        font_family=FONT,
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1a1a1a",
        foreground_strong="#1a1a1a",
        foreground_subtle="#555555",
        colors=colors,
        opacity="1",
        opacity_hover="1",
        title_font_size=18,
        legend_font_size=14,
        label_font_size=LABEL_SIZE,
        major_label_font_size=LABEL_SIZE,
        value_font_size=13,
        tooltip_font_size=13,
    )


def _base(chart_class, height: int, *colors: str, width: int = WIDTH, **options) -> pygal.Graph:
    settings = {
        "js": [],
        "width": width,
        "height": height,
        "style": _style(*colors),
        "print_values": True,
        "print_zeroes": False,
        "show_legend": True,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "margin": 16,
        "margin_bottom": 36,  # room under the legend: CJK glyphs sit lower than pygal reckons
        "no_data_text": "",
        "show_minor_x_labels": True,
    }
    return chart_class(**{**settings, **options})


def _finish(chart: pygal.Graph, title: str, desc: str) -> str:
    """The SVG as text: no script, no comment, with its <title> and <desc> first."""
    svg = chart.render(is_unicode=True)
    svg = _COMMENT.sub("", _SCRIPT.sub("", svg))
    svg = _TITLE.sub("", svg, count=1)
    head = f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
    return re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1).replace("<svg", '<svg role="img"', 1) + head, svg, count=1)


def _short(name: str, limit: int = 12) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _label_room(labels: list[str]) -> int:
    """The left margin that makes room for Chinese labels: pygal reserves 0.6 em a character, a Han
    character takes a whole one."""
    longest = max((len(label) for label in labels), default=0)
    return 16 + int(0.45 * LABEL_SIZE * longest)


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
    chart = _base(pygal.Bar, 360, BLUE, width=width, show_legend=False, x_label_rotation=-45 if width < WIDTH else 0)
    chart.x_labels = labels
    chart.y_labels = _count_axis(max((n for _p, n in figures.by_period), default=0))
    chart.add(_("收到举报"), [n for _period, n in figures.by_period])
    desc = _("；").join(
        _("%(period)s：%(n)d件", period=label, n=n) for label, (_p, n) in zip(labels, figures.by_period, strict=True)
    )
    desc = desc or _("没有举报")
    return _finish(chart, title, desc)


def on_time_chart(figures: Figures, title: str, width: int = WIDTH) -> str:
    """Per department: closed on time, closed late, open and overdue (stacked)."""
    groups = figures.by_department
    labels = [_short(g.name, 12 if width >= WIDTH else 8) for g in groups]
    height = 150 + 44 * max(len(groups), 1)
    chart = _base(pygal.HorizontalStackedBar, height, GREEN, ORANGE, RED, width=width, margin_left=_label_room(labels))
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
    return _finish(chart, title, desc or _("没有举报"))


def satisfaction_chart(figures: Figures, title: str, width: int = WIDTH) -> str:
    """Per department: how the people who rated the reply rated it (stacked)."""
    groups = [g for g in figures.by_department if g.counts.rated]
    labels = [_short(g.name, 12 if width >= WIDTH else 8) for g in groups]
    height = 150 + 44 * max(len(groups), 1)
    chart = _base(pygal.HorizontalStackedBar, height, GREEN, GREY, width=width, margin_left=_label_room(labels))
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
    return _finish(chart, title, desc or _("尚无评价"))


CHARTS = {"received": received_chart, "on_time": on_time_chart, "satisfaction": satisfaction_chart}
