"""“谁负责？” — searching the matters of the versions in force.

Chinese has no spaces, and a two-character word (秸秆, 扬尘) must be found anywhere in a title. Every
text is therefore indexed as overlapping character bigrams with their positions: 秸秆禁烧 →
秸秆:1 秆禁:2 禁烧:3. A query is the phrase of its own bigrams, which matches exactly where the query
is a substring. SQLite keeps the bigrams in an FTS5 table (unicode61 sees each space-separated
bigram as one token, and a phrase query checks adjacency); PostgreSQL keeps explicit positioned
lexemes in tsvector columns under GIN indexes and queries them with the `<->` phrase operator.

A query is read as words (see "queries" below): 秸秆焚烧 finds 秸秆露天焚烧, 烧秸秆 and 噪音 find their
matters through the synonym table (registry/public/synonyms.txt, data an office may edit). Results
come in tiers — each one index query — so the closest come first: the query as typed (adjacent),
then its words scattered, then their synonyms, each first in titles then in bodies; then matters
holding only some of the words.

The title is indexed alone and again at the head of the body (title, responsibility text, department
names, with adjacency broken between them), so every tier is one index condition per field: title
hits first, then body hits not already ranked, instead of scoring and sorting every hit. The jurisdiction filter
is one more index term (`j<id>`) ANDed into the same index query.

The index holds the matters of each jurisdiction's version in force today; `reindex_jurisdiction`
replaces a jurisdiction's entries (called when a version is published or withdrawn, in the same
transaction), `reindex_due` catches versions whose effective date has since arrived.
"""

import json
import unicodedata
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, select, text
from sqlalchemy.orm import Session

from registry.core import signals
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import STATUS_LABELS, Role
from registry.public.models import FTS_TABLE, SearchEntry, VersionOverview
from registry.public.queries import superseded_in_index
from registry.versions.models import ListVersion, VersionAssignment, VersionMatter, VersionWithdrawal
from registry.versions.queries import in_force

# PostgreSQL keeps positions up to 16383; text past it stays unindexed (responsibility texts are short).
MAX_POSITION = 16383
MAX_TERMS = 8
MAX_QUERY_LENGTH = 100
# The bigrams looked up for the nearest matters (two index queries each, on the empty page only).
MAX_NEAREST_BIGRAMS = 12
# Separates runs in the FTS5 token stream: one character, so it never equals a (two-character) bigram.
GAP = "x"


class QueryTooShort(ValueError):
    """The query holds no run of two or more letters or digits."""


# -- tokens ----------------------------------------------------------------------------------------


def normalize(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").lower()


def _runs(value: str) -> list[str]:
    runs, current = [], []
    for ch in normalize(value):
        if ch.isalnum():
            current.append(ch)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return runs


def bigram_stream(parts: list[str]) -> list[str | None]:
    """The bigrams of the texts in order, with None wherever adjacency must break (between runs)."""
    stream: list[str | None] = []
    for part in parts:
        for run in _runs(part):
            if stream and stream[-1] is not None:
                stream.append(None)
            stream.extend(run[i : i + 2] for i in range(len(run) - 1))
    return stream


def fts_document(parts: list[str]) -> str:
    return " ".join(GAP if token is None else token for token in bigram_stream(parts))


def tsvector_literal(parts: list[str], scopes: list[str]) -> str:
    """A tsvector in its text form with explicit positions: `'j7' '秸秆':1 '秆禁':2`."""
    positions: dict[str, list[int]] = {}
    for position, token in enumerate(bigram_stream(parts), start=1):
        if position > MAX_POSITION:
            break
        if token is not None:
            positions.setdefault(token, []).append(position)
    lexemes = [f"'{pg_term(scope)}'" for scope in scopes]
    lexemes += [f"'{_quote(t)}':{','.join(map(str, p))}" for t, p in positions.items()]
    return " ".join(lexemes)


def _quote(token: str) -> str:
    return token.replace("\\", "\\\\").replace("'", "''")


def scope_term(jurisdiction_id: int) -> str:
    return f"j{jurisdiction_id}"


def pg_term(term: str) -> str:
    """A scope or version term as PostgreSQL's index holds it: with a `#`, so that it is never two
    characters long and never equal to a bigram of the text ('j5' is also what "J5" indexes as)."""
    return f"#{term}"


def version_term(version_id: int) -> str:
    return f"v{version_id}"


# -- queries --------------------------------------------------------------------------------------
#
# A query is read as words, matched in any order and with gaps. Each space-separated run is cut at
# the words of the synonym table (longest first); what is left between them is a plain word. A word
# matches a text that holds enough of its bigrams to cover each of its characters: 秸秆焚烧 needs
# 秸秆 and 焚烧 (not 秆焚), so 秸秆露天焚烧 matches. Ranking is by tiers, each one index query:
# the whole query as typed (adjacent) before its words scattered, the words as typed before their
# synonyms, all words before some, and within each of these the title before the body.


@dataclass(frozen=True)
class Word:
    text: str  # as typed, normalized; may be one character (then it is searched only through synonyms)
    synonyms: tuple[str, ...] = ()

    @property
    def searchable(self) -> tuple[str, ...]:
        """The forms an index can find: the word itself when it has two characters, and its synonyms."""
        own = (self.text,) if len(self.text) >= 2 else ()
        return tuple(dict.fromkeys(own + self.synonyms))


@dataclass(frozen=True)
class Query:
    runs: tuple[str, ...]  # the runs as typed (each matched as a phrase in the first tier)
    words: tuple[Word, ...]

    def bigrams(self) -> list[str]:
        """Every distinct bigram of the query and its synonyms (for the nearest matters)."""
        found: dict[str, None] = {}
        for form in [*self.runs, *(f for w in self.words for f in w.searchable)]:
            for i in range(len(form) - 1):
                found[form[i : i + 2]] = None
        return list(found)


def query_terms(q: str) -> Query:
    """The query read as words with their synonyms. Raises QueryTooShort when nothing is searchable."""
    from registry.public.synonyms import table

    synonyms = table()
    runs = _runs((q or "")[:MAX_QUERY_LENGTH])
    words: list[Word] = []
    for run in runs:
        for piece in _segment(run, synonyms):
            words.append(Word(piece, tuple(s for s in synonyms.get(piece, ()) if s != piece)))
    words = list({w.text: w for w in words if w.searchable}.values())[:MAX_TERMS]
    if not words:
        raise QueryTooShort("请输入至少两个字的关键词。")
    return Query(tuple(dict.fromkeys(r for r in runs if len(r) >= 2))[:MAX_TERMS], tuple(words))


def _segment(run: str, synonyms: dict[str, tuple[str, ...]]) -> list[str]:
    """The run cut at the table's words (longest match from the left), the rest kept as plain words.

    A one-character leftover beside a one-character table word joins it back (烧烤 is not 烧 + 烤);
    one beside a longer table word is dropped (an index of bigrams cannot find it alone)."""
    longest = max((len(k) for k in synonyms), default=0)
    pieces: list[tuple[str, bool]] = []  # (text, from the table)
    plain = ""
    i = 0
    while i < len(run):
        for n in range(min(longest, len(run) - i), 0, -1):
            if run[i : i + n] in synonyms:
                if plain:
                    pieces.append((plain, False))
                    plain = ""
                pieces.append((run[i : i + n], True))
                i += n
                break
        else:
            plain += run[i]
            i += 1
    if plain:
        pieces.append((plain, False))
    merged: list[tuple[str, bool]] = []
    for text_, known in pieces:
        if merged and len(text_) == 1 and len(merged[-1][0]) == 1 and known != merged[-1][1]:
            merged[-1] = (merged[-1][0] + text_, False)
        else:
            merged.append((text_, known))
    return [t for t, known in merged if known or len(t) >= 2]


# Expressions over bigrams, rendered for FTS5 or for a tsquery: ("p", bigrams) a phrase of adjacent
# bigrams, ("and", parts), ("or", parts).


def _phrase(form: str) -> tuple:
    return ("p", tuple(form[i : i + 2] for i in range(len(form) - 1)))


def _cover(form: str) -> tuple:
    """The form's characters each covered by one of its bigrams present anywhere (gaps allowed)."""
    bigrams = [form[i : i + 2] for i in range(len(form) - 1)]
    if len(bigrams) == 1:
        return ("p", (bigrams[0],))
    clauses = [frozenset(bigrams[max(0, c - 1) : c + 1]) for c in range(len(form))]
    clauses = list(dict.fromkeys(clauses))
    needed = [c for c in clauses if not any(o < c for o in clauses)]
    parts = [("p", (next(iter(c)),)) if len(c) == 1 else ("or", tuple(("p", (b,)) for b in sorted(c))) for c in needed]
    return parts[0] if len(parts) == 1 else ("and", tuple(parts))


def _any(forms) -> tuple:
    parts = tuple(dict.fromkeys(_cover(f) for f in forms))
    return parts[0] if len(parts) == 1 else ("or", parts)


def _all(parts) -> tuple:
    parts = tuple(dict.fromkeys(parts))
    return parts[0] if len(parts) == 1 else ("and", parts)


def _fts(expr: tuple) -> str:
    kind, parts = expr
    if kind == "p":
        return '"' + " ".join(parts) + '"'
    return "(" + f" {kind.upper()} ".join(_fts(p) for p in parts) + ")"


def _tsq(expr: tuple) -> str:
    kind, parts = expr
    if kind == "p":
        return "(" + " <-> ".join(f"'{_quote(b)}'" for b in parts) + ")"
    return "(" + (" & " if kind == "and" else " | ").join(_tsq(p) for p in parts) + ")"


# Tier kinds, for the counts the page shows.
TITLE, BODY, SOME = "title", "body", "some"


def _tiers(query: Query) -> list[tuple[str, str, tuple]]:
    """(kind, field, expression) in rank order; a tier equal to an earlier one is left out."""
    as_typed = _all(_cover(w.text) if len(w.text) >= 2 else _any(w.searchable) for w in query.words)
    with_synonyms = _all(_any(w.searchable) for w in query.words)
    adjacent = _all(_phrase(r) for r in query.runs) if query.runs else None
    some = ("or", tuple(dict.fromkeys(_any(w.searchable) for w in query.words))) if len(query.words) > 1 else None
    tiers: list[tuple[str, str, tuple]] = []
    for kind, field in ((TITLE, "title"), (BODY, "body")):
        tiers += [(kind, field, e) for e in (adjacent, as_typed, with_synonyms) if e is not None]
    if some is not None:
        tiers += [(SOME, "title", some), (SOME, "body", some)]
    seen: set = set()
    unique = []
    for kind, field, expr in tiers:
        if (field, expr) not in seen:
            seen.add((field, expr))
            unique.append((kind, field, expr))
    return unique


# -- indexing --------------------------------------------------------------------------------------


def _executor(conn: Connection | Session | None) -> Connection | Session:
    return conn if conn is not None else db.session


def _dialect(ex: Connection | Session) -> str:
    return ex.dialect.name if isinstance(ex, Connection) else ex.get_bind().dialect.name


def reindex_jurisdiction(jurisdiction_id: int, conn: Connection | Session | None = None) -> int:
    """Replace the jurisdiction's index entries by those of its version in force; return how many.

    Runs in the caller's transaction, so a publish or withdrawal and its index change commit together.
    """
    ex = _executor(conn)
    sqlite = _dialect(ex) == "sqlite"
    if sqlite:
        ex.execute(
            text(
                f"DELETE FROM {FTS_TABLE} WHERE rowid IN "
                "(SELECT version_matter_id FROM search_entries WHERE jurisdiction_id = :j)"
            ),
            {"j": jurisdiction_id},
        )
    ex.execute(delete(SearchEntry).where(SearchEntry.jurisdiction_id == jurisdiction_id))
    ex.execute(delete(VersionOverview).where(VersionOverview.jurisdiction_id == jurisdiction_id))
    total = 0
    for version_id in indexable_versions(jurisdiction_id, ex):
        total += _index_version(ex, jurisdiction_id, version_id, sqlite)
        _keep_overview(ex, jurisdiction_id, version_id)
    return total


def _keep_overview(ex, jurisdiction_id: int, version_id: int) -> None:
    """Keep the version's overview (what its page lists above the matters) beside its entries."""
    from registry.public.queries.versions import overview_of

    body = json.dumps(overview_of(ex, version_id), ensure_ascii=False)
    ex.execute(insert(VersionOverview).values(version_id=version_id, jurisdiction_id=jurisdiction_id, body=body))


def indexable_versions(jurisdiction_id: int, conn=None) -> list[int]:
    """The versions the index holds for a jurisdiction: the one in force today and any published to
    come into force later (they are filtered out of every search until their day: see
    public.queries.superseded_in_index)."""
    ex = _executor(conn)
    today = local_today()
    current = in_force(jurisdiction_id, today, conn=ex)
    later = ex.execute(
        select(ListVersion.id)
        .outerjoin(VersionWithdrawal, VersionWithdrawal.version_id == ListVersion.id)
        .where(
            ListVersion.jurisdiction_id == jurisdiction_id,
            ListVersion.effective_date > today,
            VersionWithdrawal.id.is_(None),
        )
    ).scalars()
    return sorted({*([current] if current is not None else []), *later})


def _index_version(ex, jurisdiction_id: int, version_id: int, sqlite: bool) -> int:
    names: dict[int, list[str]] = {}
    parties: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for vm_id, role, department_id, name, short_name in ex.execute(
        select(
            VersionAssignment.version_matter_id,
            VersionAssignment.role,
            VersionAssignment.department_id,
            VersionAssignment.department_name,
            VersionAssignment.department_short_name,
        )
        .where(VersionAssignment.version_id == version_id)
        .order_by(VersionAssignment.version_matter_id, VersionAssignment.position, VersionAssignment.id)
    ):
        names.setdefault(vm_id, []).extend(dict.fromkeys([name, short_name]))
        parties.setdefault(vm_id, []).append((role, {"id": department_id, "name": name, "short_name": short_name}))
    label, code, place = ex.execute(
        select(ListVersion.label, Jurisdiction.code, Jurisdiction.name)
        .join(Jurisdiction, Jurisdiction.id == ListVersion.jurisdiction_id)
        .where(ListVersion.id == version_id)
    ).one()
    matters = ex.execute(
        select(
            VersionMatter.id,
            VersionMatter.matter_id,
            VersionMatter.title,
            VersionMatter.description,
            VersionMatter.seq,
            VersionMatter.category,
            VersionMatter.status,
            VersionMatter.delegated_to_code,
            VersionMatter.delegated_to_name,
            VersionMatter.territorial,
            VersionMatter.deadline_text,
            VersionMatter.deadline,
            VersionMatter.targets,
        )
        .where(VersionMatter.version_id == version_id)
        .order_by(VersionMatter.id)
    ).all()
    scopes = [scope_term(jurisdiction_id), version_term(version_id)]
    entries, documents = [], []
    for m in matters:
        vm_id, title = m.id, m.title
        body = [title, m.description, *names.get(vm_id, [])]
        entry: dict[str, Any] = {
            "version_matter_id": vm_id,
            "jurisdiction_id": jurisdiction_id,
            "version_id": version_id,
            "matter_id": m.matter_id,
            "title_terms": None,
            "body_terms": None,
            "card": json.dumps(_card(m, parties.get(vm_id, []), label, code, place), ensure_ascii=False),
        }
        if sqlite:
            documents.append(
                {"rowid": vm_id, "title": fts_document([title]), "body": fts_document(body), "scope": " ".join(scopes)}
            )
        else:
            entry["title_terms"] = tsvector_literal([title], scopes)
            entry["body_terms"] = tsvector_literal(body, scopes)
        entries.append(entry)
    if entries:
        if sqlite:
            ex.execute(insert(SearchEntry), entries)
            ex.execute(
                text(f"INSERT INTO {FTS_TABLE} (rowid, title, body, scope) VALUES (:rowid, :title, :body, :scope)"),
                documents,
            )
        else:
            # The literal is cast by PostgreSQL's tsvector input, which keeps our lexemes and positions as given.
            ex.execute(
                text(
                    "INSERT INTO search_entries (version_matter_id, jurisdiction_id, version_id, matter_id,"
                    " title_terms, body_terms, card) VALUES (:version_matter_id, :jurisdiction_id, :version_id,"
                    " :matter_id, CAST(:title_terms AS tsvector), CAST(:body_terms AS tsvector), :card)"
                ),
                entries,
            )
    return len(entries)


def _card(m: Any, parties: list[tuple[str, dict[str, Any]]], label: str, code: str, place: str) -> dict[str, Any]:
    """What a search result shows of a matter (public.queries.matter_plain's shape without the basis),
    kept in its index entry so that a page of results is one read of one table."""
    lead = next((party for role, party in parties if role == Role.LEAD), None)
    return {
        "id": m.matter_id,
        "title": m.title,
        "category": m.category,
        "description": m.description,
        "status": m.status,
        "lead": lead,
        "co_leads": [party for role, party in parties if role == Role.CO_LEAD],
        "cooperating": [party for role, party in parties if role == Role.COOPERATING],
        "jurisdiction": {"code": code, "name": place},
        "version": label,
        "seq": m.seq,
        "delegated_to": {"code": m.delegated_to_code, "name": m.delegated_to_name} if m.delegated_to_name else None,
        "territorial": list(m.territorial or []),
        "deadline": (
            {"text": m.deadline_text, "date": m.deadline.isoformat() if m.deadline else None}
            if m.deadline_text
            else None
        ),
        "targets": list(m.targets or []),
    }


def cards(ids: list[int]) -> dict[int, dict[str, Any]]:
    """The result cards of index entries by version-matter id (entries indexed before cards existed
    have none: the caller loads those the long way)."""
    if not ids:
        return {}
    cursor = db.session.connection().connection.cursor()
    try:
        # Integers only, so inlined: one statement text whatever the driver's parameter style.
        cursor.execute(
            "SELECT version_matter_id, card FROM search_entries WHERE card IS NOT NULL"
            f" AND version_matter_id IN ({','.join(str(int(i)) for i in ids)})"
        )
        found = {}
        for vm_id, card in cursor.fetchall():
            plain = orjson.loads(card)
            plain["status_label"] = STATUS_LABELS.get(plain["status"], plain["status"])
            found[vm_id] = plain
        return found
    finally:
        cursor.close()


def reindex_due(conn=None) -> list[int]:
    """Reindex the jurisdictions whose indexed versions are not those indexable today (a version
    came into force and the one before it can go, or the index was never built); return their ids.
    Searches are right without it (they skip superseded versions); it only keeps the index small."""
    ex = _executor(conn)
    indexed: dict[int, set[int]] = {}
    for jurisdiction_id, version_id in ex.execute(
        select(SearchEntry.jurisdiction_id, SearchEntry.version_id).distinct()
    ):
        indexed.setdefault(jurisdiction_id, set()).add(version_id)
    due = []
    jurisdiction_ids = ex.execute(select(ListVersion.jurisdiction_id).distinct()).scalars().all()
    # Entries indexed before result cards existed (migration e5b1c7d2a9f4) are built again.
    cardless = set(
        ex.execute(select(SearchEntry.jurisdiction_id).where(SearchEntry.card.is_(None)).distinct()).scalars()
    )
    for jurisdiction_id in set(jurisdiction_ids) | set(indexed):
        versions = set(indexable_versions(jurisdiction_id, ex))
        if jurisdiction_id in cardless or versions != indexed.get(jurisdiction_id, set()):
            reindex_jurisdiction(jurisdiction_id, ex)
            due.append(jurisdiction_id)
    # Versions indexed before overviews were kept (migration 3b9e7c1d5a20): only their overview.
    kept = set(ex.execute(select(VersionOverview.version_id)).scalars())
    for jurisdiction_id, version_id in ex.execute(
        select(SearchEntry.jurisdiction_id, SearchEntry.version_id).distinct()
    ).all():
        if version_id not in kept:
            _keep_overview(ex, jurisdiction_id, version_id)
            due.append(jurisdiction_id)
    return sorted(set(due), key=due.index)


def rebuild_index(conn=None, progress=None) -> int:
    """Rebuild the whole index; return the number of entries. `progress(done, count)` is told after
    each jurisdiction (a job's progress bar)."""
    ex = _executor(conn)
    if _dialect(ex) == "sqlite":
        ex.execute(text(f"DELETE FROM {FTS_TABLE}"))
    ex.execute(delete(SearchEntry))
    ex.execute(delete(VersionOverview))
    total = 0
    jurisdiction_ids = ex.execute(select(ListVersion.jurisdiction_id).distinct()).scalars().all()
    for done, jurisdiction_id in enumerate(jurisdiction_ids, start=1):
        total += reindex_jurisdiction(jurisdiction_id, ex)
        if progress is not None:
            progress(done, len(jurisdiction_ids))
    return total


# -- searching -------------------------------------------------------------------------------------


# Counting stops here: past it a count costs as much as the hits it counts (on PostgreSQL every
# candidate is fetched from the table and its positions rechecked: about 2 µs a hit, so the cap is
# most of an everyday query's time), and nobody pages through 25 pages of results. Only the first
# COUNT_CAP hits can be paged to; the page says "more than 500" and suggests another word.
COUNT_CAP = 500

# Hits holding only some of the words are a fallback, looked for when fewer than a page of hits hold
# every word: after a page of better hits nobody reads them, and finding them is the dearest query
# (an OR over every word's postings, thousands of entries for everyday words).
SOME_WHEN_FEWER_THAN = 20


@dataclass
class Hits:
    version_matter_ids: list[int]
    title_total: int  # every word in the title (at most cap + 1 in all)
    other_total: int  # every word, some of them only in the responsibility text or department names
    cap: int | None = None
    some_total: int = 0  # some of the words only (ranked last)

    @property
    def capped(self) -> bool:
        """More than `cap` hits: the counts are lower bounds and only the first `cap` are served."""
        return self.cap is not None and self.title_total + self.other_total + self.some_total > self.cap

    @property
    def total(self) -> int:
        """The number of hits, or cap + 1 when there are more than cap."""
        exact = self.title_total + self.other_total + self.some_total
        return exact if self.cap is None else min(exact, self.cap + 1)

    @property
    def all_words_total(self) -> int:
        """Hits holding every word of the query (the rest hold some of them)."""
        return self.title_total + self.other_total

    @property
    def reachable(self) -> int:
        """How many hits can be paged to."""
        return self.total if self.cap is None else min(self.total, self.cap)


def _fts_current(match: str) -> str:
    """An FTS5 query less the entries of versions not in force today (usually there are none)."""
    superseded = superseded_in_index()
    if not superseded:
        return match
    return f"({match}) NOT scope : ({' OR '.join(version_term(v) for v in superseded)})"


def _ts_current(query: str) -> str:
    """A tsquery less the entries of versions not in force today."""
    return "".join([query, *(f" & !'{pg_term(version_term(v))}'" for v in superseded_in_index())])


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _tier_ids(field: str, expr: tuple, jurisdiction_id: int | None, at_most: int | None) -> list[int]:
    """Ids of the entries in force whose `field` (title or body) matches expr, at most `at_most` of
    them: on SQLite the lowest (FTS5 yields rowids in order), on PostgreSQL the first the GIN scan
    yields (a count or an ORDER BY could not stop early)."""
    if _sqlite():
        scope = f"scope : {scope_term(jurisdiction_id)} AND " if jurisdiction_id is not None else ""
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :m"
        match = _fts_current(f"{scope}{field} : {_fts(expr)}")
    else:
        scope = f"'{pg_term(scope_term(jurisdiction_id))}' & " if jurisdiction_id is not None else ""
        sql = f"SELECT version_matter_id FROM search_entries WHERE {field}_terms @@ CAST(:m AS tsquery)"
        match = _ts_current(scope + _tsq(expr))
    if not _sqlite():
        sql = sql.replace(":m", "%(m)s")
    # Straight through the driver: up to a thousand ids a tier, where SQLAlchemy's row processing
    # cost more than the index query itself. Same connection, so same transaction.
    cursor = db.session.connection().connection.cursor()
    try:
        cursor.execute(sql + _limit_clause(at_most), {"m": match})
        return [row[0] for row in cursor.fetchall()]
    finally:
        cursor.close()


def search_ids(
    q: str, jurisdiction_id: int | None = None, *, offset: int = 0, limit: int = 20, cap: int | None | bool = True
) -> Hits:
    """Version matter ids in force matching the words of q in any order, ranked by tiers (see
    `_tiers`), each tier in list order; counted up to `cap` + 1 (True: COUNT_CAP; None: exactly).
    Those holding only some of the words follow when fewer than SOME_WHEN_FEWER_THAN hold all of
    them. Raises QueryTooShort.

    Each tier is one index query that stops after the hits still needed; ids already ranked in an
    earlier tier are skipped in Python (the body indexes the title too)."""
    if cap is True:
        cap = COUNT_CAP
    ranked: list[int] = []
    seen: set[int] = set()
    counts = {TITLE: 0, BODY: 0, SOME: 0}
    for kind, field, expr in _tiers(query_terms(q)):
        wanted = None if cap is None else cap + 1 - len(ranked)
        if (wanted is not None and wanted <= 0) or (kind == SOME and len(ranked) >= SOME_WHEN_FEWER_THAN):
            break
        found = _tier_ids(field, expr, jurisdiction_id, None if wanted is None else wanted + len(seen))
        new = sorted(i for i in set(found) if i not in seen)[:wanted]
        seen.update(new)
        ranked += new
        counts[kind] += len(new)
    end = offset + limit if cap is None else min(offset + limit, cap)
    return Hits(ranked[offset:end] if offset < end else [], counts[TITLE], counts[BODY], cap, counts[SOME])


def _limit_clause(limit: int | None) -> str:
    return "" if limit is None else f" LIMIT {int(limit)}"


def nearest_ids(q: str, jurisdiction_id: int | None = None, *, limit: int = 5, per_bigram: int = 200) -> list[int]:
    """Matters in force sharing the most bigrams with the query or its synonyms (title bigrams count
    twice): what to suggest when nothing holds the words. Raises QueryTooShort."""
    from collections import Counter

    score: Counter[int] = Counter()
    for bigram in terms_bigrams(q):
        for field, weight in (("title", 2), ("body", 1)):
            for i in _tier_ids(field, ("p", (bigram,)), jurisdiction_id, per_bigram):
                score[i] += weight
    return [i for i, _ in sorted(score.items(), key=lambda item: (-item[1], item[0]))[:limit]]


def terms_bigrams(q: str) -> list[str]:
    return query_terms(q).bigrams()[:MAX_NEAREST_BIGRAMS]


def matching_ids(q: str, jurisdiction_id: int | None = None):
    """A SELECT of the version-matter ids in force holding every word of q (title or body, with
    synonyms), to use in `column.in_(...)` with other filters. Raises QueryTooShort."""
    from sqlalchemy import Integer, column

    query = query_terms(q)
    expr = _all(_any(w.searchable) for w in query.words)
    if _sqlite():
        scope = f"scope : {scope_term(jurisdiction_id)} AND " if jurisdiction_id is not None else ""
        clause = text(f"SELECT rowid AS id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match_q").bindparams(
            match_q=_fts_current(f"{scope}body : {_fts(expr)}")
        )
    else:
        scope = f"'{pg_term(scope_term(jurisdiction_id))}' & " if jurisdiction_id is not None else ""
        clause = text(
            "SELECT version_matter_id AS id FROM search_entries WHERE body_terms @@ CAST(:match_q AS tsquery)"
        ).bindparams(match_q=_ts_current(scope + _tsq(expr)))
    return clause.columns(column("id", Integer))


@signals.versions_changed.connect
def _follow_versions(jurisdiction_id: int, **_) -> None:
    """A version was published or withdrawn: index the one now in force (same transaction)."""
    reindex_jurisdiction(jurisdiction_id)
