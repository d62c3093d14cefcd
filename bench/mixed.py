"""The real mix (#16): every public page kind requested together, in realistic proportions, over tens of
thousands of distinct URLs, against gunicorn directly (cold and warm, at 8 and 64 connections) and
through nginx as deployed (deploy/nginx.conf), with nginx serving a static file as the ceiling.

The workload (`workload()`): a list of LIST_LENGTH requests drawn from the published data, each page
kind with its share of WEIGHTS; within a kind, URLs are drawn by popularity (Zipf-like, rank^-ALPHA:
the first jurisdictions, the first pages, the biggest categories and departments, the everyday search
words are asked for most; the long tail once or never). The list is shuffled and wrk rotates over it
(bench/http.py's Lua script), each slice of load going on where the previous one stopped.

The measurement (`run()`), on gunicorn as bench/http.py starts it but with the application's own page
size (PER_PAGE, 50 rows: the mix is the site as configured, not the stress of 200-row pages):

1. A fresh gunicorn: the first minute at 8 connections in 10 s slices (cold: nothing cached), warm-up
   rounds until the rate stops rising, then WINDOWS windows of the mix each followed by a /healthz
   window at 8 connections, and the same at 64; the workers' peak RSS (VmHWM) after.
2. Another fresh gunicorn: the first minute at 64 connections; then nginx (deploy/nginx.conf, an empty
   cache) in front of it — once per run, in front of the last database measured (nginx's cache hits do
   not touch the database): warm-up, windows of the mix and of /healthz through nginx at 8 and 64
   connections, and a static file of the mix's median page size (the physical ceiling: nginx alone).

3. With Redis (as deployed), a cache tier filled ahead of the load: one gunicorn requests every
   distinct URL of the mix once (what rendering a publication's pages when it is published would
   do), then a fresh gunicorn on the same Redis keys, nothing in its processes, takes the first minute
   and the warm windows at 8 and 64 connections. What the mix costs when no request renders a page:
   the measurement behind the README's "what would meet it".

Ratios are to /healthz measured the same way (same front, same connections) seconds apart.
"""

import math
import os
import random
import statistics
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import func, select

from bench import http
from bench.databases import Database
from registry.extensions import db

# Shares of the requests, in percent (README, "The mixed workload": why these).
WEIGHTS = {
    "matter": 33,  # /matters/<id>: where search engines and shared links land
    "search": 18,  # /search?q=… (谁负责？): the question people come with
    "department": 12,  # /departments/<id>
    "jurisdiction": 10,  # /jurisdictions/<code>
    "jurisdiction_page": 5,  # …?page=n
    "jurisdiction_category": 5,  # …?category=大气 (&page=n)
    "jurisdiction_department": 4,  # …?department=<id> (&page=n)
    "api": 7,  # /api/v1/…: harvesters, other government systems
    "home": 6,  # /, /jurisdictions, /search (the empty form)
}
ALPHA = 0.75  # popularity within a kind: Breslau et al. (1999) measured Zipf-like web requests, α 0.64–0.83
ALPHA_BY_KIND = {"api": 0.0}  # a harvester walks the API evenly
LIST_LENGTH = int(os.environ.get("BENCH_MIXED_LIST", "100000"))
MATTERS = 20_000  # distinct matter pages in the pool (the API's single matters are drawn from them)
PER_PAGE = 50  # the application's default page size
API_PER_PAGE = 100
HEALTHZ = ["/healthz"]
LOW, HIGH = http.CONNECTIONS, http.MANY  # 8 and 64 connections
COLD_SECONDS = int(os.environ.get("BENCH_MIXED_COLD_S", "60"))  # the first minute …
SLICE = 10  # … in slices of 10 s
WARMUP_LIMIT = int(os.environ.get("BENCH_MIXED_WARMUP_LIMIT", "30"))
WINDOWS = http.WINDOWS  # warm: windows of the mix, each followed by one of /healthz
SECONDS = http.SECONDS_PER_WINDOW
NGINX_WINDOWS = 2
SIZE_SAMPLE = 300  # requests of the list fetched once (warm) for the median page size
# Targets (#16): province at 8 connections ≥ 0.3× /healthz with p99 < 100 ms, reached within 60 s
# of a cold start; national on PostgreSQL ≥ 0.2×.
TARGET_RATIO, TARGET_RATIO_NATIONAL, TARGET_P99_MS, TARGET_COLD_S = 0.3, 0.2, 100.0, 60


def _published() -> list[tuple[int, str, str, int]]:
    """(version id, code, level, matters) of each jurisdiction's latest published version."""
    from registry.jurisdictions.models import Jurisdiction
    from registry.versions.models import ListVersion, VersionMatter

    latest = (
        select(ListVersion.jurisdiction_id, func.max(ListVersion.id).label("version_id"))
        .group_by(ListVersion.jurisdiction_id)
        .subquery()
    )
    counts = dict(
        db.session.execute(
            select(VersionMatter.version_id, func.count())
            .where(VersionMatter.version_id.in_(select(latest.c.version_id)))
            .group_by(VersionMatter.version_id)
        ).all()
    )
    rows = db.session.execute(
        select(latest.c.version_id, Jurisdiction.code, Jurisdiction.level)
        .join(Jurisdiction, Jurisdiction.id == latest.c.jurisdiction_id)
        .order_by(Jurisdiction.code)
    ).all()
    return [(v, code, level, counts.get(v, 0)) for v, code, level in rows]


def _pages(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


def pools(per_page: int = PER_PAGE, *, matters: int = MATTERS, seed: int = 16) -> dict[str, list[str]]:
    """Distinct URLs per kind, most popular first (call inside an app context)."""
    from bench import search
    from registry.jurisdictions.models import Jurisdiction
    from registry.lists.models import Department
    from registry.public.search import QueryTooShort, search_ids
    from registry.public.views import SEARCH_PER_PAGE
    from registry.versions.models import VersionAssignment, VersionMatter

    rng = random.Random(seed)
    published = _published()
    levels = {"province": 0, "city": 1, "county": 2}
    # Jurisdictions by popularity: the province, then its cities, then the counties (shuffled within).
    ranked = sorted(published, key=lambda row: (levels.get(row[2], 3), rng.random()))
    codes = [code for _, code, _, _ in ranked]
    version_ids = [v for v, *_ in ranked]

    matter_ids = sorted(
        db.session.scalars(select(VersionMatter.matter_id).where(VersionMatter.version_id.in_(version_ids)).distinct())
    )
    matter_ids = rng.sample(matter_ids, min(matters, len(matter_ids)))
    department_ids = sorted(
        db.session.scalars(
            select(Department.id)
            .join(Jurisdiction, Jurisdiction.id == Department.jurisdiction_id)
            .where(Department.active.is_(True), Jurisdiction.code.in_(codes))
        )
    )
    rng.shuffle(department_ids)

    pages, categories, departments = [], [], []
    for rank, (version_id, code, _, total) in enumerate(ranked):
        for page in range(2, _pages(total, per_page) + 1):
            pages.append(((page, rank), f"/jurisdictions/{code}?page={page}"))
        by_category = db.session.execute(
            select(VersionMatter.category, func.count())
            .where(VersionMatter.version_id == version_id)
            .group_by(VersionMatter.category)
        ).all()
        for category, n in by_category:
            for page in range(1, _pages(n, per_page) + 1):
                args = {"category": category} | ({"page": page} if page > 1 else {})
                categories.append(((page, -n, rank), f"/jurisdictions/{code}?{urlencode(args)}"))
        by_department = db.session.execute(
            select(VersionAssignment.department_id, func.count(func.distinct(VersionAssignment.version_matter_id)))
            .where(VersionAssignment.version_id == version_id)
            .group_by(VersionAssignment.department_id)
        ).all()
        for department_id, n in by_department:
            for page in range(1, _pages(n, per_page) + 1):
                args = {"department": department_id} | ({"page": page} if page > 1 else {})
                departments.append(((page, -n, rank), f"/jurisdictions/{code}?{urlencode(args)}"))

    # Search: the everyday words first (what people type), then the seed words and the other shapes;
    # each over the whole database and scoped to a jurisdiction, and page 2 where there is one.
    shapes = search.queries()
    order = [shapes.pop("日常"), *shapes.values()]
    searches = []
    for rank, q in enumerate(q for qs in order for q in qs):
        for args in ({"q": q}, {"q": q, "jurisdiction": rng.choice(codes)}):
            searches.append(((0, rank), "/search?" + urlencode(args)))
            code = args.get("jurisdiction")
            jurisdiction_id = (
                db.session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == code)) if code else None
            )
            try:
                reachable = search_ids(q, jurisdiction_id, limit=SEARCH_PER_PAGE).reachable
            except QueryTooShort:
                continue
            if reachable > SEARCH_PER_PAGE:
                searches.append(((1, rank), "/search?" + urlencode(args | {"page": 2})))
    db.session.rollback()

    api = [f"/api/v1/jurisdictions/{code}" for code in codes]
    for _, code, _, total in ranked:
        for page in range(1, _pages(total, API_PER_PAGE) + 1):
            args = {"jurisdiction": code, "per_page": API_PER_PAGE} | ({"page": page} if page > 1 else {})
            api.append(f"/api/v1/matters?{urlencode(args)}")
    api += [f"/api/v1/matters/{i}" for i in matter_ids[:2000]]
    api += [f"/api/v1/departments/{i}" for i in department_ids[:500]]
    rng.shuffle(api)

    def ranked_paths(rows):  # most popular first; a query in two shapes (垃圾) once, at its best rank
        return list(dict.fromkeys(path for _, path in sorted(rows)))

    return {
        "matter": [f"/matters/{i}" for i in matter_ids],
        "search": ranked_paths(searches),
        "department": [f"/departments/{i}" for i in department_ids],
        "jurisdiction": [f"/jurisdictions/{code}" for code in codes],
        "jurisdiction_page": ranked_paths(pages),
        "jurisdiction_category": ranked_paths(categories),
        "jurisdiction_department": ranked_paths(departments),
        "api": api,
        "home": ["/", "/jurisdictions", "/search"],
    }


def workload(
    by_kind: dict[str, list[str]], length: int = LIST_LENGTH, *, seed: int = 17
) -> tuple[list[str], dict[str, dict]]:
    """The shuffled list of requests, and per kind: requests, distinct URLs, pool size."""
    rng = random.Random(seed)
    entries: list[tuple[str, str]] = []
    for kind, weight in WEIGHTS.items():
        pool = by_kind.get(kind) or []
        if not pool:
            continue
        alpha = ALPHA_BY_KIND.get(kind, ALPHA)
        cumulative, total = [], 0.0
        for rank in range(1, len(pool) + 1):
            total += rank**-alpha
            cumulative.append(total)
        drawn = rng.choices(pool, cum_weights=cumulative, k=round(length * weight / 100))
        entries += [(kind, path) for path in drawn]
    rng.shuffle(entries)
    summary = {}
    for kind in WEIGHTS:
        drawn = [path for k, path in entries if k == kind]
        summary[kind] = {"requests": len(drawn), "distinct": len(set(drawn)), "pool": len(by_kind.get(kind) or [])}
    return [path for _, path in entries], summary


def _slices(base: str, paths: list[str], workdir: Path, connections: int, offset: int = 0) -> list[dict]:
    """COLD_SECONDS of load in consecutive slices of SLICE seconds, going on through the list."""
    slices, elapsed = [], 0
    while elapsed < COLD_SECONDS:
        seconds = min(SLICE, COLD_SECONDS - elapsed)
        stats = http.wrk(base, paths, seconds, workdir, connections=connections, offset=offset)
        offset += stats["requests"]
        elapsed += seconds
        stats.update(seconds=seconds, until_s=elapsed)
        slices.append(stats)
    return slices


def _cold(slices: list[dict], baseline_rps: float, baseline_p99_ms: float) -> dict:
    """The first minute against /healthz: each slice's ratio, and when the target was first met."""
    for s in slices:
        s["ratio_to_baseline"] = round(s["rps"] / baseline_rps, 3)
    reached = next(
        (s["until_s"] for s in slices if s["ratio_to_baseline"] >= TARGET_RATIO and s["p99_ms"] < TARGET_P99_MS), None
    )
    requests = sum(s["requests"] for s in slices)
    seconds = sum(s["seconds"] for s in slices)
    return {
        "slices": slices,
        "seconds": seconds,
        "rps": round(requests / seconds, 1),
        "ratio_to_baseline": round(requests / seconds / baseline_rps, 3),
        "baseline_rps": baseline_rps,
        "baseline_p99_ms": baseline_p99_ms,
        "p99_ms": max(s["p99_ms"] for s in slices),
        "non_2xx": sum(s["non_2xx"] for s in slices),
        "socket_errors": sum(s["socket_errors"] for s in slices),
        "target_reached_after_s": reached,
    }


def _warm_up(base: str, paths: list[str], workdir: Path, offset: int) -> tuple[list[float], int]:
    """Rounds of http.WARMUP seconds until a round is no more than 10 % faster than the one before."""
    rounds: list[float] = []
    while len(rounds) * http.WARMUP < WARMUP_LIMIT:
        stats = http.wrk(base, paths, http.WARMUP, workdir, offset=offset)
        offset += stats["requests"]
        rounds.append(stats["rps"])
        if len(rounds) >= 2 and rounds[-1] <= rounds[-2] * 1.1:
            break
    return rounds, offset


def _windows(base: str, paths: list[str], workdir: Path, connections: int, offset: int, windows: int) -> dict:
    page, reference = http.interleaved(
        base, paths, HEALTHZ, workdir, windows=windows, seconds=SECONDS, connections=connections, offset=offset
    )
    stats, baseline = http._combine(page), http._combine(reference)
    return {
        **stats,
        "connections": connections,
        "baseline_rps": baseline["rps"],
        "baseline_p50_ms": baseline["p50_ms"],
        "baseline_p99_ms": baseline["p99_ms"],
        "ratio_to_baseline": round(stats["rps"] / baseline["rps"], 3),
        "offset_after": offset + stats["requests"],
    }


def _sizes(base: str, paths: list[str]) -> dict:
    step = max(1, len(paths) // SIZE_SAMPLE)
    sizes, statuses = [], Counter()
    for path in paths[::step][:SIZE_SAMPLE]:
        status, body = http.check(base, path)
        statuses[status] += 1
        sizes.append(len(body))
    ordered = sorted(sizes)
    return {
        "median_bytes": int(statistics.median(sizes)),
        "p90_bytes": ordered[int(0.9 * (len(ordered) - 1))],
        "mean_bytes": int(statistics.mean(sizes)),
        "statuses": {str(k): v for k, v in statuses.items()},
    }


def _line(label: str, s: dict) -> str:
    return (
        f"  {label:<34} {s['rps']:>8.1f} req/s = {s['ratio_to_baseline']:.2f} × /healthz {s['baseline_rps']:.0f}"
        f"  p50 {s.get('p50_ms', 0):>6.2f} ms  p99 {s['p99_ms']:>7.2f} ms  (not 2xx: {s['non_2xx']})"
    )


def run(database: Database, *, with_nginx: bool = True, log=print) -> dict:
    """The mixed workload on `database` (inside its app context); see the module's docstring."""
    from bench import nginx

    t0 = time.perf_counter()
    by_kind = pools()
    paths, summary = workload(by_kind)
    results: dict = {
        "shared_cache_redis": http.SHARED_CACHE,
        "weights": WEIGHTS,
        "alpha": ALPHA,
        "alpha_by_kind": ALPHA_BY_KIND,
        "list_length": len(paths),
        "distinct_urls": len(set(paths)),
        "kinds": summary,
        "per_page": PER_PAGE,
        "connections": [LOW, HIGH],
        "slice_s": SLICE,
        "window_s": SECONDS,
        "windows": WINDOWS,
        "pools_s": round(time.perf_counter() - t0, 1),
    }
    log(
        f"  the mix: {len(paths):,} requests over {results['distinct_urls']:,} distinct URLs ("
        + ", ".join(f"{k} {v['distinct']:,}" for k, v in summary.items())
        + f"); built in {results['pools_s']} s"
    )
    env = {"PER_PAGE": str(PER_PAGE), "PROXY_FIX_X_FOR": "1"}  # as deployed behind nginx (README)
    with tempfile.TemporaryDirectory(prefix="bench-mixed-") as tmp:
        workdir = Path(tmp)
        # 1. Cold at 8 connections, then warm at 8 and 64.
        with http.Gunicorn(database, workdir, env=env) as server:
            results["worker_rss_at_start_mb"] = http.worker_memory(server)[1]
            slices = _slices(server.base, paths, workdir, LOW)
            offset = sum(s["requests"] for s in slices)
            rounds, offset = _warm_up(server.base, paths, workdir, offset)
            low = _windows(server.base, paths, workdir, LOW, offset, WINDOWS)
            high = _windows(server.base, paths, workdir, HIGH, low["offset_after"], WINDOWS)
            results["worker_peak_rss_mb"], results["worker_rss_mb"] = http.worker_memory(server)
            results["sizes"] = _sizes(server.base, paths)
        results["cold"] = {str(LOW): _cold(slices, low["baseline_rps"], low["baseline_p99_ms"])}
        results["warmup_rps"] = rounds
        results["warm"] = {str(LOW): low, str(HIGH): high}
        log(
            f"  cold, {LOW} connections, first {COLD_SECONDS} s in {SLICE} s slices: "
            + " → ".join(f"{s['rps']:.0f}" for s in slices)
            + f" req/s (target reached after {results['cold'][str(LOW)]['target_reached_after_s']} s);"
            f" warm-up {' → '.join(f'{r:.0f}' for r in rounds)}"
        )
        log(_line(f"warm, {LOW} connections", low))
        log(_line(f"warm, {HIGH} connections", high))
        log(
            f"  worker peak RSS (VmHWM) after the mix: {results['worker_peak_rss_mb']} MB;"
            f" median page {results['sizes']['median_bytes']:,} B"
        )
        # 2. Cold at 64 connections on a fresh gunicorn; then nginx in front of it.
        with http.Gunicorn(database, workdir, env=env) as server:
            slices = _slices(server.base, paths, workdir, HIGH)
            reference = http.wrk(server.base, HEALTHZ, SECONDS, workdir, connections=HIGH)
            results["cold"][str(HIGH)] = _cold(slices, reference["rps"], reference["p99_ms"])
            log(
                f"  cold, {HIGH} connections, first {COLD_SECONDS} s: "
                + " → ".join(f"{s['rps']:.0f}" for s in slices)
                + f" req/s (/healthz {reference['rps']:.0f})"
            )
            offset = sum(s["requests"] for s in slices)
            if with_nginx and nginx.available():
                results["nginx"] = _through_nginx(server, paths, workdir, offset, results["sizes"]["median_bytes"], log)
            results["cold_high_worker_peak_rss_mb"] = http.worker_memory(server)[0]
        if http.SHARED_CACHE:
            results["filled"] = _filled(database, paths, workdir, env, log)
    results["total_s"] = round(time.perf_counter() - t0, 1)
    log(f"  (the mixed workload took {results['total_s'] / 60:.1f} min)")
    return results


def _filled(database: Database, paths: list[str], workdir: Path, env: dict[str, str], log) -> dict:
    """Step 3 (module docstring): every distinct URL rendered into Redis by one server, then the mix
    on a fresh one sharing those keys."""
    prefix = f"bench-filled-{uuid.uuid4().hex[:12]}"
    distinct = list(dict.fromkeys(paths))
    try:
        with http.Gunicorn(database, workdir, env=env, redis_prefix=prefix) as server:
            t0, filled = time.perf_counter(), 0
            while filled < len(distinct):
                filled += http.wrk(server.base, distinct, SLICE, workdir, connections=LOW, offset=filled)["requests"]
            fill_s = time.perf_counter() - t0
        with http.Gunicorn(database, workdir, env=env, redis_prefix=prefix) as server:
            slices = _slices(server.base, paths, workdir, LOW)
            offset = sum(s["requests"] for s in slices)
            low = _windows(server.base, paths, workdir, LOW, offset, WINDOWS)
            high = _windows(server.base, paths, workdir, HIGH, low["offset_after"], WINDOWS)
            peak, _ = http.worker_memory(server)
    finally:
        http.drop_keys(prefix)
    out = {
        "distinct_urls": len(distinct),
        "fill_s": round(fill_s, 1),
        "fill_rps": round(filled / fill_s, 1),
        "cold": {str(LOW): _cold(slices, low["baseline_rps"], low["baseline_p99_ms"])},
        "warm": {str(LOW): low, str(HIGH): high},
        "worker_peak_rss_mb": peak,
    }
    log(
        f"  every page kept ahead: {len(distinct):,} distinct URLs rendered into Redis in {fill_s:.0f} s"
        f" ({out['fill_rps']:.0f} req/s); then a fresh gunicorn on those keys, first {COLD_SECONDS} s at {LOW}"
        " connections: "
        + " → ".join(f"{s['rps']:.0f}" for s in slices)
        + f" req/s (target reached after {out['cold'][str(LOW)]['target_reached_after_s']} s)"
    )
    log(_line(f"every page kept ahead, warm, {LOW} connections", low))
    log(_line(f"every page kept ahead, warm, {HIGH} connections", high))
    return out


def _through_nginx(server: http.Gunicorn, paths: list[str], workdir: Path, offset: int, size: int, log) -> dict:
    from bench import nginx

    with nginx.Nginx(f"127.0.0.1:{server.port}", ceiling_bytes=size) as proxy:
        status, body = http.check(proxy.base, "/" + "static/" + nginx.CEILING)
        if status != 200 or len(body) != size:
            raise RuntimeError(f"nginx's static file: HTTP {status}, {len(body)} bytes")
        rounds, offset = _warm_up(proxy.base, paths, workdir, offset)
        out: dict = {"warmup_rps": rounds, "warm": {}, "ceiling": {}, "ceiling_bytes": size, "tls": True}
        for connections in (LOW, HIGH):
            stats = _windows(proxy.base, paths, workdir, connections, offset, NGINX_WINDOWS)
            offset = stats["offset_after"]
            out["warm"][str(connections)] = stats
            log(_line(f"through nginx, {connections} connections", stats))
        for connections in (LOW, HIGH):
            ceiling = http.wrk(proxy.base, ["/static/" + nginx.CEILING], SECONDS, workdir, connections=connections)
            baseline = out["warm"][str(connections)]
            ceiling.update(
                seconds=SECONDS,
                baseline_rps=baseline["baseline_rps"],
                baseline_p99_ms=baseline["baseline_p99_ms"],
                ratio_to_baseline=round(ceiling["rps"] / baseline["baseline_rps"], 3),
                mix_to_ceiling=round(baseline["rps"] / ceiling["rps"], 3),
            )
            out["ceiling"][str(connections)] = ceiling
            log(_line(f"nginx static file {size:,} B, {connections} conn.", ceiling))
    out["cache"] = nginx.cache_statuses()
    hits = out["cache"].get("HIT", 0)
    out["hit_ratio"] = round(hits / max(1, sum(out["cache"].values())), 3)
    log(f"  nginx cache: {out['cache']} (hits {out['hit_ratio']:.0%} of the mix's requests)")
    (nginx.DATA / "access.log").unlink(missing_ok=True)
    return out
