"""PDF rendering with WeasyPrint: `render_pdf(template, context) -> bytes`.

Safety: the renderer only ever reads the application's own static files (see `StaticOnlyFetcher`);
templates get plain values, never ORM objects, and autoescaping stays on.

Page numbers: a template with front matter (cover and contents, unnumbered) is rendered twice, as
its front matter and as its body (numbered from 1). The body is laid out first; the page on which
each heading anchor landed feeds the contents of the front matter; the pages are then combined into
one PDF. So the page numbers count body pages only and the contents cannot disagree with the body.
A report without the cover option (a plain GB/T 9704 document) is its body alone.
"""

import subprocess
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from registry.pdf import fonts

if TYPE_CHECKING:
    from registry.pdf.fetcher import StaticOnlyFetcher

# WeasyPrint (with Pillow and fontTools, ≈ 27 MB per process) is imported when a PDF is rendered,
# not when the application starts: web workers serve pages and never render.
# Fontconfig reads its configuration once per process: the cut-down faces are named before anything
# can start it.
fonts.install()

PDF_VARIANT = "pdf/a-3b"
CJK_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC")


def official_locale():
    """The language every PDF is built in, whatever the interface's: the official documents are
    Chinese. Wrap the building of a PDF's context (charts, target texts) in it, not only the render:
    a chart drawn in the requester's language would put English into a published document."""
    return force_locale(current_app.config["BABEL_DEFAULT_LOCALE"])


class PdfError(RuntimeError):
    """Rendering cannot produce a correct PDF (the message is for users, in Chinese)."""


class FontMissing(PdfError):
    """No font able to show Chinese text is installed: the PDF would show boxes."""


class RefusedURL(ValueError):
    """The renderer asked for something outside the application's static assets."""


# -- fonts ---------------------------------------------------------------------------------------


def _fc_list_chinese() -> list[str]:
    """Families fontconfig offers for Chinese (respects FONTCONFIG_FILE, like WeasyPrint does)."""
    try:
        result = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in result.stdout.splitlines() if line.strip()]


def check_cjk_font(list_fonts: Callable[[], list[str]] = _fc_list_chinese) -> str:
    """The CJK font family that will be used; FontMissing when none can show Chinese."""
    families = [f for line in list_fonts() for f in line.split(",")]
    for wanted in CJK_FAMILIES:
        if wanted in families:
            return wanted
    if families:
        return families[0]
    raise FontMissing(
        _(
            "无法生成 PDF：服务器未安装中文字体（需要 Noto Serif CJK SC 或 Noto Sans CJK SC，"
            "Debian/Ubuntu 软件包 fonts-noto-cjk）。请联系系统管理员安装后重试。"
        )
    )


# -- rendering -----------------------------------------------------------------------------------


def _static_root() -> Path:
    return Path(current_app.static_folder).resolve()


def __getattr__(name: str):
    if name == "StaticOnlyFetcher":
        from registry.pdf.fetcher import StaticOnlyFetcher

        return StaticOnlyFetcher
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _document(html: str, fetcher: "StaticOnlyFetcher"):
    from weasyprint import HTML

    # base_url is the static root: relative links (the stylesheet) resolve there and nowhere else.
    return HTML(string=html, base_url=_static_root().as_uri() + "/", url_fetcher=fetcher).render()


def heading_pages(document) -> dict[str, int]:
    """Anchor name -> 1-based page number within the document."""
    pages: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            pages.setdefault(anchor, number)
    return pages


def render_pdf(
    template: str,
    context: dict[str, Any],
    *,
    fetcher: "StaticOnlyFetcher | None" = None,
    front: bool = True,
    attachments: Sequence[Any] = (),
) -> bytes:
    """Render a PDF template (optional front matter + numbered body) to PDF/A-3b bytes.

    The template receives `part` ("front" or "body") and, for the front, `toc_pages`: heading
    anchor -> body page number. Without `front` only the body is rendered (one layout, not two).
    `attachments` (weasyprint.Attachment) are embedded as the PDF/A-3's associated files.
    Raises FontMissing when Chinese cannot be shown.
    """
    from registry.pdf.fetcher import StaticOnlyFetcher

    check_cjk_font()
    fetcher = fetcher or StaticOnlyFetcher(_static_root())
    # The bare Jinja environment (autoescaping on): no context processors, so the template sees
    # exactly the plain values passed in and nothing of the request or the session.
    jinja = current_app.jinja_env.get_template(template)
    body = _document(jinja.render(**context, part="body", toc_pages={}), fetcher)
    if front:
        toc_pages = heading_pages(body)
        first = _document(jinja.render(**context, part="front", toc_pages=toc_pages), fetcher)
        # Metadata (title, author, lang) come from the front document, whose <head> carries them.
        document = first.copy([*first.pages, *body.pages])
    else:
        document = body
    with warnings.catch_warnings():
        # WeasyPrint opens its bundled sRGB profile for PDF/A and never closes it; the file is freed
        # (with a ResourceWarning) inside this call. Nothing of ours is hidden by this filter.
        warnings.simplefilter("ignore", ResourceWarning)
        return document.write_pdf(pdf_variant=PDF_VARIANT, attachments=list(attachments) or None)
