"""“谁负责？” — searching the matters of the versions in force.

Chinese has no spaces, and a two-character word (秸秆, 扬尘) must be found anywhere in a title. Every
text is therefore indexed as overlapping character bigrams with their positions: 秸秆禁烧 →
秸秆:1 秆禁:2 禁烧:3. A query is the phrase of its own bigrams, which matches exactly where the query
is a substring. SQLite keeps the bigrams in an FTS5 table (unicode61 sees each space-separated
bigram as one token, and a phrase query checks adjacency); PostgreSQL keeps explicit positioned
lexemes in tsvector columns under GIN indexes and queries them with the `<->` phrase operator.

The title is indexed alone and again at the head of the body (title, responsibility text, department
names, with adjacency broken between them), so every query is one index condition per group: title
hits first, then body hits whose title does not match, instead of ranking and sorting every hit. The jurisdiction filter
is one more index term (`j<id>`) ANDed into the same index query.

The index holds the matters of each jurisdiction's version in force today; `reindex_jurisdiction`
replaces a jurisdiction's entries (called when a version is published or withdrawn, in the same
transaction), `reindex_due` catches versions whose effective date has since arrived.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text
from sqlalchemy.orm import Session

from registry.core import signals
from registry.extensions import db
from registry.public.models import FTS_TABLE, SearchEntry
from registry.public.queries import superseded_in_index
from registry.versions.models import ListVersion, VersionAssignment, VersionMatter, VersionWithdrawal
from registry.versions.queries import in_force

# PostgreSQL keeps positions up to 16383; text past it stays unindexed (responsibility texts are short).
MAX_POSITION = 16383
MAX_TERMS = 8
MAX_QUERY_LENGTH = 100
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


def query_terms(q: str) -> list[list[str]]:
    """The query's terms, each as the list of its bigrams. Raises QueryTooShort when nothing is searchable."""
    runs = [r for r in _runs((q or "")[:MAX_QUERY_LENGTH]) if len(r) >= 2][:MAX_TERMS]
    if not runs:
        raise QueryTooShort("请输入至少两个字的关键词。")
    terms = list(dict.fromkeys(runs))
    return [[run[i : i + 2] for i in range(len(run) - 1)] for run in terms]


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
    total = 0
    for version_id in indexable_versions(jurisdiction_id, ex):
        total += _index_version(ex, jurisdiction_id, version_id, sqlite)
    return total


def indexable_versions(jurisdiction_id: int, conn=None) -> list[int]:
    """The versions the index holds for a jurisdiction: the one in force today and any published to
    come into force later (they are filtered out of every search until their day: see
    public.queries.superseded_in_index)."""
    ex = _executor(conn)
    today = date.today()
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
    for vm_id, name, short_name in ex.execute(
        select(
            VersionAssignment.version_matter_id,
            VersionAssignment.department_name,
            VersionAssignment.department_short_name,
        )
        .where(VersionAssignment.version_id == version_id)
        .order_by(VersionAssignment.version_matter_id, VersionAssignment.position)
    ):
        names.setdefault(vm_id, []).extend(dict.fromkeys([name, short_name]))
    matters = ex.execute(
        select(VersionMatter.id, VersionMatter.matter_id, VersionMatter.title, VersionMatter.description)
        .where(VersionMatter.version_id == version_id)
        .order_by(VersionMatter.id)
    ).all()
    scopes = [scope_term(jurisdiction_id), version_term(version_id)]
    entries, documents = [], []
    for vm_id, matter_id, title, description in matters:
        body = [title, description, *names.get(vm_id, [])]
        entry: dict[str, Any] = {
            "version_matter_id": vm_id,
            "jurisdiction_id": jurisdiction_id,
            "version_id": version_id,
            "matter_id": matter_id,
            "title_terms": None,
            "body_terms": None,
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
                    " title_terms, body_terms) VALUES (:version_matter_id, :jurisdiction_id, :version_id,"
                    " :matter_id, CAST(:title_terms AS tsvector), CAST(:body_terms AS tsvector))"
                ),
                entries,
            )
    return len(entries)


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
    for jurisdiction_id in set(jurisdiction_ids) | set(indexed):
        if set(indexable_versions(jurisdiction_id, ex)) != indexed.get(jurisdiction_id, set()):
            reindex_jurisdiction(jurisdiction_id, ex)
            due.append(jurisdiction_id)
    return due


def rebuild_index(conn=None) -> int:
    """Rebuild the whole index; return the number of entries."""
    ex = _executor(conn)
    if _dialect(ex) == "sqlite":
        ex.execute(text(f"DELETE FROM {FTS_TABLE}"))
    ex.execute(delete(SearchEntry))
    total = 0
    for jurisdiction_id in ex.execute(select(ListVersion.jurisdiction_id).distinct()).scalars().all():
        total += reindex_jurisdiction(jurisdiction_id, ex)
    return total


# -- searching -------------------------------------------------------------------------------------


# Counting stops here: past it a count costs as much as the hits it counts (on PostgreSQL every
# candidate's positions are rechecked), and nobody pages through a thousand results. Only the first
# COUNT_CAP hits can be paged to; the page says "more than 1000".
COUNT_CAP = 1000


@dataclass
class Hits:
    version_matter_ids: list[int]
    title_total: int  # at most cap + 1
    other_total: int  # at most cap + 1
    cap: int | None = None

    @property
    def capped(self) -> bool:
        """More than `cap` hits: the counts are lower bounds and only the first `cap` are served."""
        return self.cap is not None and self.title_total + self.other_total > self.cap

    @property
    def total(self) -> int:
        """The number of hits, or cap + 1 when there are more than cap."""
        exact = self.title_total + self.other_total
        return exact if self.cap is None else min(exact, self.cap + 1)

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


def _fts_phrase(bigrams: list[str]) -> str:
    return '"' + " ".join(bigrams) + '"'


def _ts_phrase(bigrams: list[str]) -> str:
    return "(" + " <-> ".join(f"'{_quote(b)}'" for b in bigrams) + ")"


def search_ids(
    q: str, jurisdiction_id: int | None = None, *, offset: int = 0, limit: int = 20, cap: int | None | bool = True
) -> Hits:
    """Version matter ids in force matching every term of q: title matches first, then the rest,
    each group in list order; counted up to `cap` + 1 (True: COUNT_CAP; None: exactly). Raises QueryTooShort."""
    if cap is True:
        cap = COUNT_CAP
    terms = query_terms(q)
    if db.session.get_bind().dialect.name == "sqlite":
        return _search_sqlite(terms, jurisdiction_id, offset, limit, cap)
    return _search_postgres(terms, jurisdiction_id, offset, limit, cap)


def _page(count_title, fetch_title, count_body, fetch_other, offset: int, limit: int, cap: int | None) -> Hits:
    """One page of title hits then other hits (SQLite: FTS5 yields rowids in order, so a page is a
    LIMIT/OFFSET of the index query). Counts stop at cap + 1, so past that only positions
    below cap are served (the true number of title hits is then unknown).

    The body indexes the title too, so the other hits number body hits minus title hits: counting
    them needs no NOT (which would recheck every title hit only to discard it)."""
    if cap is not None:
        limit = max(0, min(limit, cap - offset))
    title_total = count_title(None if cap is None else cap + 1)
    ids: list[int] = []
    if offset < title_total and limit:
        ids = fetch_title(offset, limit, title_total)
    if cap is not None and title_total > cap:
        return Hits(ids, title_total, 0, cap)  # more than cap in all: the rest is neither counted nor served
    other_total = count_body(None if cap is None else title_total + cap + 1) - title_total
    if len(ids) < limit:
        other_offset = max(0, offset - title_total)
        ids += fetch_other(other_offset, limit - len(ids), other_total)
    return Hits(ids, title_total, other_total, cap)


def _limit_clause(limit: int | None) -> str:
    return "" if limit is None else f" LIMIT {int(limit)}"


def _search_sqlite(terms, jurisdiction_id, offset, limit, cap) -> Hits:
    phrases = " AND ".join(_fts_phrase(t) for t in terms)
    scope = f"scope : {scope_term(jurisdiction_id)} AND " if jurisdiction_id is not None else ""
    title_match = _fts_current(f"{scope}title : ({phrases})")
    body_match = _fts_current(f"{scope}body : ({phrases})")
    other_match = _fts_current(f"{scope}body : ({phrases}) NOT title : ({phrases})")

    def count(match):
        return lambda at_most: db.session.execute(
            text(
                f"SELECT count(*) FROM (SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :m{_limit_clause(at_most)})"
            ),
            {"m": match},
        ).scalar_one()

    def fetch(match):
        return lambda off, lim, _count: list(
            db.session.execute(
                text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :m ORDER BY rowid LIMIT :l OFFSET :o"),
                {"m": match, "l": lim, "o": off},
            ).scalars()
        )

    return _page(count(title_match), fetch(title_match), count(body_match), fetch(other_match), offset, limit, cap)


def _search_postgres(terms, jurisdiction_id, offset, limit, cap) -> Hits:
    """Each group is one index query that stops after `cap` + 1 rechecked hits (a GIN bitmap scan
    yields rows in storage order: neither a count nor an ORDER BY can stop early, and walking the
    primary key tests every row until it finds enough, which is slow when hits are sparse). The ids
    come back to Python, which sorts and slices them; past the cap, the hits served are the first
    `cap` the index yields, in list order, and they stay the same from page to page until the next
    publication rewrites the index (or new statistics change the plan)."""
    scope = f"'{pg_term(scope_term(jurisdiction_id))}' & " if jurisdiction_id is not None else ""
    params = {"q": _ts_current(scope + " & ".join(_ts_phrase(t) for t in terms))}

    def ids(column: str, at_most: int | None) -> list[int]:
        return list(
            db.session.execute(
                text(
                    f"SELECT version_matter_id FROM search_entries WHERE {column} @@ CAST(:q AS tsquery)"
                    + _limit_clause(at_most)
                ),
                params,
            ).scalars()
        )

    title = sorted(ids("title_terms", None if cap is None else cap + 1))
    if cap is not None and len(title) > cap:
        return Hits(title[offset : min(offset + limit, cap)] if offset < cap else [], len(title), 0, cap)
    # The body indexes the title too: the other hits are the body hits that are not title hits.
    seen = set(title)
    other = sorted(i for i in ids("body_terms", None if cap is None else len(title) + cap + 1) if i not in seen)
    hits = title + other
    end = offset + limit if cap is None else min(offset + limit, cap)
    return Hits(hits[offset:end], len(title), len(other), cap)


def matching_ids(q: str, jurisdiction_id: int | None = None):
    """A SELECT of the version-matter ids in force matching every term of q (title or body), to use
    in `column.in_(...)` with other filters. Raises QueryTooShort."""
    from sqlalchemy import Integer, column

    terms = query_terms(q)
    if db.session.get_bind().dialect.name == "sqlite":
        phrases = " AND ".join(_fts_phrase(t) for t in terms)
        scope = f"scope : {scope_term(jurisdiction_id)} AND " if jurisdiction_id is not None else ""
        clause = text(f"SELECT rowid AS id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match_q").bindparams(
            match_q=_fts_current(f"{scope}body : ({phrases})")
        )
    else:
        scope = f"'{pg_term(scope_term(jurisdiction_id))}' & " if jurisdiction_id is not None else ""
        clause = text(
            "SELECT version_matter_id AS id FROM search_entries WHERE body_terms @@ CAST(:match_q AS tsquery)"
        ).bindparams(match_q=_ts_current(scope + " & ".join(_ts_phrase(t) for t in terms)))
    return clause.columns(column("id", Integer))


@signals.versions_changed.connect
def _follow_versions(jurisdiction_id: int, **_) -> None:
    """A version was published or withdrawn: index the one now in force (same transaction)."""
    reindex_jurisdiction(jurisdiction_id)
