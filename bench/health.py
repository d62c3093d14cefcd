"""List health (清单体检) of one large jurisdiction: `registry.lists.queries.health` (pending and delegated
matters, departments that lead nothing, and the titles that look like duplicates within a category) and
the office's page `/manage/<code>/health` that shows it, on a jurisdiction of 5,000 matters.

The jurisdiction is built once per database through the same code as the generated data (40
departments, then the list import of titles from `bench/vocab.py`) and kept, so a rerun reuses it.
Timings are printed and stored, never asserted.
"""

import random
import statistics
import time

from sqlalchemy import func, select

from bench import generate
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Matter

MATTERS = 5_000
REPEATS = 5


def jurisdiction_with(matters: int, *, seed: int = 11, log=print) -> Jurisdiction:
    """A province with `matters` generated matters and 40 departments: the one an earlier run built, or a
    new one (codes 69xxxx downwards, which neither the generated provinces nor the import step use)."""
    from registry.imports.planning import apply_import, plan_import

    name = f"体检基准{matters}省"
    existing = db.session.scalar(select(Jurisdiction).where(Jurisdiction.name == name))
    if existing is not None:
        count = db.session.scalar(select(func.count()).where(Matter.jurisdiction_id == existing.id))
        if count == matters:
            return existing
        raise RuntimeError(f"{name} exists with {count} matters, not {matters}: drop the database")
    code = generate.free_province_code(range(69, 40, -1))
    t0 = time.perf_counter()
    jurisdiction, departments = generate.province_with_departments(code, name)
    data = generate.matters_csv(jurisdiction, departments, matters, random.Random(seed))
    plan = plan_import(jurisdiction, data, f"{code}.csv")
    if not plan.ok:
        raise RuntimeError(f"generated list does not import: {plan.errors[:3]}")
    apply_import(plan, generate.ACTOR)
    generate.office_user(jurisdiction, f"bench-health-{code}", "bench-health-2025")
    db.session.commit()
    log(f"  built {name} ({code}): {matters:,} matters in {time.perf_counter() - t0:.1f} s")
    return jurisdiction


def _ms(seconds: list[float]) -> dict:
    return {
        "first_ms": round(seconds[0] * 1000, 1),
        "median_ms": round(statistics.median(seconds[1:] or seconds) * 1000, 1),
        "min_ms": round(min(seconds) * 1000, 1),
    }


def time_query(code: str, repeats: int = REPEATS) -> tuple[dict, object]:
    """`health()` in a fresh session each time (as a request gets), the jurisdiction already loaded."""
    from registry.lists.queries import health

    seconds, result = [], None
    for _ in range(1 + repeats):
        db.session.remove()
        jurisdiction = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
        t0 = time.perf_counter()
        result = health(jurisdiction)
        seconds.append(time.perf_counter() - t0)
    return _ms(seconds), result


def time_page(code: str, repeats: int = REPEATS) -> tuple[dict, int]:
    """GET /manage/<code>/health through the test client, logged in as the jurisdiction's office."""
    from flask import current_app, g

    from registry.auth.models import User

    user = db.session.scalar(select(User).where(User.username == f"bench-health-{code}"))
    client = current_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    seconds, size = [], 0
    for _ in range(1 + repeats):
        # The bench's app context is shared with the client's requests: drop the user Flask-Login cached
        # in `g` by the previous request (its session is gone).
        g.pop("_login_user", None)
        t0 = time.perf_counter()
        response = client.get(f"/manage/{code}/health")
        seconds.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"/manage/{code}/health answered {response.status_code}")
        size = len(response.data)
    g.pop("_login_user", None)
    return _ms(seconds), size


def run(matters: int = MATTERS, repeats: int = REPEATS, *, log=print) -> dict:
    code = jurisdiction_with(matters, log=log).code
    query, result = time_query(code, repeats)
    page, size = time_page(code, repeats)
    stats = {
        "matters": matters,
        "repeats": repeats,
        "duplicate_pairs": len(result.duplicates),
        "pending": len(result.pending),
        "health_query": query,
        "health_page": page,
        "page_bytes": size,
    }
    log(
        f"  list health, {matters:,} matters ({stats['duplicate_pairs']:,} pairs of look-alike titles,"
        f" {stats['pending']} pending): health() median {query['median_ms']} ms (first {query['first_ms']});"
        f" page median {page['median_ms']} ms (first {page['first_ms']}, {size / 1000:.0f} kB)"
    )
    return stats
