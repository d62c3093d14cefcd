"""Public throughput: gunicorn on 127.0.0.1 (random free port, 2 workers), loaded with wrk.

Each page kind is loaded for a bounded time, rotating over many distinct URLs of that kind (a Lua
script), so per-process caches see a realistic spread rather than one hot URL. Before the load: the
first-request latency of ten URLs nobody has asked for (what a visitor waits for after a
publication empties the caches), then warm-up rounds until steady state (warm_up). The trivial
`/healthz` endpoint of the same app, measured in the same run, is the baseline.
"""

import hashlib
import os
import random
import re
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import select

from bench.databases import Database
from bench.machine import ROOT
from registry.extensions import db

WORKERS = 2
# gthread: keep-alive connections (what a load balancer keeps open to an app server) and one thread
# waiting on the database while another renders; 4 threads per worker keep both cores busy.
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "gthread")
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
DURATION = int(os.environ.get("BENCH_DURATION", "12"))  # seconds of load per page kind (and of baseline)
WINDOWS = 3  # the load alternates page and baseline windows of DURATION / WINDOWS seconds
SECONDS_PER_WINDOW = max(1, DURATION // WINDOWS)
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))  # seconds per warm-up round
# Warm-up rounds repeat until every URL has been asked for, on average, WARMUP_VISITS times per worker
# and a round is no more than 10 % faster than the one before (the workers' caches hold the rotated
# URLs: steady state), for at most WARMUP_LIMIT seconds. The rounds' req/s are reported: they show
# what the load costs before the caches are warm.
WARMUP_VISITS = 3
WARMUP_LIMIT = int(os.environ.get("BENCH_WARMUP_LIMIT", "90"))
COLD_SAMPLES = 10  # URLs of each kind requested once, one at a time, before any load: first-request latency
URLS_PER_KIND = 200
WSGI_APP = os.environ.get("BENCH_WSGI", "wsgi:app")
# The production set-up (README, 在 PostgreSQL 上部署): REDIS_URL set, so rendered pages and shared
# look-ups are kept in Redis for every worker. BENCH_SHARED_CACHE=0 measures the in-process caches alone.
SHARED_CACHE = os.environ.get("BENCH_SHARED_CACHE", "1") == "1"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
PAGE_SIZE = 200
# At 64 connections (eight per gunicorn thread: what a busy site sees): after a kind's windows at
# CONNECTIONS, one window of the kind and one of the baseline, both at MANY connections; the kind's
# p99 is compared with the baseline's.
MANY = int(os.environ.get("BENCH_MANY_CONNECTIONS", "64"))
SECONDS_MANY = int(os.environ.get("BENCH_MANY_SECONDS", "4"))
SETTLE_S = 1.0
# The office's page /manage/<code>/health, requested as the province's office account (generate.py
# creates it with the reporting cycle; office_targets() creates it when missing).
OFFICE_PASSWORD = "bench-2025-password"
OFFICE_KINDS = ("manage_health",)
USER_AGENT = "registry-bench"

# Rotates over the listed paths, from the offset given after `--` (a load in several slices goes on
# where the previous slice stopped, instead of asking for the first URLs again).
LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
init = function(args)
  i = (tonumber(args[1]) or 0) %% #paths
end
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def targets() -> dict[str, list[str]]:
    """Paths per page kind, read from the published data (call inside an app context)."""
    from registry.jurisdictions.models import Jurisdiction
    from registry.lists.models import Department
    from registry.versions.models import ListVersion, VersionMatter

    jurisdictions = db.session.execute(
        select(Jurisdiction.code)
        .join(ListVersion, ListVersion.jurisdiction_id == Jurisdiction.id)
        .order_by(Jurisdiction.code)
    ).scalars()
    codes = list(dict.fromkeys(jurisdictions))
    # A seeded spread of every sector's departments (the 生态环境 ones lead the most matters) and of matters.
    rng = random.Random(3)
    departments = list(db.session.scalars(select(Department.id).where(Department.active.is_(True))))
    departments = rng.sample(departments, min(URLS_PER_KIND, len(departments)))
    matters = list(db.session.scalars(select(VersionMatter.matter_id).distinct()))
    matters = rng.sample(matters, min(URLS_PER_KIND * 5, len(matters)))
    return {
        "baseline": ["/healthz"],
        "department": [f"/departments/{i}" for i in departments],
        "jurisdiction_200": [f"/jurisdictions/{c}" for c in codes],
        "matter": [f"/matters/{i}" for i in matters],
        "api_matters_100": [f"/api/v1/matters?jurisdiction={c}&per_page=100" for c in codes],
        "search": search_paths(codes),
    }


def search_paths(codes: list[str], seed: int = 5) -> list[str]:
    """The search page for every query of bench/search.py (two, three, four characters, two words, the
    everyday words), each over the whole database and scoped to a jurisdiction: 500+ URLs."""
    from urllib.parse import urlencode

    from bench import search

    rng = random.Random(seed)
    paths = []
    for qs in search.queries().values():
        for q in qs:
            paths.append("/search?" + urlencode({"q": q}))
            paths.append("/search?" + urlencode({"q": q, "jurisdiction": rng.choice(codes)}))
    paths = list(dict.fromkeys(paths))  # a query of two shapes (垃圾) once
    rng.shuffle(paths)
    return paths


def office_account() -> str:
    """The user name of the first generated province's office account (created when missing)."""
    from bench import generate
    from registry.jurisdictions.models import Jurisdiction
    from registry.versions.models import ListVersion

    province = db.session.scalar(
        select(Jurisdiction)
        .join(ListVersion, ListVersion.jurisdiction_id == Jurisdiction.id)
        .where(Jurisdiction.level == "province")
        .order_by(Jurisdiction.code)
        .limit(1)
    )
    username = f"bench-office-{province.code}"
    generate._user(username, "office_admin", province, None)  # the same account generate.py makes
    db.session.commit()
    return username


def office_targets() -> dict[str, list[str]]:
    """/manage/<code>/health of the province and the jurisdictions below it (the province office reads
    them all): the list health (清单体检) an office opens, which each worker keeps per list, reader and
    session until the data moves (registry/lists/views/workbench.py); each request still signs the
    user in, checks the permission and reads the revision and the unread count, as any signed-in page."""
    from registry.jurisdictions.models import Jurisdiction
    from registry.versions.models import ListVersion

    codes = list(
        dict.fromkeys(
            db.session.scalars(
                select(Jurisdiction.code)
                .join(ListVersion, ListVersion.jurisdiction_id == Jurisdiction.id)
                .order_by(Jurisdiction.code)
            )
        )
    )
    province = codes[0][:2]
    return {"manage_health": [f"/manage/{c}/health" for c in codes if c.startswith(province)]}


def login(base: str, username: str, password: str = OFFICE_PASSWORD) -> str:
    """Sign in through the login form; the Cookie header of the signed-in session."""
    import http.cookiejar
    from urllib.parse import urlencode

    jar = http.cookiejar.CookieJar()
    handlers = [urllib.request.HTTPCookieProcessor(jar)]
    if base.startswith("https:"):
        handlers.append(urllib.request.HTTPSHandler(context=_UNVERIFIED))
    opener = urllib.request.build_opener(*handlers)
    # The User-Agent wrk sends too: Flask-Login's session protection would mark the session non-fresh
    # (and write the cookie again) on every request from another agent.
    opener.addheaders = [("User-Agent", USER_AGENT)]
    with opener.open(base + "/login", timeout=30) as r:
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', r.read()).group(1).decode()
    form = urlencode({"csrf_token": token, "username": username, "password": password}).encode()
    with opener.open(base + "/login", data=form, timeout=30) as r:
        if "/login" in r.url:
            raise RuntimeError(f"could not sign in as {username}")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


class Gunicorn:
    def __init__(
        self, database: Database, workdir: Path, env: dict[str, str] | None = None, *, redis_prefix: str | None = None
    ):
        """`redis_prefix`: the Redis keys to share with another server (the caller drops them with
        drop_keys); by default a prefix of this server's own, dropped when it stops."""
        self.database = database
        self.shared_prefix = redis_prefix
        self.port = free_port()
        self.workdir = workdir
        self.env = env or {}
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Gunicorn":
        env = {
            **os.environ,
            "DATABASE_URL": self.database.env_url,
            "SECRET_KEY": "bench",
            "REGISTRY_INSTANCE": str(self.workdir),
            "PER_PAGE": str(PAGE_SIZE),  # the jurisdiction page shows 200 matters
            "RATELIMIT_ENABLED": "0",  # wrk from one address is the load measured, not a scraper to stop
            **self.env,
        }
        if SHARED_CACHE:
            # As deployed (README): the public pages' shared cache in Redis. A key prefix of this
            # server's own: a fresh server starts with nothing kept anywhere (a cold start is cold).
            self.redis_prefix = self.shared_prefix or f"bench-{uuid.uuid4().hex[:12]}"
            env.update(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=self.redis_prefix, JOBS_SCHEDULER="0")
        cmd = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--workers",
            str(WORKERS),
            "--worker-class",
            WORKER_CLASS,
            "--threads",
            str(THREADS),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
            "--keep-alive",
            "30",
            WSGI_APP,
        ]
        self.log = open(self.workdir / "gunicorn.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as r:
                    if r.status == 200 and len(self.worker_pids()) == WORKERS:
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.workdir / 'gunicorn.log'}")
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not start within 60 s")

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(p) for p in children]

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if SHARED_CACHE and self.shared_prefix is None:
            drop_keys(self.redis_prefix)


def drop_keys(prefix: str) -> None:
    """Delete a server's keys from Redis."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for keys in _batched(client.scan_iter(f"{prefix}:*", count=1000), 1000):
        client.delete(*keys)


def _batched(items, n: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch


def vm_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def worker_memory(server: Gunicorn) -> tuple[list[float], list[float]]:
    """MB of each worker: peak RSS (VmHWM) and RSS now."""
    pids = server.worker_pids()
    return (
        [round((vm_kb(p, "VmHWM") or 0) / 1024, 1) for p in pids],
        [round((vm_kb(p, "VmRSS") or 0) / 1024, 1) for p in pids],
    )


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not m:
        raise ValueError(f"unparsed latency {value!r}")
    return round(float(m.group(1)) * _UNITS[m.group(2)], 3)


def parse_wrk(output: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.M))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rps": rps,
        "p50_ms": _ms(lat["50"]),
        "p90_ms": _ms(lat["90"]),
        "p99_ms": _ms(lat["99"]),
        "requests": requests,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
    }


def _listing(paths: list[str], workdir: Path) -> Path:
    """The paths in a file named by their content (written once however often a list is loaded)."""
    text = "\n".join(paths) + "\n"
    listing = workdir / f"paths-{hashlib.sha1(text.encode()).hexdigest()[:12]}.txt"
    if not listing.exists():
        listing.write_text(text)
    return listing


def wrk(
    base: str,
    paths: list[str],
    seconds: int,
    workdir: Path,
    *,
    connections: int | None = None,
    headers: dict[str, str] | None = None,
    offset: int = 0,
) -> dict:
    listing = _listing(paths, workdir)
    script = workdir / f"rotate-{listing.stem}.lua"
    script.write_text(LUA % listing)
    cmd = [
        "wrk",
        "-t1",
        f"-c{connections or CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
    ]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    cmd += [base + paths[0], "--", str(offset)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


_UNVERIFIED = ssl._create_unverified_context()  # nginx's self-signed certificate (bench/nginx.py)


def check(base: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """Status and body of one request (a page that 404s or 500s must not be measured as fast)."""
    request = urllib.request.Request(base + path, headers=headers or {})
    context = _UNVERIFIED if base.startswith("https:") else None
    try:
        with urllib.request.urlopen(request, timeout=30, context=context) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""


def cold(base: str, paths: list[str], headers: dict[str, str] | None = None) -> list[float]:
    """Milliseconds of the first request of each of some URLs no worker has served yet, one at a time:
    what a visitor waits for a page nobody asked for since the last publication."""
    times = []
    for path in paths[:COLD_SAMPLES]:
        t0 = time.perf_counter()
        status, _ = check(base, path, headers)
        if status == 200:
            times.append(round((time.perf_counter() - t0) * 1000, 1))
    return times


def warm_up(
    base: str,
    paths: list[str],
    workdir: Path,
    headers: dict[str, str] | None = None,
    limit: int = WARMUP_LIMIT,
    *,
    connections: int | None = None,
) -> list[float]:
    """Load rounds until every URL has been served a few times and the throughput stops rising; their req/s."""
    rounds: list[float] = []
    served = 0
    while len(rounds) * WARMUP < limit:
        stats = wrk(base, paths, WARMUP, workdir, headers=headers, offset=served, connections=connections)
        rounds.append(stats["rps"])
        served += stats["requests"]
        visited = served >= WARMUP_VISITS * WORKERS * len(paths)
        if visited and len(rounds) >= 2 and rounds[-1] <= rounds[-2] * 1.1:
            break
    return rounds


def interleaved(
    base: str,
    paths: list[str],
    baseline: list[str],
    workdir: Path,
    headers: dict[str, str] | None = None,
    *,
    windows: int = WINDOWS,
    seconds: int = SECONDS_PER_WINDOW,
    connections: int | None = None,
    offset: int = 0,
) -> tuple[list[dict], list[dict]]:
    """WINDOWS windows of the page kind, each followed by one of the baseline, DURATION seconds in all
    for each: the machine drifts (other tenants, turbo), so the ratio compares windows seconds apart."""
    page, reference = [], []
    for _ in range(windows):
        page.append(wrk(base, paths, seconds, workdir, headers=headers, offset=offset, connections=connections))
        offset += page[-1]["requests"]
        if (connections or CONNECTIONS) > CONNECTIONS:
            # The requests wrk left in flight are still being answered (up to one per connection, queued
            # in the workers): let them drain, or the baseline window's first requests wait behind them.
            time.sleep(SETTLE_S)
        reference.append(wrk(base, baseline, seconds, workdir, connections=connections))
    for window in page + reference:
        window["seconds"] = seconds
    return page, reference


def _combine(windows: list[dict]) -> dict:
    """req/s over all windows, the median window's p50, the worst window's p90 and p99."""
    requests = sum(w["requests"] for w in windows)
    return {
        "rps": round(requests / sum(w.get("seconds", SECONDS_PER_WINDOW) for w in windows), 1),
        "p50_ms": sorted(w["p50_ms"] for w in windows)[len(windows) // 2],
        "p90_ms": max(w["p90_ms"] for w in windows),
        "p99_ms": max(w["p99_ms"] for w in windows),
        "requests": requests,
        "non_2xx": sum(w["non_2xx"] for w in windows),
        "socket_errors": sum(w["socket_errors"] for w in windows),
        "windows_rps": [w["rps"] for w in windows],
    }


def run(database: Database, paths_by_kind: dict[str, list[str]], *, office: str | None = None, log=print) -> dict:
    """Load every page kind, interleaved with the baseline; returns {kind: stats} plus worker memory.

    Each kind's ratio is to the baseline windows that alternated with its own; the baseline row
    reports all baseline windows together. The kinds of OFFICE_KINDS are requested signed in as
    `office`. After each kind's windows, one window of it and one of the baseline at MANY connections."""
    results: dict = {"worker_class": WORKER_CLASS, "workers": WORKERS, "threads": THREADS, "wsgi": WSGI_APP}
    results["shared_cache_redis"] = SHARED_CACHE
    results["connections"], results["duration_s"], results["pages"] = CONNECTIONS, DURATION, {}
    results["warmup_s"], results["windows"] = WARMUP, WINDOWS
    results["many_connections"], results["many_seconds"] = MANY, SECONDS_MANY
    baseline = paths_by_kind["baseline"]
    all_reference: list[dict] = []
    all_many_reference: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-gunicorn-") as tmp, Gunicorn(database, Path(tmp)) as server:
        workdir = Path(tmp)
        results["worker_rss_at_start_mb"] = [round((vm_kb(p, "VmRSS") or 0) / 1024, 1) for p in server.worker_pids()]
        rounds = warm_up(server.base, baseline, workdir)
        results["pages"]["baseline"] = {"example": baseline[0], "distinct_urls": 1, "bytes": 2, "warmup_rps": rounds}
        for kind, paths in paths_by_kind.items():
            if kind == "baseline" or not paths:
                continue
            headers = {"User-Agent": USER_AGENT}
            if kind in OFFICE_KINDS:
                # The target on the workers' memory is the public load's: the peak before the office's pages.
                results.setdefault("worker_peak_rss_public_mb", worker_memory(server)[0])
                headers["Cookie"] = login(server.base, office)
            status, body = check(server.base, paths[0], headers)
            size = len(body)
            if status != 200:
                log(f"  {kind}: {paths[0]} → HTTP {status}; not measured")
                results["pages"][kind] = {"error": f"HTTP {status}", "path": paths[0]}
                continue
            first = cold(server.base, paths[1:], headers)
            rounds = warm_up(server.base, paths, workdir, headers)
            page_windows, reference_windows = interleaved(server.base, paths, baseline, workdir, headers)
            stats, reference = _combine(page_windows), _combine(reference_windows)
            all_reference += reference_windows
            many_windows, many_reference = interleaved(
                server.base, paths, baseline, workdir, headers, windows=1, seconds=SECONDS_MANY, connections=MANY
            )
            all_many_reference += many_reference
            many, many_base = _combine(many_windows), _combine(many_reference)
            stats["many"] = {
                **many,
                "connections": MANY,
                "baseline_rps": many_base["rps"],
                "baseline_p99_ms": many_base["p99_ms"],
                "ratio_to_baseline": round(many["rps"] / many_base["rps"], 3),
                "p99_to_baseline_p99": round(many["p99_ms"] / many_base["p99_ms"], 2),
            }
            stats.update(example=paths[0], distinct_urls=len(paths), bytes=size, warmup_rps=rounds)
            stats["baseline_rps"] = reference["rps"]
            stats["ratio_to_baseline"] = round(stats["rps"] / reference["rps"], 3)
            stats["cold_ms"] = first
            stats["cold_median_ms"] = sorted(first)[len(first) // 2] if first else None
            # Which kind raised the workers' peak memory (the target is on the peak after all kinds).
            stats["worker_peak_rss_after_mb"] = worker_memory(server)[0]
            if kind == "jurisdiction_200":  # links to distinct matters: the page really lists 200
                stats["matters_shown"] = len(set(re.findall(rb"/matters/(\d+)", body)))
            results["pages"][kind] = stats
            log(
                f"  {kind:<18} {stats['rps']:>8.1f} req/s = {stats['ratio_to_baseline']:.2f} × baseline"
                f" {reference['rps']:.0f}  p50 {stats['p50_ms']:>6.2f} ms  p99 {stats['p99_ms']:>6.2f} ms"
                f"  ({size} B, {len(paths)} URLs; warm-up {' → '.join(f'{r:.0f}' for r in rounds)} req/s;"
                f" first request {stats['cold_median_ms']} ms)"
            )
            log(
                f"  {'':<18} at {MANY} connections: {many['rps']:>8.1f} req/s  p99 {many['p99_ms']:.1f} ms ="
                f" {stats['many']['p99_to_baseline_p99']:.1f} × baseline p99 {many_base['p99_ms']:.1f} ms"
            )
        pids = server.worker_pids()
        results["worker_peak_rss_mb"] = [round((vm_kb(p, "VmHWM") or 0) / 1024, 1) for p in pids]
        results["worker_rss_mb"] = [round((vm_kb(p, "VmRSS") or 0) / 1024, 1) for p in pids]
    if all_reference:
        results["pages"]["baseline"].update(_combine(all_reference), ratio_to_baseline=1.0)
    if all_many_reference:
        results["pages"]["baseline"]["many"] = {
            **_combine(all_many_reference),
            "connections": MANY,
            "ratio_to_baseline": 1.0,
            "p99_to_baseline_p99": 1.0,
        }
    log(
        f"  worker peak RSS (VmHWM): {results['worker_peak_rss_mb']} MB"
        f" (RSS at start {results['worker_rss_at_start_mb']} MB)"
    )
    return results
