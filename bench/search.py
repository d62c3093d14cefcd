"""Search latency through the project's search function (`registry.public.search.search_ids`) and
through the search page (GET /search?q=… through the application, with the Flask test client: the
view, the result rows and the template, everything but the network).

Queries of four shapes — two, three and four characters, and two words — drawn from the same
vocabulary the titles are made of, so most find something (some find thousands), a few find nothing;
and a fifth, 日常: the everyday words people type (秸秆焚烧, 工地扬尘, 噪音, 臭水沟 …), which go
through the synonym table and rank by tiers.
"""

import random
import statistics
import time

from bench import vocab
from registry.extensions import db

PER_SHAPE = 60
REPEATS = 3


def _words() -> list[str]:
    words = set()
    for _, objects, _, _ in vocab.CATEGORIES.values():
        words.update(objects)
    words.update(vocab.PLACES)
    words.update(vocab.ACTIONS)
    words.update(r.title for r in vocab.reference_rows())
    return sorted(words)


def queries(seed: int = 7) -> dict[str, list[str]]:
    rng = random.Random(seed)
    words = _words()
    by_length: dict[int, set[str]] = {2: set(), 3: set(), 4: set()}
    for word in words:
        for n in by_length:
            for i in range(len(word) - n + 1):
                if word[i : i + n].isalnum():  # no punctuation: every character is searchable
                    by_length[n].add(word[i : i + n])
    # Words people actually type first: the seeds the issue names.
    seeds = ["秸秆", "扬尘", "污水", "危废", "噪声", "油烟", "湿地", "垃圾", "水源", "尾矿", "碳排", "黑臭"]
    shapes = {
        "2字": seeds + rng.sample(sorted(by_length[2] - set(seeds)), PER_SHAPE - len(seeds)),
        "3字": rng.sample(sorted(by_length[3]), PER_SHAPE),
        "4字": rng.sample(sorted(by_length[4]), PER_SHAPE),
    }
    two_words = set()
    while len(two_words) < PER_SHAPE:
        a, b = rng.sample(sorted(by_length[2]), 2)
        obj = rng.choice(words)
        # Half pair two words from one title's vocabulary (they co-occur), half are random pairs.
        two_words.add(f"{obj[:2]} {rng.choice(vocab.ACTIONS)[:2]}" if rng.random() < 0.5 else f"{a} {b}")
    shapes["两词"] = sorted(two_words)
    shapes["日常"] = NATURAL
    return shapes


# What people type: words out of order, with gaps, and everyday words of the synonym table.
NATURAL = [
    "秸秆焚烧",
    "工地扬尘",
    "烧秸秆",
    "噪音",
    "臭水沟",
    "烧垃圾",
    "冒黑烟",
    "饭店油烟",
    "偷排污水",
    "臭味",
    "黑烟囱",
    "垃圾",
    "工地噪音",
    "养猪场臭味",
    "河里有垃圾",
    "污水 偷排",
    "危废 转移",
    "渣土车 扬尘",
    "烧",
    "火星基地",
]


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def run(jurisdiction_ids: list[int], *, log=print) -> dict:
    """p50/p95 per query shape, for the whole database and scoped to one jurisdiction."""
    from registry.public.search import search_ids

    results: dict = {"per_shape": PER_SHAPE, "repeats": REPEATS, "shapes": {}}
    rng = random.Random(11)
    for shape, qs in queries().items():
        for scope in ("all", "jurisdiction"):
            timings, hits, samples = [], [], []
            for q in qs:  # warm-up pass: first-touch page cache / plan cache
                search_ids(q, None if scope == "all" else rng.choice(jurisdiction_ids))
            for _ in range(REPEATS):
                for q in qs:
                    j = None if scope == "all" else rng.choice(jurisdiction_ids)
                    start = time.perf_counter()
                    found = search_ids(q, j, limit=20)
                    timings.append((time.perf_counter() - start) * 1000)
                    hits.append(found.total)
                    samples.append((round(timings[-1], 2), q, j, found.total))
                db.session.rollback()
            stats = {
                "queries": len(qs),
                "samples": len(timings),
                "p50_ms": round(_pct(timings, 50), 3),
                "p95_ms": round(_pct(timings, 95), 3),
                "max_ms": round(max(timings), 3),
                "median_hits": statistics.median(hits),
                "max_hits": max(hits),
                "examples": qs[:5],
                # What the slow ones have in common (usually: thousands of hits to count).
                "slowest": [
                    {"ms": ms, "q": q, "jurisdiction_id": j, "hits": n} for ms, q, j, n in sorted(samples)[-5:]
                ],
            }
            results["shapes"][f"{shape}/{scope}"] = stats
            log(
                f"  {shape}/{scope:<12} p50 {stats['p50_ms']:>7.2f} ms  p95 {stats['p95_ms']:>7.2f} ms"
                f"  (median {stats['median_hits']} hits, max {stats['max_hits']})"
            )
    results["page"] = run_page(jurisdiction_ids, log=log)
    return results


PAGE_SHAPES = ("2字", "两词", "日常")


def run_page(jurisdiction_ids: list[int], *, log=print) -> dict:
    """p50/p95 of GET /search?q=… through the application (test client), per shape and scope."""
    from flask import current_app

    from registry.jurisdictions.models import Jurisdiction
    from registry.public.cache import bodies

    codes = dict(db.session.execute(db.select(Jurisdiction.id, Jurisdiction.code)).all())
    client = current_app.test_client()
    rng = random.Random(13)
    results: dict = {}
    # The machine's speed drifts (and other work may run): the same client's /healthz, measured
    # the same way before the pages, tells what the request machinery alone costs right now.
    for _ in range(50):
        client.get("/healthz")
    baseline = []
    for _ in range(300):
        start = time.perf_counter()
        client.get("/healthz")
        baseline.append((time.perf_counter() - start) * 1000)
    results["/healthz (baseline)"] = {
        "requests": len(baseline),
        "p50_ms": round(_pct(baseline, 50), 3),
        "p95_ms": round(_pct(baseline, 95), 3),
        "max_ms": round(max(baseline), 3),
        "median_bytes": 2,
        "not_200": 0,
        "examples": [],
    }
    shapes = queries()
    for shape in PAGE_SHAPES:
        qs = shapes[shape]
        for scope in ("all", "jurisdiction"):
            urls = []
            for _ in range(REPEATS):
                for q in qs:
                    args = {"q": q}
                    if scope == "jurisdiction":
                        args["jurisdiction"] = codes[rng.choice(jurisdiction_ids)]
                    urls.append(args)
            for args in urls[: len(qs)]:  # warm-up: templates compiled, caches filled
                client.get("/search", query_string=args)
            timings, statuses, sizes = [], [], []
            for args in urls:
                # The page of a query asked before is kept (registry.public.cache.cached): forget it, so
                # that every request searches and renders, as for a query nobody has asked yet.
                bodies.clear()
                start = time.perf_counter()
                response = client.get("/search", query_string=args)
                timings.append((time.perf_counter() - start) * 1000)
                statuses.append(response.status_code)
                sizes.append(len(response.data))
            stats = {
                "requests": len(urls),
                "p50_ms": round(_pct(timings, 50), 3),
                "p95_ms": round(_pct(timings, 95), 3),
                "max_ms": round(max(timings), 3),
                "median_bytes": statistics.median(sizes),
                "not_200": sum(1 for s in statuses if s != 200),
                "examples": qs[:5],
            }
            results[f"{shape}/{scope}"] = stats
            log(
                f"  page {shape}/{scope:<12} p50 {stats['p50_ms']:>7.2f} ms  p95 {stats['p95_ms']:>7.2f} ms"
                f"  ({stats['not_200']} not 200)"
            )
    return results
