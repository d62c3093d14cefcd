"""Server time of pages nobody has asked for (#16, deliverable 1): per page kind, 200 distinct URLs
requested once each through the application (Flask's test client: no network, no other process), in
a process whose page caches were emptied first. What is shared by every page of a publication (the
jurisdiction tree, labels, department names) may be warm, as it is in a server that has served any
page since the last publication; the pages themselves are not.

`python -m bench.cold [--db sqlite|postgresql] [--kind search …]` prints the table; `run()` is the
benchmark step `cold`.
"""

import os
import random
import statistics
import time

import click
from sqlalchemy import select

from registry.extensions import db

URLS = 200


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def urls() -> dict[str, list[str]]:
    """200 distinct URLs per kind from the published data (call inside an app context)."""
    from bench.search import queries
    from registry.jurisdictions.models import Jurisdiction
    from registry.versions.models import ListVersion, VersionDepartment, VersionMatter

    rng = random.Random(29)
    codes = list(
        dict.fromkeys(
            db.session.scalars(
                select(Jurisdiction.code)
                .join(ListVersion, ListVersion.jurisdiction_id == Jurisdiction.id)
                .order_by(Jurisdiction.code)
            )
        )
    )
    # Published departments only (the import step adds a province with none published: those are 404s).
    departments = list(db.session.scalars(select(VersionDepartment.department_id).distinct()))
    matters = list(db.session.scalars(select(VersionMatter.matter_id).distinct()))
    words = [q for shape in queries().values() for q in shape]
    rng.shuffle(words)
    jurisdiction_pages = [f"/jurisdictions/{c}" for c in codes]
    jurisdiction_pages += [f"/jurisdictions/{c}?page=2" for c in codes]
    return {
        "jurisdiction (200 matters)": jurisdiction_pages[:URLS],
        "department": [f"/departments/{i}" for i in rng.sample(departments, min(URLS, len(departments)))],
        "matter": [f"/matters/{i}" for i in rng.sample(matters, min(URLS, len(matters)))],
        "search": [f"/search?q={q}" for q in list(dict.fromkeys(words))[:URLS]],
    }


def run(*, log=print, kinds: tuple[str, ...] = (), profile: bool = False) -> dict:
    """Median and p95 of each kind's first requests (call inside an app context)."""
    from flask import current_app
    from sqlalchemy import event

    from registry.public.cache import bodies, derived, fragments, items

    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
    current_app.config["PER_PAGE"] = 200  # as the HTTP step: a jurisdiction page lists 200 matters
    by_kind = {k: v for k, v in urls().items() if not kinds or k.split()[0] in kinds}
    client = current_app.test_client()
    for paths in by_kind.values():  # templates compiled, shared look-ups loaded: a server that has served a page
        client.get(paths[0])
    results = {}
    for kind, paths in by_kind.items():
        for cache in (bodies, derived, items, fragments):
            cache.clear()
        timings, cpu, statuses, counts = [], [], [], []
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        for path in paths[1:]:
            statements.clear()
            start, start_cpu = time.perf_counter(), time.thread_time()
            statuses.append(client.get(path).status_code)
            counts.append(len(statements))
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.thread_time() - start_cpu) * 1000)
        if profile:
            profiler.stop()
            log(profiler.output_text(unicode=True, color=False))
        results[kind] = {
            "urls": len(timings),
            "median_ms": round(statistics.median(timings), 2),
            "p95_ms": round(_pct(timings, 95), 2),
            "max_ms": round(max(timings), 2),
            # This thread's CPU time: what the page costs the application whatever else the machine
            # runs (on SQLite the queries included; PostgreSQL's own work is in its backend).
            "cpu_median_ms": round(statistics.median(cpu), 2),
            "cpu_p95_ms": round(_pct(cpu, 95), 2),
            "not_200": sum(1 for s in statuses if s != 200),
            "queries_median": statistics.median(counts),
        }
        r = results[kind]
        log(
            f"  cold {kind:<28} median {r['median_ms']:>6.2f} ms  p95 {r['p95_ms']:>6.2f} ms"
            f"  (CPU {r['cpu_median_ms']:.2f} / {r['cpu_p95_ms']:.2f} ms; {r['queries_median']:g} queries;"
            f" {r['not_200']} not 200)"
        )
    return results


@click.command()
@click.option("--db", "kind", type=click.Choice(["sqlite", "postgresql"]), default="sqlite", show_default=True)
@click.option("--scale", default="province", show_default=True)
@click.option("--kind", "kinds", multiple=True, help="Only these kinds (jurisdiction, department, matter, search).")
@click.option("--profile", is_flag=True, help="Profile each kind's requests with pyinstrument.")
def main(kind: str, scale: str, kinds: tuple[str, ...], profile: bool) -> None:
    from bench import databases

    os.environ.setdefault("RATELIMIT_ENABLED", "0")
    database = databases.sqlite(scale) if kind == "sqlite" else databases.postgresql(scale)
    app = databases.make_app(database)
    with app.app_context():
        run(log=click.echo, kinds=kinds, profile=profile)


if __name__ == "__main__":
    main()
