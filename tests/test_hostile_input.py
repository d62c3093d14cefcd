"""No input anyone can send gives a 5xx: hostile values in every route's path arguments, in the query
parameters the pages read, and, signed in, in every field of every form the pages offer."""

import re
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest

from tests.conftest import CSRF_RE

HUGE_INTS = ["2147483648", "9223372036854775808", "306760600100", "9" * 40, "-1"]
# Values for string arguments and fields: NUL, invalid UTF-8 (percent-encoded), 10 kB, and ones a
# parser may choke on.
HOSTILE_PATH_STRINGS = ["%00", "a%00b", "%FF%FE", "x" * 10_000, "%0d%0a", "..%2F..%2Fetc", "%E4%B8"]
QUERY_NAMES = [
    "page", "per_page", "q", "jurisdiction", "category", "department", "status", "type",
    "from", "to", "old", "new", "next", "lang", "year", "cycle", "state",
]  # fmt: skip
HOSTILE_QUERY_VALUES = ["9" * 40, "-5", "%00", "%FF%FE", "x" * 10_000, "1e999", "%0d%0a"]
# Form values, percent-encoded as a browser sends them (%FF%FE: bytes that are no UTF-8).
HOSTILE_FIELD_VALUES = ["9" * 40, "-2147483649", "%00", "a%00b", "x" * 10_000, "%FF%FE", "1e999", "%E4%B8"]


def _assert_no_5xx(response, what):
    assert response.status_code < 500, (what, response.status_code)
    # A WSGI server sends header values as Latin-1 and fails the response on anything else, which
    # the test client does not: check it here for every response.
    for name, value in response.headers.items():
        if not value.isascii() and any(ord(c) > 255 for c in value):
            pytest.fail(f"{what}: header {name} cannot be sent: {value[:80]}")


def test_hostile_path_arguments_on_every_route(app, client, demo):
    tried = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or not rule.arguments:
            continue
        converters = {name: type(rule._converters[name]).__name__ for name in rule.arguments}
        for name, converter in converters.items():
            values = HUGE_INTS if converter == "IntegerConverter" else HOSTILE_PATH_STRINGS
            for value in values:
                url = _build(rule, converters, {name: value})
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    _assert_no_5xx(client.open(url, method=method), (method, url[:120]))
                    tried += 1
    assert tried > 200


def _build(rule, converters, overrides):
    parts = []
    for is_dynamic, text in rule._trace:
        if not is_dynamic:
            parts.append(text)
        elif text in overrides:
            parts.append(overrides[text])
        else:
            parts.append("1" if converters[text] == "IntegerConverter" else "990000")
    path = "".join(parts)
    return path[path.index("|") + 1 :] if "|" in path else path


class _Page(HTMLParser):
    """The same-site links and the POST forms (action, fields) of a page."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and (href := a.get("href", "")).startswith("/") and not href.startswith("//"):
            self.links.append(href.split("#", 1)[0])
        elif tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": {}, "files": []}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            kind = (a.get("type") or "").lower()
            if kind == "file":
                self._form["files"].append(a["name"])
            elif kind not in ("submit", "button"):
                self._form["fields"].setdefault(a["name"], a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _crawl(client, start: list[str], limit: int = 150):
    """Pages reachable from `start`, one per distinct path shape (ids replaced), at most `limit`."""
    seen_shapes, queue, pages = set(), list(start), []
    while queue and len(pages) < limit:
        url = queue.pop(0)
        path = urlsplit(url).path
        shape = re.sub(r"\d+", "N", path)
        if shape in seen_shapes or len(seen_shapes) > 2 * limit or path.startswith(("/static", "/logout", "/lang/")):
            continue
        seen_shapes.add(shape)
        response = client.get(url)
        _assert_no_5xx(response, ("GET", url))
        if response.status_code in (301, 302, 303) and response.location.startswith("/"):
            seen_shapes.discard(shape)
            queue.insert(0, response.location)
            continue
        if response.status_code != 200 or not response.mimetype.startswith("text/html"):
            continue
        parser = _Page()
        parser.feed(response.get_data(as_text=True))
        pages.append((url, parser))
        queue.extend(parser.links)
    return pages


@pytest.mark.parametrize("username", [None, "province_office", "sthj_head", "admin"])
def test_hostile_query_parameters_on_every_page(client, auth, demo, username):
    if username:
        auth.login(username)
    # A jurisdiction with published versions first: its shape then leads to its versions and downloads.
    start = ["/jurisdictions/990100", "/", "/manage/", "/reports/", "/reports/inbox", "/admin/users"]
    pages = _crawl(client, [*start, "/search?q=秸秆"])
    assert any("/download." in link for _url, page in pages for link in page.links)
    assert len(pages) > 5
    for url, _page in pages:
        base = url.split("?", 1)[0]
        for value in HOSTILE_QUERY_VALUES:
            query = "&".join(f"{name}={value}" for name in QUERY_NAMES)
            _assert_no_5xx(client.get(f"{base}?{query}"), ("GET", base, value[:20]))


@pytest.mark.parametrize("username", ["province_office", "sthj_head", "admin"])
def test_hostile_values_in_every_form_field(client, auth, demo, username):
    auth.login(username)
    pages = _crawl(client, ["/manage/", "/reports/", "/admin/users"])
    forms = {}
    for url, page in pages:
        for form in page.forms:
            action = form["action"] or url
            if action.startswith("/") and action not in ("/logout",) and not action.startswith("/lang/"):
                forms.setdefault(re.sub(r"\d+", "N", action.split("?")[0]), (url, action, form))
    assert len(forms) >= 3
    for _shape, (url, action, form) in forms.items():
        # A confirmation (生成汇编, 发布 …): any value ticks its box (WTForms' BooleanField), so every value
        # makes the same post, which may start a job of seconds: posted once.
        confirmation = set(form["fields"]) <= {"csrf_token", "confirm"}
        for value in HOSTILE_FIELD_VALUES[:1] if confirmation else HOSTILE_FIELD_VALUES:
            token = CSRF_RE.search(client.get(url).get_data(as_text=True))
            body = "&".join(f"{quote(name)}={value}" for name in form["fields"] if name != "csrf_token")
            body += "&csrf_token=" + quote(token.group(1) if token else "")
            response = client.post(action, data=body, content_type="application/x-www-form-urlencoded")
            _assert_no_5xx(response, ("POST", action, repr(value[:20])))


def test_nul_in_login_and_path_is_refused_cleanly(client):
    from tests.conftest import csrf_token

    response = client.post("/login", data={"username": "adm\x00in", "password": "x", "csrf_token": csrf_token(client)})
    assert response.status_code in (200, 400)
    assert client.get("/jurisdictions/%00").status_code in (400, 404)
    assert client.get("/search?jurisdiction=%00&q=" + quote("秸秆")).status_code in (200, 400)


def test_out_of_range_ids_are_not_found(client, demo):
    for url in ("/matters/306760600100", "/api/v1/matters/306760600100", "/reports/published/306760600100.pdf"):
        assert client.get(url).status_code == 404, url
    response = client.get("/api/v1/matters?page=999999999999999999999999999999")
    assert response.status_code == 400 and "page" in response.get_json()["error"]["message"]
