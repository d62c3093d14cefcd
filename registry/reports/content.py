"""What users may put into a report: a safe subset of HTML, and attachments checked by content."""

import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser

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


def is_legacy_html(stored: str) -> bool:
    """Whether a structured field still holds sanitized HTML (saved before the fields became plain
    text): it starts with a tag."""
    text = (stored or "").lstrip()
    return text.startswith("<") and _TAG.match(text) is not None


def normalize_plain(text: str) -> str:
    """A plain-text field as typed: Windows line ends made plain, trailing spaces and surrounding blank
    lines removed. Nothing else is touched, so what the writer sees again is what they typed."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\n".join(line.rstrip() for line in lines).strip("\n")
    return text if text.strip() else ""


def plain_paragraphs(stored: str) -> Markup:
    """A plain-text field for a page or the PDF: escaped, a blank line starts a new paragraph and a
    line break stays one. A value still in the old HTML form is cleaned and shown as HTML."""
    if not stored or not stored.strip():
        return Markup("")
    if is_legacy_html(stored):
        return safe_html(stored)
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t\u3000]*\n", normalize_plain(stored)) if p.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in p.split("\n"))) for p in paragraphs
    )


class _TextExtractor(HTMLParser):
    """Sanitized HTML back to the plain text a writer would have typed."""

    BLOCKS = {"p", "ul", "ol", "table", "thead", "tbody", "div"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []

    def _end_block(self) -> None:
        text = "".join(self.current).strip()
        if text:
            self.blocks.append("\n".join(line.strip() for line in text.split("\n")))
        self.current = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.BLOCKS:
            self._end_block()
        written = "".join(self.current)
        if tag == "br" or (tag in ("li", "tr") and written.strip()):
            self.current.append("\n")
        elif tag in ("td", "th") and written.strip() and not written.endswith("\n"):
            self.current.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self._end_block()

    def handle_data(self, data: str) -> None:
        self.current.append(data.replace("\n", " ") if data.strip() else data.strip(" \n"))

    def text(self) -> str:
        self._end_block()
        return "\n\n".join(self.blocks)


def html_to_text(stored: str) -> str:
    """A legacy HTML value as plain text: paragraphs separated by a blank line, <br> as a line break,
    list items and table rows one a line. Plain text passes unchanged."""
    if not is_legacy_html(stored):
        return stored or ""
    parser = _TextExtractor()
    parser.feed(stored)
    parser.close()
    return parser.text()


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
