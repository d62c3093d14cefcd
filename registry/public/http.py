"""HTTP caching of responses about published versions: strong ETag, Last-Modified, 304, Cache-Control."""

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from flask import Response, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user

# The version in force may change with the next publication, so shared caches keep pages briefly;
# revalidation with If-None-Match is cheap (one query, no rendering).
MAX_AGE = 300


def etag_for(parts: Iterable[Any]) -> str:
    """A strong ETag over the published data's fingerprints, the request's path, args and language."""
    material = [
        *map(repr, parts),
        request.path,
        repr(sorted(request.args.items(multi=True))),
        str(get_locale()),
    ]
    if current_user.is_authenticated:
        material.append(f"user:{current_user.get_id()}")
    return hashlib.sha256("\x1f".join(material).encode()).hexdigest()[:40]


def conditional(
    parts: Iterable[Any], last_modified: datetime | None, render: Callable[[], Any], max_age: int = MAX_AGE
) -> Response:
    """Answer 304 when the client holds the current representation, else render it; either way with
    caching headers. Pages carrying a flash message are never cached."""
    if session.get("_flashes"):
        response = make_response(render())
        response.headers["Cache-Control"] = "no-store"
        return response
    etag = etag_for(parts)
    fresh = request.if_none_match.contains_weak(etag)
    response = Response(status=304) if fresh else make_response(render())
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.vary.add("Cookie")
    return response
