"""What users may put into a report: a safe subset of HTML, and attachments checked by content."""

import io
import re
import zipfile
from dataclasses import dataclass

import filetype
import nh3
from markupsafe import Markup, escape

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "b", "em", "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRIBUTES = {"td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED_TYPES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG", XLSX: "XLSX"}


def sanitize_html(text: str) -> str:
    """Keep only the safe subset (paragraphs, lists, bold, italics, tables); plain text typed
    without tags becomes paragraphs. Scripts, event handlers, links and images are removed."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        return ""
    if not _TAG.search(text):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        text = "".join(f"<p>{Markup('<br>').join(escape(line) for line in p.split(chr(10)))}</p>" for p in paragraphs)
    return nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(),
        strip_comments=True,
        link_rel=None,
    ).strip()


def safe_html(stored: str) -> Markup:
    """Stored section text, cleaned again, ready for a template (the only place it is marked safe)."""
    return Markup(sanitize_html(stored)) if stored else Markup("")


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    label: str

    def stored_name(self, filename: str) -> str:
        """The name to store and download under: the user's stem with the detected type's extension,
        so that a PNG named poly.html downloads as poly.png and opens as the image it is."""
        stem = filename.rsplit(".", 1)[0].strip() if "." in filename else filename.strip()
        return f"{stem[:240] or '附件'}.{self.label.lower().replace('jpeg', 'jpg')}"


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, ValueError):
        return False
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


def detect_type(data: bytes) -> CheckedFile | None:
    """The file's real type from its bytes (never from its name), if it is one we accept."""
    kind = filetype.guess(data)
    if kind is not None and kind.mime in ("application/pdf", "image/png", "image/jpeg"):
        return CheckedFile(kind.mime, ALLOWED_TYPES[kind.mime])
    if data[:4] == b"PK\x03\x04" and _is_xlsx(data):
        return CheckedFile(XLSX, "XLSX")
    return None
