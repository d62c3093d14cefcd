"""Writing a run's results: JSON under bench/results/, and a table between markers in bench/README.md."""

import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
README = HERE / "README.md"

PAGE_LABELS = {
    "baseline": "`/healthz` (baseline)",
    "department": "department page",
    "jurisdiction_200": "jurisdiction page, 200 matters",
    "matter": "matter page",
    "api_matters_100": "`/api/v1/matters?jurisdiction=…&per_page=100`",
    "search": "search page `/search?q=…`",
    "manage_health": "`/manage/<code>/health` (signed in)",
}
# The kinds with the target ≥ 0.5× baseline, p99 < 50 ms; the others are measured for the 64-connection
# target (and the search page has its own in the search step).
TARGET_KINDS = ("department", "jurisdiction_200", "matter", "api_matters_100")
MIXED_LABELS = {
    "cold": "cold start (fresh gunicorn), first minute",
    "warm": "warm",
    "nginx": "through nginx (deploy/nginx.conf, HTTPS)",
    "ceiling": "nginx: a static file of the median page's size",
    "filled_cold": "every page kept ahead in Redis: a fresh gunicorn, first minute",
    "filled": "every page kept ahead in Redis: warm",
}


def save(results: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{results['scale']}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return path


def _ok(value: bool | None) -> str:
    return "—" if value is None else ("✅" if value else "❌")


def targets(results: dict) -> list[tuple[str, str, str, bool | None]]:
    """(target, measured, database, met) rows."""
    rows: list[tuple[str, str, str, bool | None]] = []
    province = results["scale"] != "national"
    for db_label, run in results["databases"].items():
        pages = run.get("http", {}).get("pages", {})
        for kind, stats in pages.items():
            if kind == "baseline":
                continue
            if kind not in TARGET_KINDS:
                if "rps" not in stats:
                    rows.append((f"{PAGE_LABELS.get(kind, kind)}: measured", stats.get("error", "?"), db_label, False))
                continue
            if "rps" not in stats:
                rows.append(
                    (f"{PAGE_LABELS[kind]}: ≥ 0.5× baseline, p99 < 50 ms", stats.get("error", "?"), db_label, False)
                )
                continue
            met = stats["ratio_to_baseline"] >= 0.5 and stats["p99_ms"] < 50 if province else None
            rows.append(
                (
                    f"{PAGE_LABELS[kind]}: ≥ 0.5× baseline, p99 < 50 ms",
                    f"{stats['ratio_to_baseline']:.2f}×, p99 {stats['p99_ms']:.1f} ms",
                    db_label,
                    met,
                )
            )
        http = run.get("http")
        if http:
            peak = max(http.get("worker_peak_rss_public_mb") or http["worker_peak_rss_mb"], default=0)
            after = max(http["worker_peak_rss_mb"], default=0)
            rows.append(
                (
                    "gunicorn worker peak RSS < 150 MB",
                    f"{peak:.0f} MB" + (f" ({after:.0f} MB after the office's list health)" if after > peak else ""),
                    db_label,
                    peak < 150,
                )
            )
            many = {k: s["many"] for k, s in pages.items() if k != "baseline" and "many" in s}
            if many:
                worst = max(many, key=lambda k: many[k]["p99_to_baseline_p99"])
                w = many[worst]
                rows.append(
                    (
                        f"at {w['connections']} connections, every page kind's p99 ≤ 4× /healthz p99",
                        f"worst {PAGE_LABELS.get(worst, worst)}: p99 {w['p99_ms']:.1f} ms ="
                        f" {w['p99_to_baseline_p99']:.1f}× {w['baseline_p99_ms']:.1f} ms",
                        db_label,
                        all(m["p99_to_baseline_p99"] <= 4 for m in many.values()) if province else None,
                    )
                )
        rows += _mixed_targets(run.get("mixed"), db_label, province)
        for kind, c in run.get("cold", {}).items():
            rows.append(
                (
                    f"cold {kind}: ≤ 15 ms of server time (median of 199 distinct URLs; p95 shown)",
                    f"median {c['median_ms']:.1f} ms, p95 {c['p95_ms']:.1f} ms",
                    db_label,
                    c["median_ms"] <= 15 if province else None,
                )
            )
        search = run.get("search")
        if search:
            limit = 10 if province else 25
            worst = max(s["p95_ms"] for s in search["shapes"].values())
            met = worst < limit if (province or db_label == "PostgreSQL") else None
            rows.append((f"search p95 < {limit} ms, every shape", f"worst p95 {worst:.1f} ms", db_label, met))
            if search.get("page"):
                page_limit = 10 if province else 30
                worst = max(s["p95_ms"] for k, s in search["page"].items() if not k.startswith("/healthz"))
                met = worst < page_limit if (province or db_label == "PostgreSQL") else None
                rows.append(
                    (f"search page p95 < {page_limit} ms, every shape", f"worst p95 {worst:.1f} ms", db_label, met)
                )
        imp = run.get("import")
        if imp:
            target = "import ≥ 10,000 rows/s (XLSX as Excel saves it)"
            rows.append((target, f"{imp['rows_per_s']:,.0f} rows/s", db_label, imp["rows_per_s"] >= 10_000))
    pdf = results.get("pdf")
    if pdf:
        rows.append(
            (
                "PDF: application ≤ 1.15× direct WeasyPrint",
                f"{pdf['app_to_direct']:.2f}×",
                "—",
                pdf["app_to_direct"] <= 1.15,
            )
        )
        rows.append(
            (
                f"PDF batch of {pdf['batch_reports']}: speedup ≥ 1.8× on {pdf['batch_cores']} cores",
                f"{pdf['batch_speedup']:.2f}×",
                "—",
                pdf["batch_speedup"] >= 1.8,
            )
        )
        rows.append(
            (
                f"PDF: {pdf['pages']}-page render peak RSS < 350 MB",
                f"{pdf['peak_rss_mb']:.0f} MB",
                "—",
                pdf["peak_rss_mb"] < 350,
            )
        )
    jobs = results.get("jobs")
    if jobs:
        rows.append(
            (
                f"batch compile through Celery ({jobs['reports']} reports + 汇编): 2 worker processes vs 1",
                f"{jobs['one_worker_median_s']:.1f} s → {jobs['two_workers_median_s']:.1f} s = {jobs['speedup']:.2f}×",
                jobs["database"],
                None,
            )
        )
    return rows


def _mixed_targets(mixed: dict | None, db_label: str, province: bool) -> list[tuple[str, str, str, bool | None]]:
    """#16: the mix at 8 connections ≥ 0.3× /healthz with p99 < 100 ms, reached within 60 s of a cold
    start; the workers < 150 MB after it; national on PostgreSQL ≥ 0.2×."""
    if not mixed:
        return []
    low = str(mixed["connections"][0])
    warm, cold = mixed["warm"][low], mixed["cold"][low]
    limit = 0.3 if province else 0.2
    met = warm["ratio_to_baseline"] >= limit and (warm["p99_ms"] < 100 or not province)
    rows = [
        (
            f"mixed workload, {low} connections (warm): ≥ {limit}× /healthz" + (", p99 < 100 ms" if province else ""),
            f"{warm['ratio_to_baseline']:.2f}×, p99 {warm['p99_ms']:.1f} ms",
            db_label,
            met if (province or db_label == "PostgreSQL") else None,
        )
    ]
    if province:
        reached = cold.get("target_reached_after_s")
        rows.append(
            (
                f"mixed workload, {low} connections, from a cold start: ≥ 0.3× with p99 < 100 ms within 60 s",
                (f"after {reached} s" if reached is not None else f"not within {cold['seconds']} s")
                + " ("
                + " → ".join(f"{s['ratio_to_baseline']:.2f}×" for s in cold["slices"])
                + f" per {mixed.get('slice_s', 10)} s)",
                db_label,
                reached is not None and reached <= 60,
            )
        )
        peak = max(mixed["worker_peak_rss_mb"], default=0)
        rows.append(("gunicorn worker peak RSS < 150 MB after the mixed run", f"{peak:.0f} MB", db_label, peak < 150))
    filled = mixed.get("filled")
    if filled and province:
        # What a cache tier filled ahead of the load gives (#16 point 5): the same targets, measured.
        warm, cold = filled["warm"][low], filled["cold"][low]
        reached = cold.get("target_reached_after_s")
        rows += [
            (
                f"… every page kept ahead in Redis, {low} connections (warm): ≥ 0.3×, p99 < 100 ms",
                f"{warm['ratio_to_baseline']:.2f}×, p99 {warm['p99_ms']:.1f} ms",
                db_label,
                warm["ratio_to_baseline"] >= 0.3 and warm["p99_ms"] < 100,
            ),
            (
                f"… every page kept ahead in Redis, a fresh gunicorn, {low} connections: within 60 s",
                (f"after {reached} s" if reached is not None else f"not within {cold['seconds']} s")
                + " ("
                + " → ".join(f"{s['ratio_to_baseline']:.2f}×" for s in cold["slices"])
                + ")",
                db_label,
                reached is not None and reached <= 60,
            ),
        ]
    return rows


def _mixed_markdown(mixed: dict, db_label: str) -> list[str]:
    low, high = (str(c) for c in mixed["connections"])
    kinds = ", ".join(
        f"{k} {mixed['weights'][k]} % ({s['distinct']:,} URLs)" for k, s in mixed["kinds"].items() if s["requests"]
    )
    lines = [
        "",
        f"Mixed workload, {db_label}: {mixed['list_length']:,} requests over {mixed['distinct_urls']:,} distinct URLs,"
        f" shuffled, popularity within a kind ∝ rank^−{mixed['alpha']} — {kinds}; pages of"
        f" {mixed['per_page']} rows; median response {mixed['sizes']['median_bytes']:,} B (p90"
        f" {mixed['sizes']['p90_bytes']:,} B). Each row's ratio is to /healthz on the same front and connections,"
        " measured seconds apart:",
        "",
        "| configuration | connections | req/s | × /healthz | p50 ms | p99 ms | /healthz req/s | /healthz p99 ms"
        " | not 2xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def row(label: str, connections: str, s: dict) -> str:
        p99 = s.get("baseline_p99_ms")
        return (
            f"| {label} | {connections} | {s['rps']:.0f} | {s['ratio_to_baseline']:.2f} | {s.get('p50_ms', 0):.1f} |"
            f" {s['p99_ms']:.1f} | {s['baseline_rps']:.0f} | {'—' if p99 is None else f'{p99:.1f}'} | {s['non_2xx']} |"
        )

    for connections in (low, high):
        cold = mixed["cold"].get(connections)
        if cold:
            p50 = sorted(s["p50_ms"] for s in cold["slices"])[len(cold["slices"]) // 2]
            lines.append(row(MIXED_LABELS["cold"], connections, {**cold, "p50_ms": p50}))
    for connections in (low, high):
        lines.append(row(MIXED_LABELS["warm"], connections, mixed["warm"][connections]))
    filled = mixed.get("filled")
    if filled:
        cold = filled["cold"][low]
        p50 = sorted(s["p50_ms"] for s in cold["slices"])[len(cold["slices"]) // 2]
        lines.append(row(MIXED_LABELS["filled_cold"], low, {**cold, "p50_ms": p50}))
        for connections in (low, high):
            lines.append(row(MIXED_LABELS["filled"], connections, filled["warm"][connections]))
    proxy = mixed.get("nginx")
    if proxy:
        for connections in (low, high):
            lines.append(row(MIXED_LABELS["nginx"], connections, proxy["warm"][connections]))
        for connections in (low, high):
            lines.append(row(MIXED_LABELS["ceiling"], connections, proxy["ceiling"][connections]))
    for connections, cold in mixed["cold"].items():
        lines.append(
            f"\nFirst {cold['seconds']} s after a cold start at {connections} connections, req/s per"
            f" {mixed.get('slice_s', 10)} s: "
            + " → ".join(f"{s['rps']:.0f}" for s in cold["slices"])
            + f" (/healthz {cold['baseline_rps']:.0f}; p99 per slice "
            + ", ".join(f"{s['p99_ms']:.0f}" for s in cold["slices"])
            + " ms)."
        )
    peaks = ", ".join(f"{x:.0f} MB" for x in mixed["worker_peak_rss_mb"])
    lines.append(
        f"Warm-up after the first minute: {' → '.join(f'{r:.0f}' for r in mixed.get('warmup_rps', []))} req/s."
        f" Worker peak RSS (VmHWM) after the mix: {peaks}."
    )
    if filled:
        cold = filled["cold"][low]
        lines.append(
            f"Every page kept ahead: the mix's {filled['distinct_urls']:,} distinct URLs rendered into Redis by one"
            f" server in {filled['fill_s']:.0f} s ({filled['fill_rps']:.0f} req/s), then a fresh server on those"
            f" keys: first {cold['seconds']} s at {low} connections "
            + " → ".join(f"{s['rps']:.0f}" for s in cold["slices"])
            + " req/s (p99 per slice "
            + ", ".join(f"{s['p99_ms']:.0f}" for s in cold["slices"])
            + " ms); worker peak RSS "
            + ", ".join(f"{x:.0f} MB" for x in filled["worker_peak_rss_mb"])
            + "."
        )
    if proxy:
        cache = ", ".join(f"{k} {v:,}" for k, v in proxy["cache"].items())
        lines.append(
            f"Through nginx: warm-up {' → '.join(f'{r:.0f}' for r in proxy['warmup_rps'])} req/s; how nginx answered"
            f" the mix's requests: {cache} ({proxy['hit_ratio']:.0%} from its cache); the mix reaches"
            f" {proxy['ceiling'][low]['mix_to_ceiling']:.0%} ({low} connections) and"
            f" {proxy['ceiling'][high]['mix_to_ceiling']:.0%} ({high}) of the static file's rate."
        )
    return lines


def markdown(results: dict) -> str:
    m = results["machine"]
    g = results.get("generated", {})
    lines = [
        f"Scale **{results['scale']}**, measured {m['date']} on commit `{m['git_commit']}`"
        f"{' (with uncommitted changes)' if m.get('git_dirty') else ''}: {m['nproc']} cores ({m['cpu_model']}),"
        f" {m['memory_gb']} GB RAM, Python {m['python']}, SQLite {m['sqlite']}, {m['postgresql']}.",
        f"Total run time {results.get('total_s', 0) / 60:.1f} min; load average (1/5/15 min) at start"
        f" {m.get('loadavg_at_start')}, at end {m.get('loadavg_at_end')}"
        + (
            " (above the core count: other work was running and the absolute numbers suffer; ratios less so)."
            if max([*m.get("loadavg_at_start", [])[:1], *m.get("loadavg_at_end", [])[:1]], default=0) > m["nproc"]
            else "."
        ),
        "",
    ]
    for db_label, run in results["databases"].items():
        gen = run.get("generated") or g.get(db_label)
        if gen:
            secs = ", ".join(f"{k} {v:.0f} s" for k, v in gen["seconds"].items())
            lines.append(
                f"- {db_label} data: {gen['jurisdictions']:,} jurisdictions, {gen['departments']:,} departments,"
                f" {gen['matters']:,} matters, {gen['versions']:,} published versions, {gen['reports']:,} reports"
                f" ({gen['published_reports']} published); generated in {secs}."
            )
    lines += ["", "| target | measured | database | holds |", "|---|---|---|---|"]
    for target, measured, db_label, met in targets(results):
        lines.append(f"| {target} | {measured} | {db_label} | {_ok(met)} |")
    for db_label, run in results["databases"].items():
        http = run.get("http")
        if http:
            lines += [
                "",
                f"Public throughput, {db_label} (gunicorn {http['workers']} × {http['worker_class']}"
                f" {http['threads']} threads; wrk 1 thread, {http['connections']} connections, rotating over"
                f" distinct URLs; per page kind: first request = median of 10 URLs requested once each before any"
                f" load, then warm-up rounds of {http.get('warmup_s', 3)} s until steady, then {http['duration_s']} s"
                f" of load in {http.get('windows', 1)} windows, each followed by a baseline window; the ratio is"
                " to those baseline windows; p99 = the worst window's):",
                "",
                "| page | req/s | × baseline | p50 ms | p99 ms | warm-up req/s | first request ms | URLs | bytes"
                f" | p99 ms at {http.get('many_connections', 64)} conn. | × /healthz p99 |",
                "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
            ]
            for kind, s in http["pages"].items():
                if "rps" not in s:
                    lines.append(f"| {PAGE_LABELS.get(kind, kind)} | {s.get('error')} | | | | | | | | | |")
                    continue
                rounds = " → ".join(f"{r:.0f}" for r in s.get("warmup_rps", []))
                many = s.get("many")
                lines.append(
                    f"| {PAGE_LABELS.get(kind, kind)} | {s['rps']:.0f} | {s.get('ratio_to_baseline', 1):.2f} |"
                    f" {s['p50_ms']:.1f} | {s['p99_ms']:.1f} | {rounds} | {s.get('cold_median_ms', '—')} |"
                    f" {s['distinct_urls']} | {s['bytes']:,} |"
                    + (f" {many['p99_ms']:.1f} | {many['p99_to_baseline_p99']:.1f} |" if many else " — | — |")
                )
            peaks = ", ".join(f"{x:.0f} MB" for x in http["worker_peak_rss_mb"])
            start = ", ".join(f"{x:.0f} MB" for x in http.get("worker_rss_at_start_mb", []))
            public = ", ".join(f"{x:.0f} MB" for x in http.get("worker_peak_rss_public_mb", []))
            lines.append(
                f"\nWorker peak RSS (VmHWM) after the load: {peaks} (RSS when started: {start}"
                + (f"; after the public pages, before the office's list health: {public}" if public else "")
                + ")."
            )
        if run.get("mixed"):
            lines += _mixed_markdown(run["mixed"], db_label)
        search = run.get("search")
        if search:
            lines += [
                "",
                f"Search latency, {db_label} (`search_ids`, first page of 20; {search['per_shape']} queries per shape"
                f" × {search['repeats']}; `all` = whole database, `jurisdiction` = scoped to one):",
                "",
                "| shape | p50 ms | p95 ms | max ms | median hits | max hits |",
                "|---|---:|---:|---:|---:|---:|",
            ]
            for shape, s in search["shapes"].items():
                lines.append(
                    f"| {shape} | {s['p50_ms']:.2f} | {s['p95_ms']:.2f} | {s['max_ms']:.1f} |"
                    f" {s['median_hits']:,} | {s['max_hits']:,} |"
                )
            if search.get("page"):
                lines += [
                    "",
                    f"Search page, {db_label} (GET `/search?q=…` through the application with the test client:"
                    " view, result rows and template; 日常 = everyday words through the synonym table):",
                    "",
                    "| shape | requests | p50 ms | p95 ms | max ms | median bytes | not 200 |",
                    "|---|---:|---:|---:|---:|---:|---:|",
                ]
                for shape, s in search["page"].items():
                    lines.append(
                        f"| {shape} | {s['requests']} | {s['p50_ms']:.2f} | {s['p95_ms']:.2f} | {s['max_ms']:.1f} |"
                        f" {s['median_bytes']:,.0f} | {s['not_200']} |"
                    )
        cold = run.get("cold")
        if cold:
            lines += [
                "",
                f"Pages nobody has asked for, {db_label} (`bench/cold.py`: 200 distinct URLs per kind through the"
                " application with the test client, each once, the page caches emptied first; server time, and"
                " this thread's CPU time, which other work on the machine inflates less):",
                "",
                "| kind | URLs | median ms | p95 ms | max ms | CPU median ms | CPU p95 ms | queries (median) |",
                "|---|---:|---:|---:|---:|---:|---:|---:|",
            ]
            for kind, c in cold.items():
                lines.append(
                    f"| {kind} | {c['urls']} | {c['median_ms']:.2f} | {c['p95_ms']:.2f} | {c['max_ms']:.1f} |"
                    f" {c['cpu_median_ms']:.2f} | {c['cpu_p95_ms']:.2f} | {c['queries_median']:g} |"
                )
        imp = run.get("import")
        if imp:
            for one, bold in ((imp, "**"), (imp.get("openpyxl"), "")):
                if not one:
                    continue
                lines.append(
                    f"\nImport, {db_label}: {one['rows']:,}-row XLSX {one.get('file', '')} ({one['xlsx_mb']} MB)"
                    f" in {one['total_s']} s = {bold}{one['rows_per_s']:,.0f} rows/s{bold} (plan {one['plan_s']} s,"
                    f" of which reading the XLSX {one['read_xlsx_s']} s; apply {one['apply_s']} s;"
                    f" commit {one['commit_s']} s)."
                )
    pdf = results.get("pdf")
    if pdf:
        lines.append(
            f"\nPDF ({pdf['pages']}-page report): application {pdf['app_median_s']} s vs direct WeasyPrint"
            f" {pdf['direct_median_s']} s (median of {len(pdf['app_s'])}) = **{pdf['app_to_direct']}×**; batch of"
            f" {pdf['batch_reports']}: {pdf['batch_one_core_s']} s on 1 process, {pdf['batch_all_cores_s']} s on"
            f" {pdf['batch_cores']} = **{pdf['batch_speedup']}×** (the pool kept"
            f" {pdf.get('batch_all_cores_busy', '?')} cores busy on average); peak RSS of one render in a fresh process"
            f" {pdf['peak_rss_mb']} MB (of which {pdf['rss_before_render_mb']} MB before rendering)."
        )
    jobs = results.get("jobs")
    if jobs:
        lines.append(
            f"\nBatch compile through Celery ({jobs['database']}, {jobs['data']}, measured {jobs['measured_at']}"
            + (
                f" on commit `{jobs['machine']['git_commit']}`"
                f"{' (with uncommitted changes)' if jobs['machine'].get('git_dirty') else ''},"
                f" {jobs['machine']['nproc']} cores ({jobs['machine']['cpu_model']})"
                if jobs.get("machine")
                else ""
            )
            + f", load average then {jobs['loadavg']}): the 生成汇编 job fanned out into {jobs['parts']} parts"
            f" ({jobs['reports']} report PDFs and the 汇编), from the click to the stored volume and ZIP, median of"
            f" {jobs['rounds']} after a warm-up: 1 worker process {jobs['one_worker_median_s']} s"
            f" ({', '.join(map(str, jobs['one_worker_s']))}), 2 worker processes {jobs['two_workers_median_s']} s"
            f" ({', '.join(map(str, jobs['two_workers_s']))}) = **{jobs['speedup']}×**."
            + (
                f" Cores free for two CPU-bound processes just before each compile (2.0 = the whole machine;"
                f" other work on the machine takes the rest): {', '.join(map(str, jobs['cores_free']))}."
                if jobs.get("cores_free")
                else ""
            )
        )
    return "\n".join(lines)


def update_readme(results: dict) -> None:
    start, end = f"<!-- results:{results['scale']} -->", f"<!-- /results:{results['scale']} -->"
    block = f"{start}\n{markdown(results)}\n{end}"
    text = README.read_text() if README.exists() else ""
    if start in text and end in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + f"\n\n### Results: {results['scale']}\n\n{block}\n"
    README.write_text(text)
