"""HTTP caching of responses about published versions: strong ETag, Last-Modified, 304, Cache-Control,
and an in-process cache of the rendered bodies for anonymous visitors, keyed by the ETag."""

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from flask import Response, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user

# The version in force may change with the next publication, so shared caches keep pages briefly;
# revalidation with If-None-Match is cheap (one query, no rendering).
MAX_AGE = 300


class BodyCache:
    """Rendered bodies (bytes) by strong ETag, least recently used first out, bounded by total bytes.

    Equal ETags mean equal bodies: the ETag covers the published data's fingerprints, the path, the
    arguments and the language (etag_for). Only anonymous responses without flash messages go in."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.max_item = max_bytes // 8
        self._data: OrderedDict[str, tuple[bytes, tuple[tuple[str, str], ...]]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bytes, tuple[tuple[str, str], ...]] | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: str, body: bytes, headers: tuple[tuple[str, str], ...]) -> None:
        if len(body) > self.max_item:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._size -= len(old[0])
            self._data[key] = (body, headers)
            self._size += len(body)
            while self._size > self.max_bytes:
                _, (dropped, _) = self._data.popitem(last=False)
                self._size -= len(dropped)

    @property
    def size(self) -> int:
        return self._size

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._size = 0


bodies = BodyCache(int(os.environ.get("PUBLIC_BODY_CACHE_MB", "24")) * 1024 * 1024)
_KEPT_HEADERS = ("Content-Type", "Content-Disposition")


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
    anonymous = not current_user.is_authenticated
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    elif anonymous and (cached := bodies.get(etag)) is not None:
        response = Response(cached[0], headers=list(cached[1]))
    else:
        response = make_response(render())
        if anonymous and response.status_code == 200 and not response.is_streamed and not response.direct_passthrough:
            kept = tuple((name, response.headers[name]) for name in _KEPT_HEADERS if name in response.headers)
            bodies.put(etag, response.get_data(), kept)
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    if not anonymous:
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.vary.add("Cookie")
    return response
