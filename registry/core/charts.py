"""Charts as the site draws them: pygal SVG rendered on the server, self-contained and offline.

pygal's default output links its tooltip script from a CDN and carries an inline configuration script;
neither is wanted (no JavaScript, nothing fetched from elsewhere), so charts are made with `js=[]` and
every <script> and comment is removed from the SVG. Each chart names itself in a <title> and <desc>,
and pages show the same numbers in a table next to it, so colour is never the only carrier of meaning.
Used by the complaint statistics (registry/complaints/charts.py) and the target indicators
(registry/targets/charts.py).
"""

import functools
import re
import sys
from html import escape
from typing import Any

# The site's own CJK font family (static/css/site.css), so Chinese labels render as on the pages.
FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'
BLUE, GREEN, ORANGE, RED, GREY = "#1f5f9e", "#2e7d32", "#b26a00", "#b3261e", "#6b6b6b"
WIDTH = 760
NARROW = 400  # the same chart for phones (<picture>), its labels readable without zooming
LABEL_SIZE = 13
# A chart served as an image (image/svg+xml) carries this content security policy instead of the
# site's: its styles are inline (<style> inside the SVG), nothing else is allowed.
SVG_POLICY = {"default-src": "'none'", "style-src": "'unsafe-inline'"}

_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TITLE = re.compile(r"<title>Pygal</title>")


@functools.cache
def _pygal() -> Any:
    """pygal, imported by the first chart a process draws: with lxml it weighs 6.5 MB, which a web worker
    serving only list pages would otherwise carry for nothing."""
    import pygal
    import pygal.style

    # pygal appends a legacy import hook for its map plugins to sys.meta_path (find_module only: every
    # failed import anywhere that reaches it then warns, an error under the tests' filterwarnings, and
    # Python 3.12 ignores it). No map is drawn here: take it out.
    sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]
    return pygal


def style(*colors: str) -> Any:
    return _pygal().style.Style(
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


def base(kind: str, height: int, *colors: str, width: int = WIDTH, **options) -> Any:
    """A pygal chart of `kind` ("Bar", "HorizontalStackedBar", "Line" …) in the site's style."""
    settings = {
        "js": [],
        "width": width,
        "height": height,
        "style": style(*colors),
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
    return getattr(_pygal(), kind)(**{**settings, **options})


def finish(chart: Any, title: str, desc: str) -> str:
    """The SVG as text: no script, no comment, with its <title> and <desc> first."""
    svg = chart.render(is_unicode=True)
    svg = _COMMENT.sub("", _SCRIPT.sub("", svg))
    svg = _TITLE.sub("", svg, count=1)
    head = f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
    return re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1).replace("<svg", '<svg role="img"', 1) + head, svg, count=1)


def short(name: str, limit: int = 12) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def label_room(labels: list[str]) -> int:
    """The left margin that makes room for Chinese labels: pygal reserves 0.6 em a character, a Han
    character takes a whole one."""
    longest = max((len(label) for label in labels), default=0)
    return 16 + int(0.45 * LABEL_SIZE * longest)
