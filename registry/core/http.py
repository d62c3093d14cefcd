"""The edge of the application: what every request is checked for before a view sees it, and the
helpers views use to read numbers and redirect targets from it.

Ids and page numbers are bounded to what the database can hold (PostgreSQL `integer`), so a number
anybody can type is a 404 or a 400, never a database error; NUL, which neither database accepts in
text, is refused before any view or query sees it.
"""

import unicodedata
from urllib.parse import quote, urlsplit

from flask import abort, has_request_context, request, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.routing import IntegerConverter

# The largest value of a PostgreSQL `integer` column: every id, and the largest page number.
MAX_DB_INT = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a non-negative integer the id columns can hold (else no match: 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_DB_INT, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def refuse_nul() -> None:
    """400 for a NUL anywhere in the path, the query string or a submitted form (before_request)."""
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        abort(400)
    if request.method == "POST" and (
        any("\x00" in k or "\x00" in v for k, v in request.form.items(multi=True))
        or any("\x00" in (f.filename or "") for f in request.files.values())
    ):
        abort(400)


def whole_number(value: str | None, *, low: int = 1, high: int = MAX_DB_INT) -> int | None:
    """The integer written in ASCII digits in value, if it lies in [low, high]; else None."""
    value = (value or "").strip()
    if not value or not value.isascii() or not value.isdigit() or len(value) > len(str(high)):
        return None
    number = int(value)
    return number if low <= number <= high else None


def page_arg(name: str = "page") -> int:
    """The page number asked for (1 when absent); 404 for anything that is not a page number."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return 1
    number = whole_number(raw)
    if number is None:
        abort(404)
    return number


def safe_next(default_endpoint: str = "jurisdictions.home") -> str:
    """`?next=` when it is a path on this site, else the default page: never a redirect elsewhere.

    Browsers ignore tabs and line breaks in URLs and treat a backslash as a slash, so `/\\t/evil` and
    `/\\\\evil` lead off the site: any control character or backslash makes the target unsafe."""
    target = request.args.get("next", "")
    if (
        target.startswith("/")
        and not target.startswith("//")
        and not any(c < " " or c in "\\\x7f" for c in target)
        and not urlsplit(target).netloc
        and not urlsplit(target).scheme
    ):
        return target
    return url_for(default_endpoint)


def paginate(stmt, per_page: int):
    """One page of a select statement, the page number read with page_arg (past the end: no items)."""
    from registry.extensions import db

    return db.paginate(stmt, page=page_arg(), per_page=per_page, error_out=False)


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (behind nginx: with
    PROXY_FIX_X_FOR set, X-Forwarded-Proto tells), and always when SESSION_COOKIE_SECURE says so."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (has_request_context() and request.is_secure))


# No inline script or style anywhere: everything comes from /static.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def no_store_when_signed_in(response):
    """Pages shown to a signed-in user are never kept by the browser or any cache (after_request)."""
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def content_disposition(disposition: str, filename: str) -> str:
    """A Content-Disposition header for any file name (RFC 6266/5987): an ASCII `filename` for old
    clients and `filename*` in UTF-8. Header values travel as Latin-1, so a Chinese name written
    raw makes the server fail the response."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(c for c in fallback if c.isprintable() and c not in '"\\') or "download"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
