"""An experiment, not the application: `BENCH_WSGI=bench.page_cache_experiment:app python -m bench
--only http …` serves the app with its public pages' rendered bodies cached per ETag, to measure how
much of a page's cost is rendering (templates, JSON) rather than the queries that compute the ETag.

The ETag (registry.public.http.etag_for) already covers the published data's fingerprints, the path,
the query string and the language, so equal ETags mean equal bodies. Used to size the fix proposed
in bench/README.md; the application itself is unchanged.
"""

import threading
from collections import OrderedDict

from flask import Response, make_response, request, session

import registry.public.api as api
import registry.public.http as http
import registry.public.views as views
from wsgi import app

_lock = threading.Lock()
_bodies: OrderedDict[str, tuple[bytes, int, list]] = OrderedDict()
MAX_ENTRIES = 4000
_original = http.conditional


def conditional(parts, last_modified, render, max_age=http.MAX_AGE):
    if session.get("_flashes"):
        return _original(parts, last_modified, render, max_age)
    etag = http.etag_for(parts)
    if request.if_none_match.contains_weak(etag):
        return _original(parts, last_modified, render, max_age)
    with _lock:
        hit = _bodies.get(etag)
        if hit is not None:
            _bodies.move_to_end(etag)
    if hit is None:
        rendered = make_response(render())
        hit = (rendered.get_data(), rendered.status_code, [("Content-Type", rendered.content_type)])
        with _lock:
            _bodies[etag] = hit
            while len(_bodies) > MAX_ENTRIES:
                _bodies.popitem(last=False)
    body, status, headers = hit
    return _original(parts, last_modified, lambda: Response(body, status, headers), max_age)


views.conditional = conditional
api.conditional = conditional

__all__ = ["app"]
