"""The public ledger page's charts (registry/core/charts.py: pygal SVG, no script, Chinese labels): the
ledger's tasks by state, and each lead department's tasks by state. Every bar is named in words (the
axis or the legend) and carries its count; the page has a table with the same figures."""

from flask_babel import gettext as _

from registry.core.charts import BLUE, GREEN, ORANGE, WIDTH, base, finish, label_room, short
from registry.supervision.ledger_queries import Counts
from registry.supervision.models import TASK_STATE_LABELS
from registry.supervision.public_data import STATE_ORDER, DepartmentRow

PURPLE = "#6a4c93"
COLORS = {"closed": GREEN, "notice": ORANGE, "applied": PURPLE, "open": BLUE}


def _axis(top: int) -> list[int]:
    """Whole numbers on the count axis (pygal would mark 0.2, 0.4 … for small counts)."""
    step = max(1, -(-top // 8))
    return list(range(0, top + step, step))


def _state_words(counts: Counts) -> str:
    return _("、").join(_("%(state)s%(n)d项", state=_(TASK_STATE_LABELS[s]), n=counts[s]) for s in STATE_ORDER)


def height(kind: str, departments: int) -> int:
    """The chart's height (the page's <img height>, so nothing moves while it loads)."""
    return 150 + 44 * (len(STATE_ORDER) if kind == "state" else max(departments, 1))


def state_chart(counts: Counts, title: str, width: int = WIDTH) -> str:
    """How many of the ledger's tasks are in each state (one bar a state, its name on the axis)."""
    # pygal draws a horizontal chart's first label at the bottom: reversed, the bars read top-down in
    # the table's order.
    order = STATE_ORDER[::-1]
    labels = [_(TASK_STATE_LABELS[s]) for s in order]
    chart = base(
        "HorizontalBar",
        height("state", 0),
        *(COLORS[s] for s in order),
        width=width,
        show_legend=False,
        margin_left=label_room(labels),
    )
    chart.x_labels = labels
    chart.y_labels = _axis(max((counts[s] for s in STATE_ORDER), default=0))
    chart.add(_("任务数"), [{"value": counts[s] or None, "color": COLORS[s]} for s in order])
    desc = _("共%(n)d项：", n=counts.total) + _state_words(counts)
    return finish(chart, title, desc)


def department_chart(rows: list[DepartmentRow], title: str, width: int = WIDTH) -> str:
    """Per lead department: its tasks closed, on notice, being certified and in progress (stacked)."""
    desc = _("；").join(_("%(name)s：", name=r.name) + _state_words(r.counts) for r in rows)
    rows = rows[::-1]  # top-down in the table's order (see state_chart)
    labels = [short(r.name, 12 if width >= WIDTH else 7) for r in rows]
    chart = base(
        "HorizontalStackedBar",
        height("department", len(rows)),
        *(COLORS[s] for s in STATE_ORDER),
        width=width,
        margin_left=label_room(labels),
        legend_at_bottom_columns=4 if width >= WIDTH else 2,
    )
    chart.x_labels = labels
    chart.y_labels = _axis(max((r.counts.total for r in rows), default=0))
    for s in STATE_ORDER:
        chart.add(_(TASK_STATE_LABELS[s]), [r.counts[s] or None for r in rows])
    return finish(chart, title, desc or _("台账中还没有任务。"))


CHARTS = {"state": state_chart, "department": department_chart}
