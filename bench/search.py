"""Search latency through the project's search function (`registry.public.search.search_ids`), not HTTP.

Queries of four shapes — two, three and four characters, and two words — drawn from the same
vocabulary the titles are made of, so most find something (some find thousands), a few find nothing.
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
    return shapes


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
    return results
