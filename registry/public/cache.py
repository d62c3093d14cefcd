"""Everything the public side caches, and the one way each cache is invalidated. Nothing else in the
application builds a cache key (as warehouse's `cache/origin`): queries carry a decorator, views carry
`cached(...)`, and the tables whose changes the public sees are registered here with `watch`.

Three caches, each in two tiers: a small one in the process (L1, always), and Redis (L2) when
REDIS_URL is set and PUBLIC_CACHE_REDIS is not turned off, shared by every worker and app server, so
that what one of them computed or rendered is warm for all (see "the shared tier" below).

- `published(fn)`: data derived from published versions (pages of matters, departments, histories,
  diffs). A published version never changes, so the key is the function and its arguments, which
  name versions by their refs (id, checksum, publication time, label): a new or withdrawn version
  gives new refs and so new keys. Nothing to invalidate.
- `remembered(fn)`: small lookups that tell a request which versions exist (a jurisdiction by code,
  a department's or matter's jurisdiction, a jurisdiction's versions, published reports), kept
  under the *publication token*: one tiny query over the watched tables (and, with Redis, the
  shared generation counter), re-read at most once per `TOKEN_TTL` second per process. A flush
  touching a watched table advances a local generation, so this process sees its own changes at
  once; a commit touching one also advances the shared generation in Redis, so every other process
  sees it at its next token read (without Redis: when the watched aggregates change). A warm request
  therefore does no ORM work and no Redis round trip until the token is re-read.
  `remembered_each(fn)` does the same id by id, for lists of ids that overlap (search results), and
  `fragment(...)` keeps a rendered piece of a page (one search result) the same way; both stay in
  the process (many small values, cheap to load by the hundred in one query).
- `cached(state_of)`: whole responses. `state_of(**view_args)` says which published state the page
  shows (`PageState`: what identifies it, and when it was last published); the response gets a
  strong ETag from it, 304 when the client holds it, and an anonymous body is kept by ETag
  (`bodies`, bounded in bytes; in Redis too) so that a warm page is not rendered again.
"""

import hashlib
import hmac
import logging
import os
import pickle
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any

from flask import Response, current_app, has_app_context, make_response, request, session
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from registry.core.i18n import locale_name
from registry.extensions import db

log = logging.getLogger(__name__)

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


# Caches of other modules that key values by ids (which tests reuse after each rollback): reset_caches()
# empties them with the rest.
_registered: list[LRUCache] = []


def process_cache(maxsize: int) -> LRUCache:
    """A cache of this process, emptied by reset_caches()."""
    cache = LRUCache(maxsize)
    _registered.append(cache)
    return cache


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
items = LRUCache(maxsize=int(os.environ.get("PUBLIC_ITEM_CACHE", "600")))


# -- the shared tier (Redis) -----------------------------------------------------------------------
#
# With REDIS_URL, and PUBLIC_CACHE_REDIS not turned off, the caches have a second tier in Redis, shared
# by every worker and app server: a page one of them rendered, or a look-up one of them computed, is
# warm for all. Keys under `{REDIS_KEY_PREFIX}:public:`:
#
#   generation          the shared generation: INCR'd by every commit that touched a watched table,
#                       part of the publication token (so of every `remembered` key)
#   <code>:b:<hash>     a rendered anonymous body and its kept headers, by ETag and script root
#   <code>:r:<hash>     a `remembered` value, by publication token, function and arguments
#   <code>:p:<hash>     a `published` value, by function and arguments (immutable: no generation)
#
# <code> is a digest of the application's code, templates, translations and the settings pages show:
# after a deploy nothing the previous code rendered is served. Every key expires after SHARED_TTL, and
# the Redis instance should run with `maxmemory` and `maxmemory-policy allkeys-lru` (README, 部署), so
# that it drops the least recently used pages when full rather than refusing writes. Values are pickled
# and signed with a key derived from SECRET_KEY: whatever else may write to that Redis cannot make the
# application unpickle data of its choosing.
#
# A `remembered` or `published` value goes to Redis only when computing it took at least SHARE_ABOVE
# (a moving average per function, in this process). Measured on the benchmark's province (121
# jurisdictions, 100,430 matters), median ms to compute / to fetch from a local Redis (GET, signature,
# unpickle): a jurisdiction by code or id, a department's jurisdiction, a jurisdiction's versions, its
# indicators, report parts and supervision links 0.13–0.30 / 0.05–0.07 on SQLite, 0.35–0.67 / 0.12–0.14
# on PostgreSQL; the published places (the jurisdiction tree) 1.0 / 0.11 and 1.4 / 0.17; a version's
# overview 2.4 / 0.09 and 4.0 / 0.15; the portal's overview 29 / 0.2 and 28 / 0.2; the versions the
# search index holds beyond those in force 48 / 0.13 and 63 / 0.05. The small ones gain at most 0.2 ms,
# once per process and publication (an L1 miss), and lose it on a Redis of another machine (a round
# trip of 0.2–0.5 ms, and a miss costs a GET and a SET more): they stay in the process. The others
# gain 10 to 500 times.
#
# Nothing of what a session has flushed but not committed goes to Redis or comes from it (the session
# carries `public_changed`): another process must never see a publication that may yet roll back.
#
# Redis down or slow: 0.2 s timeouts and no retries, then no attempt for SHARED_BACKOFF seconds; pages
# come from this process's cache or are rendered, a warning is logged at most once a minute. A commit
# whose INCR failed owes it: the process makes it at its next contact with Redis.

SHARED_TTL = 24 * 3600  # seconds a body or value stays in Redis
SHARED_TIMEOUT = 0.2  # seconds to connect, and to wait for an answer
SHARED_BACKOFF = 5.0  # seconds without trying Redis after a failure
SHARE_ABOVE = 0.001  # seconds: a value costing less to compute stays in this process only
SHARED_MAX_VALUE = 8 * 1024 * 1024  # bytes: a larger body or value is not sent to Redis
_WARN_EVERY = 60.0
_MISSING = object()
_EXTENSION = "registry.public.cache"
_ROOT = Path(__file__).resolve().parents[2]
# Settings a public page shows or depends on: a change of any gives Redis keys of their own.
_PAGE_SETTINGS = (
    "PER_PAGE",
    "SITE_OPERATOR",
    "SITE_CONTACT",
    "SITE_ICP",
    "SITE_URL",
    "LANGUAGES",
    "BABEL_DEFAULT_LOCALE",
    "BABEL_DEFAULT_TIMEZONE",
)
_all_shared: "weakref.WeakSet[SharedCache]" = weakref.WeakSet()
_last_warning = 0.0
_code_files_digest: bytes | None = None


def _warn(message: str, *args: Any) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= _WARN_EVERY:
        _last_warning = now
        log.warning(message, *args)


def _code_digest(config: Any) -> str:
    """What the pages are rendered with: the code, templates and translations, and the settings."""
    global _code_files_digest
    if _code_files_digest is None:
        digest = hashlib.sha256()
        files = []
        for folder, suffixes in (("registry", (".py", ".po")), ("templates", ("",))):
            for parent, _, names in os.walk(_ROOT / folder):
                files += [os.path.join(parent, name) for name in names if name.endswith(suffixes)]
        for path in sorted(files):
            with open(path, "rb") as file:
                digest.update(os.path.relpath(path, _ROOT).encode() + b"\0" + file.read() + b"\0")
        _code_files_digest = digest.digest()
    settings = repr([(name, config.get(name)) for name in _PAGE_SETTINGS]).encode()
    return hashlib.sha256(_code_files_digest + settings).hexdigest()[:12]


class SharedCache:
    """This process's connection to the shared tier of one application (its REDIS_URL and prefix)."""

    def __init__(self, url: str, prefix: str, code: str, secret: str | bytes):
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.client = redis.Redis.from_url(
            url,
            socket_timeout=SHARED_TIMEOUT,
            socket_connect_timeout=SHARED_TIMEOUT,
            retry=Retry(NoBackoff(), 0),
        )
        self.prefix = f"{prefix}:public:"
        self.generation_key = f"{self.prefix}generation"
        self.code = code
        secret = secret.encode() if isinstance(secret, str) else secret
        self._signing_key = hashlib.sha256(b"registry.public.cache\x1f" + secret).digest()
        self._down_until = 0.0
        self._owed_bump = False
        _all_shared.add(self)

    # -- the connection's state

    def available(self) -> bool:
        """False for SHARED_BACKOFF seconds after a failure."""
        return time.monotonic() >= self._down_until

    def _failed(self, error: Exception) -> None:
        self._down_until = time.monotonic() + SHARED_BACKOFF
        _warn("public cache: Redis (%s) is not answering (%s); pages come from this process", self.prefix, error)

    # -- keys and values

    def key(self, kind: str, *parts: Any) -> str | None:
        """The key of a value, or None when its arguments have no stable text (an object's address)."""
        text = repr(parts)
        if " at 0x" in text:
            return None
        return f"{self.prefix}{self.code}:{kind}:{hashlib.sha256(text.encode()).hexdigest()[:40]}"

    def load(self, key: str) -> Any:
        """The value kept under key, or _MISSING (absent, unreadable, or Redis not answering)."""
        if not self.available():
            return _MISSING
        try:
            data = self.client.get(key)
        except Exception as error:  # redis.RedisError, OSError: Redis is away
            self._failed(error)
            return _MISSING
        if data is None or len(data) < 32:
            return _MISSING
        signature, payload = data[:32], data[32:]
        if not hmac.compare_digest(signature, hmac.new(self._signing_key, payload, hashlib.sha256).digest()):
            return _MISSING
        try:
            return pickle.loads(payload)
        except Exception:  # written by other code under the same digest: recompute
            return _MISSING

    def store(self, key: str, value: Any) -> None:
        if not self.available():
            return
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            return  # not plain data: it stays in this process
        if len(payload) > SHARED_MAX_VALUE:
            return
        signature = hmac.new(self._signing_key, payload, hashlib.sha256).digest()
        try:
            self.client.set(key, signature + payload, ex=SHARED_TTL)
        except Exception as error:
            self._failed(error)

    # -- the generation

    def generation(self) -> int | None:
        """The shared generation (making a bump this process owes first), or None: Redis is away."""
        if not self.available():
            return None
        try:
            if self._owed_bump:
                value = self.client.incr(self.generation_key)
                self._owed_bump = False
                return int(value)
            return int(self.client.get(self.generation_key) or 0)
        except Exception as error:
            self._failed(error)
            return None

    def bump(self) -> None:
        """A commit touched a watched table: every process's next token read sees a new generation."""
        if not self.available():
            self._owed_bump = True
            return
        try:
            self.client.incr(self.generation_key)
        except Exception as error:
            self._owed_bump = True
            self._failed(error)

    def clear(self) -> None:
        """Delete every key of this tier (tests: ids are reused after each test's rollback)."""
        self._owed_bump = False
        try:
            keys = list(self.client.scan_iter(match=f"{self.prefix}*", count=1000))
            if keys:
                self.client.delete(*keys)
        except Exception as error:
            self._failed(error)

    def close(self) -> None:
        """Forget this tier (a test's application is done with it)."""
        _all_shared.discard(self)
        self.client.close()


def _make_shared(config: Any) -> SharedCache | None:
    url = config.get("REDIS_URL")
    if not url or not config.get("PUBLIC_CACHE_REDIS", True):
        return None
    tier = SharedCache(url, config.get("REDIS_KEY_PREFIX") or "registry", _code_digest(config), config["SECRET_KEY"])
    if not os.environ.get("PUBLIC_BODY_CACHE_MB"):
        bodies.resize(_body_cache_bytes(shared=True))  # the pages are in Redis too: a smaller L1 will do
    return tier


def shared_cache() -> SharedCache | None:
    """The current application's shared tier, or None (no REDIS_URL, or PUBLIC_CACHE_REDIS off)."""
    if not has_app_context():
        return None
    extensions = current_app.extensions
    tier = extensions.get(_EXTENSION, _MISSING)
    if tier is _MISSING:
        tier = extensions.setdefault(_EXTENSION, _make_shared(current_app.config))
    return tier


def _usable_shared() -> SharedCache | None:
    """The shared tier if it may be used now: configured, answering, and the session has nothing
    unpublished of the watched tables flushed (see above)."""
    tier = shared_cache()
    if tier is None or not tier.available() or db.session.info.get("public_changed"):
        return None
    return tier


class _Cost:
    """What computing a function's value takes in this process (a moving average, in seconds)."""

    __slots__ = ("seconds",)

    def __init__(self) -> None:
        self.seconds: float | None = None

    @property
    def cheap(self) -> bool:
        return self.seconds is not None and self.seconds < SHARE_ABOVE

    def observe(self, seconds: float) -> None:
        self.seconds = seconds if self.seconds is None else 0.7 * self.seconds + 0.3 * seconds


def _through_shared(kind: str, shared: tuple | None, key: tuple, cost: _Cost, compute: Callable[[], Any]) -> Any:
    """An L1 miss: the value from Redis, else computed (and sent to Redis when it was worth it)."""
    tier = _usable_shared() if shared is not None and not cost.cheap else None
    redis_key = tier.key(kind, shared, key) if tier is not None else None
    if redis_key is not None:
        value = tier.load(redis_key)
        if value is not _MISSING:
            return value
    started = time.perf_counter()
    value = compute()
    seconds = time.perf_counter() - started
    cost.observe(seconds)
    if redis_key is not None and seconds >= SHARE_ABOVE:
        tier.store(redis_key, value)
    return value


# -- the two decorators of shared look-ups ---------------------------------------------------------


def published(fn: Callable) -> Callable:
    """Cache fn's result by its arguments, which identify published versions (see the module doc)."""
    cost = _Cost()

    @wraps(fn)
    def wrapper(*args, **kwargs):
        key = _key(fn, args, kwargs)
        return derived.get_or_set(key, lambda: _through_shared("p", (), key, cost, lambda: fn(*args, **kwargs)))

    return wrapper


def remembered(fn: Callable) -> Callable:
    """Cache fn's result until the publication token changes (see the module doc)."""
    cost = _Cost()

    @wraps(fn)
    def wrapper(*args, **kwargs):
        token, shared = _current_token()
        key = _key(fn, args, kwargs)
        return memo.get_or_set(
            (token, *key), lambda: _through_shared("r", shared, key, cost, lambda: fn(*args, **kwargs))
        )

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
fragments = LRUCache(maxsize=int(os.environ.get("PUBLIC_FRAGMENT_CACHE", "2000")))


def fragment(kind: str, ident: Hashable, render: Callable[[], str]) -> str:
    """A piece of a public page that shows published data only, rendered once per language until the
    publication token changes: search results recur from query to query, their page does not."""
    key = (publication_token(), kind, ident, locale_name(), request.script_root)
    return fragments.get_or_set(key, render)


# -- invalidation: the watched tables and the publication token -----------------------------------

TOKEN_TTL = 1.0  # seconds: how stale another process's publication may be seen here

_watched: dict[str, list[Any]] = {}  # table name → SQL expressions of the token
_generation = 0
# (local generation, read at, token, the shared tier it was read with, the shared tier's token)
_token: tuple[int, float, tuple, Any, tuple | None] | None = None
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
    # Again after the commit: another thread may have read the token between flush and commit. And the
    # shared generation: every other process sees the commit at its next token read.
    if session.info.pop("public_changed", False):
        invalidate()
        if (tier := shared_cache()) is not None:
            tier.bump()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    if session.info.pop("public_changed", False):
        invalidate()


def _read_token() -> tuple:
    columns = [expression for expressions in _watched.values() for expression in expressions]
    return tuple(db.session.execute(select(*(select(c).scalar_subquery() for c in columns))).one())


def publication_token() -> tuple:
    """Changes whenever anything the public sees is published, withdrawn or added (see the module doc)."""
    return _current_token()[0]


def _current_token() -> tuple[tuple, tuple | None]:
    """The publication token of this process's caches, and that of the shared tier's keys (None when
    Redis is off, away, or the token was read in a session with unpublished changes).

    The local one is (local generation, the watched aggregates, shared generation); the shared one
    leaves out the local generation, which differs from process to process. The shared generation is
    read with the aggregates, at most once per TOKEN_TTL: no Redis round trip per request."""
    global _token
    tier = shared_cache()
    now = time.monotonic()
    current = _token
    if current is not None and current[0] == _generation and current[3] is tier and now - current[1] < TOKEN_TTL:
        return current[2], current[4]
    generation = _generation
    dirty = bool(db.session.info.get("public_changed"))
    # The shared generation before the aggregates: when it is a commit's new one (INCR'd after the
    # commit), the aggregates and the values computed under this token are read after that commit.
    shared_generation = tier.generation() if tier is not None else None
    aggregates = _read_token()
    value = (generation, aggregates, shared_generation)  # [1]: the aggregates (queries.versions reads them)
    shared = (shared_generation, aggregates) if shared_generation is not None and not dirty else None
    _token = (generation, now, value, tier, shared)
    return value, shared


def reset_caches() -> None:
    """Empty every cache of this process, and what the shared tiers this process knows hold in Redis
    (tests: ids are reused after each test's rollback)."""
    global _token
    _token = None
    invalidate()
    derived.clear()
    memo.clear()
    items.clear()
    fragments.clear()
    bodies.clear()
    for cache in _registered:
        cache.clear()
    for tier in list(_all_shared):
        tier.clear()


# -- whole responses -------------------------------------------------------------------------------

# The version in force may change with the next publication, so shared caches keep pages briefly;
# revalidation with If-None-Match is cheap (one query, no rendering).
MAX_AGE = 300
# How long nginx may serve a kept page without asking the application (X-Accel-Expires).
PROXY_MAX_AGE = int(os.environ.get("PUBLIC_PROXY_MAX_AGE", "5"))


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

    def resize(self, max_bytes: int) -> None:
        with self._lock:
            self.max_bytes = max_bytes
            self.max_item = max_bytes // 8
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


def _body_cache_bytes(shared: bool) -> int:
    """PUBLIC_BODY_CACHE_MB, else 8 MB when the pages are in Redis too, 16 MB when this is the only tier
    (a worker starts at ≈ 105 MB; its caches and what rendering leaves behind must stay under 150)."""
    return int(os.environ.get("PUBLIC_BODY_CACHE_MB") or (8 if shared else 16)) * 1024 * 1024


bodies = BodyCache(_body_cache_bytes(shared=False))  # made smaller by _make_shared
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
    elif anonymous and (kept := _kept_body(etag)) is not None:
        response = Response(kept[0], headers=list(kept[1]))
    else:
        response = make_response(render())
        if response.status_code != 200:
            return response  # an error or a redirect is not the page this state identifies
        if anonymous and not response.is_streamed and not response.direct_passthrough:
            kept_headers = tuple((name, response.headers[name]) for name in _KEPT_HEADERS if name in response.headers)
            _keep_body(etag, response.get_data(), kept_headers)
    response.set_etag(etag)
    if state.last_modified is not None:
        response.last_modified = state.last_modified
    # A response that sets the visitor's session cookie (?lang= remembers the language) is theirs
    # alone: no shared cache may keep it, or hand their cookie to others.
    shared = anonymous and not session.modified
    response.headers["Cache-Control"] = f"public, max-age={max_age}" if shared else "private, no-cache"
    if shared:
        # For nginx in front (deploy/nginx.conf), which hides this header from the client: keep the
        # page only this long, then revalidate it with If-None-Match (a 304 costs the application
        # one look-up), so that a publication shows through the proxy within seconds.
        response.headers["X-Accel-Expires"] = str(PROXY_MAX_AGE)
    response.vary.add("Cookie")
    return response


def _body_key(tier: SharedCache, etag: str) -> str | None:
    """Where Redis keeps the body of this ETag (and script root: the links in a page start with it).
    Not under the shared generation: the ETag names the published state the page shows, which a
    publication changes, as for this process's `bodies` and the browsers' caches; a commit touching a
    watched table (a draft report saved, a value recorded) leaves the other pages warm."""
    return tier.key("b", request.script_root, etag)


def _kept_body(etag: str) -> tuple[bytes, tuple[tuple[str, str], ...]] | None:
    """The body kept for this ETag: from this process, else from Redis (kept here too from then on)."""
    if (kept := bodies.get(etag)) is not None:
        return kept
    if (tier := _usable_shared()) is None or (key := _body_key(tier, etag)) is None:
        return None
    kept = tier.load(key)
    if kept is _MISSING:
        return None
    bodies.put(etag, *kept)
    return kept


def _keep_body(etag: str, body: bytes, headers: tuple[tuple[str, str], ...]) -> None:
    bodies.put(etag, body, headers)
    if (tier := _usable_shared()) is not None and (key := _body_key(tier, etag)) is not None:
        tier.store(key, (body, headers))
