"""Everything the public side caches, and the one way each cache is invalidated. Nothing else in the
application builds a cache key (as warehouse's `cache/origin`): queries carry a decorator, views carry
`cached(...)`, and the tables whose changes the public sees are registered here with `watch`.

Three caches, all per process:

- `published(fn)`: data derived from published versions (pages of matters, departments, histories,
  diffs). A published version never changes, so the key is the function and its arguments, which
  name versions by their refs (id, checksum, publication time, label): a new or withdrawn version
  gives new refs and so new keys. Nothing to invalidate.
- `remembered(fn)`: small lookups that tell a request which versions exist (a jurisdiction by code,
  a department's or matter's jurisdiction, a jurisdiction's versions, published reports), kept
  under the *publication token*: one tiny query over the watched tables, re-read at most once per
  `TOKEN_TTL` second per process. A flush touching a watched table advances a local generation, so
  this process sees its own changes at once; another process's within `TOKEN_TTL`. A warm request
  therefore does no ORM work until the token is re-read.
  `remembered_each(fn)` does the same id by id, for lists of ids that overlap (search results), and
  `fragment(...)` keeps a rendered piece of a page (one search result) the same way.
- `cached(state_of)`: whole responses. `state_of(**view_args)` says which published state the page
  shows (`PageState`: what identifies it, and when it was last published); the response gets a
  strong ETag from it, 304 when the client holds it, and an anonymous body is kept by ETag
  (`bodies`, bounded in bytes) so that a warm page is not rendered again.
"""

import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any

from flask import Response, make_response, request, session
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from registry.core.i18n import locale_name
from registry.extensions import db

# -- the LRU ---------------------------------------------------------------------------------------


class LRUCache:
    """A small thread-safe least-recently-used cache of immutable values."""

    def __init__(self, maxsize: int = 512):
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_set(self, key: Hashable, produce: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
        value = produce()
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        return value

    def get_many(self, keys: Iterable[Hashable]) -> dict[Hashable, Any]:
        """The values held of these keys (the others are simply absent)."""
        found = {}
        with self._lock:
            for key in keys:
                if key in self._data:
                    self._data.move_to_end(key)
                    found[key] = self._data[key]
            self.hits += len(found)
        return found

    def set_many(self, values: dict[Hashable, Any]) -> None:
        with self._lock:
            self.misses += len(values)
            for key, value in values.items():
                self._data[key] = value
                self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def _frozen(value: Any) -> Hashable:
    """Arguments as a key: lists and dicts (plain data passed along) become tuples."""
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def _key(fn: Callable, args: tuple, kwargs: dict) -> tuple:
    return (fn.__module__, fn.__qualname__, _frozen(args), _frozen(kwargs))


# Derived from published versions. The rendered bodies are cached separately (`bodies`); this one only
# serves their misses (another filter or language of a page just rendered), so it stays small: one
# entry can hold a department's hundreds of matters, and 64 entries cost a worker ≈ 15 MB in the
# benchmark.
derived = LRUCache(maxsize=16)
memo = LRUCache(maxsize=50_000)  # small values keyed by (token, function, arguments)
# Matters one by one (`remembered_each`: a search result's or an API listing's matter, ≈ 2 KB each with
# its text): kept apart from `memo` and bounded lower, or the API's listings of every jurisdiction
# would fill a worker with 50,000 of them (the benchmark's worker grew by 45 MB).
items = LRUCache(maxsize=int(os.environ.get("PUBLIC_ITEM_CACHE", "1000")))


def published(fn: Callable) -> Callable:
    """Cache fn's result by its arguments, which identify published versions (see the module doc)."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        return derived.get_or_set(_key(fn, args, kwargs), lambda: fn(*args, **kwargs))

    return wrapper


def remembered(fn: Callable) -> Callable:
    """Cache fn's result until the publication token changes (see the module doc)."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        return memo.get_or_set((publication_token(), *_key(fn, args, kwargs)), lambda: fn(*args, **kwargs))

    return wrapper


def remembered_each(fn: Callable[[list[int]], dict[int, Any]]) -> Callable[[list[int]], dict[int, Any]]:
    """Cache fn(ids) -> {id: value} id by id until the publication token changes: search results
    overlap from query to query, so a request loads only the ids no request has loaded yet."""

    @wraps(fn)
    def wrapper(ids: list[int]) -> dict[int, Any]:
        token = publication_token()
        keys = {i: (token, fn.__module__, fn.__qualname__, i) for i in ids}
        held = items.get_many(keys.values())
        found = {i: held[key] for i, key in keys.items() if key in held}
        if missing := [i for i in ids if i not in found]:
            loaded = fn(missing)
            items.set_many({keys[i]: value for i, value in loaded.items()})
            found.update(loaded)
        return found

    return wrapper


# Rendered pieces of pages (a search result: about 1 KB each), kept apart from `memo` so that they
# cannot crowd out its small values.
fragments = LRUCache(maxsize=int(os.environ.get("PUBLIC_FRAGMENT_CACHE", "5000")))


def fragment(kind: str, ident: Hashable, render: Callable[[], str]) -> str:
    """A piece of a public page that shows published data only, rendered once per language until the
    publication token changes: search results recur from query to query, their page does not."""
    key = (publication_token(), kind, ident, locale_name(), request.script_root)
    return fragments.get_or_set(key, render)


# -- invalidation: the watched tables and the publication token -----------------------------------

TOKEN_TTL = 1.0  # seconds: how stale another process's publication may be seen here

_watched: dict[str, list[Any]] = {}  # table name → SQL expressions of the token
_generation = 0
_token: tuple[int, float, tuple] | None = None  # (generation, read at, token)
_token_lock = threading.Lock()


def watch(model: Any, *token_columns: Any) -> None:
    """Register a table whose rows the public sees: a flush touching it invalidates this process's
    caches at once, and `token_columns` (aggregate expressions over it) make up the publication token
    that tells the other processes."""
    _watched[model.__tablename__] = list(token_columns)


def invalidate() -> None:
    """Forget the publication token in this process (a publication, withdrawal or report)."""
    global _generation
    with _token_lock:
        _generation += 1


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(obj, "__tablename__", None) in _watched:
            session.info["public_changed"] = True
            invalidate()
            return


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    # Again after the commit: another thread may have read the token between flush and commit.
    if session.info.pop("public_changed", False):
        invalidate()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    if session.info.pop("public_changed", False):
        invalidate()


def _read_token() -> tuple:
    columns = [expression for expressions in _watched.values() for expression in expressions]
    return tuple(db.session.execute(select(*(select(c).scalar_subquery() for c in columns))).one())


def publication_token() -> tuple:
    """Changes whenever anything the public sees is published, withdrawn or added (see the module doc)."""
    global _token
    now = time.monotonic()
    current = _token
    if current is not None and current[0] == _generation and now - current[1] < TOKEN_TTL:
        return current[2]
    generation = _generation
    value = (generation, _read_token())
    _token = (generation, now, value)
    return value


def reset_caches() -> None:
    """Empty every in-process cache (tests: ids are reused after each test's rollback)."""
    global _token
    _token = None
    invalidate()
    derived.clear()
    memo.clear()
    items.clear()
    fragments.clear()
    bodies.clear()


# -- whole responses -------------------------------------------------------------------------------

# The version in force may change with the next publication, so shared caches keep pages briefly;
# revalidation with If-None-Match is cheap (one query, no rendering).
MAX_AGE = 300


class BodyCache:
    """Rendered bodies (bytes) by strong ETag, least recently used first out, bounded by total bytes.

    Equal ETags mean equal bodies: the ETag covers the published state, the path, the arguments and
    the language (etag_for). Only anonymous responses without flash messages go in."""

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


@dataclass(frozen=True)
class PageState:
    """Which published state a response shows: what identifies it, and when it was last published."""

    parts: tuple
    last_modified: datetime | None = None


def etag_for(parts: Iterable[Any]) -> str:
    """A strong ETag over the published state, the request's path, args and language."""
    material = [
        *map(repr, parts),
        request.path,
        repr(sorted(request.args.items(multi=True))),
        locale_name(),
    ]
    if current_user.is_authenticated:
        material.append(f"user:{current_user.get_id()}")
    return hashlib.sha256("\x1f".join(material).encode()).hexdigest()[:40]


def cached(state_of: Callable[..., PageState | None], *, max_age: int = MAX_AGE) -> Callable:
    """The view decorator: answer from `state_of(**view_args)` (304, a kept body, or the view's
    rendering, with caching headers). When state_of returns None (nothing published to show), the
    view runs uncached and says so itself (usually 404)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(**kwargs):
            state = state_of(**kwargs)
            if state is None:
                return view(**kwargs)
            return _conditional(state, lambda: view(**kwargs), max_age)

        return wrapped

    return decorator


def _conditional(state: PageState, render: Callable[[], Any], max_age: int) -> Response:
    if session.get("_flashes"):  # a page carrying a flash message is never cached
        response = make_response(render())
        response.headers["Cache-Control"] = "no-store"
        return response
    etag = etag_for(state.parts)
    anonymous = not current_user.is_authenticated
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    elif anonymous and (kept := bodies.get(etag)) is not None:
        response = Response(kept[0], headers=list(kept[1]))
    else:
        response = make_response(render())
        if response.status_code != 200:
            return response  # an error or a redirect is not the page this state identifies
        if anonymous and not response.is_streamed and not response.direct_passthrough:
            kept_headers = tuple((name, response.headers[name]) for name in _KEPT_HEADERS if name in response.headers)
            bodies.put(etag, response.get_data(), kept_headers)
    response.set_etag(etag)
    if state.last_modified is not None:
        response.last_modified = state.last_modified
    response.headers["Cache-Control"] = f"public, max-age={max_age}" if anonymous else "private, no-cache"
    response.vary.add("Cookie")
    return response
