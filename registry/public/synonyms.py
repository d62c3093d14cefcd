"""The search's synonym table: everyday words and the terms the lists use, kept as data.

The table is `synonyms.txt` beside this file, or `synonyms.txt` in the instance folder when an
office keeps its own there (REGISTRY_INSTANCE). It is re-read when the file changes, so an edit
takes effect on the next search without a restart. Format (one group a line, `#` comments):

    噪音→噪声          查“噪音”也查“噪声”（单向）
    臭味 异味 恶臭      互为同义
"""

import os
import re
import stat
import threading
import unicodedata
from pathlib import Path

DEFAULT_PATH = Path(__file__).with_name("synonyms.txt")
_DEFAULT_PATH = str(DEFAULT_PATH)
# Bounds, so that a mistaken edit cannot make every query slow.
MAX_SYNONYMS = 8
MAX_WORD = 12

_ARROW = re.compile(r"\s*(?:→|->|=>)\s*")
_SEPARATORS = re.compile(r"[\s、，,；;/|]+")

_lock = threading.Lock()
_cache: dict[str, tuple[float, dict[str, tuple[str, ...]]]] = {}


_DEFAULT_INSTANCE = str(Path(__file__).resolve().parents[2] / "instance")


def path() -> Path:
    """REGISTRY_SYNONYMS, else synonyms.txt in the instance folder, else the table shipped here."""
    return Path(_current()[0])


def _current() -> tuple[str, float | None]:
    """The table's path and modification time (None: unreadable), in one or two stats: asked on
    every search, so plain strings rather than Path objects."""
    own = os.environ.get("REGISTRY_SYNONYMS") or os.path.join(
        os.environ.get("REGISTRY_INSTANCE", _DEFAULT_INSTANCE), "synonyms.txt"
    )
    for where in (own, _DEFAULT_PATH):
        try:
            found = os.stat(where)
        except OSError:
            continue
        if stat.S_ISREG(found.st_mode):
            return where, found.st_mtime
    return _DEFAULT_PATH, None


def _word(value: str) -> str:
    """A word as the index sees it: NFKC, lower case, letters and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", value).lower() if ch.isalnum())[:MAX_WORD]


def parse(source: str) -> dict[str, tuple[str, ...]]:
    """{word: its synonyms}, from the text of a table."""
    table: dict[str, dict[str, None]] = {}

    def add(key: str, values: list[str]) -> None:
        found = table.setdefault(key, {})
        for v in values:
            if v != key and len(v) >= 2:
                found[v] = None

    for line in source.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if _ARROW.search(line):
            left, right = _ARROW.split(line, maxsplit=1)
            values = [w for w in map(_word, _SEPARATORS.split(right)) if w]
            for key in filter(None, map(_word, _SEPARATORS.split(left))):
                add(key, values)
        else:
            group = list(dict.fromkeys(w for w in map(_word, _SEPARATORS.split(line)) if w))
            for key in group:
                add(key, group)
    return {k: tuple(v)[:MAX_SYNONYMS] for k, v in table.items() if v}


def fingerprint() -> tuple[str, float]:
    """Which table is in use and when it last changed (part of the search page's ETag)."""
    where, mtime = _current()
    return where, mtime or 0.0


def table() -> dict[str, tuple[str, ...]]:
    """The table in use, re-read when its file changes (a stat or two a search)."""
    where, mtime = _current()
    if mtime is None:
        return {}
    cached = _cache.get(where)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    with _lock:
        try:
            parsed = parse(Path(where).read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError):
            parsed = cached[1] if cached else {}
        _cache[where] = (mtime, parsed)
    return parsed
