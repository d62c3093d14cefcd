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
            peak = max(http["worker_peak_rss_mb"], default=0)
            rows.append(("gunicorn worker peak RSS < 150 MB", f"{peak:.0f} MB", db_label, peak < 150))
        search = run.get("search")
        if search:
            limit = 10 if province else 25
            worst = max(s["p95_ms"] for s in search["shapes"].values())
            met = worst < limit if (province or db_label == "PostgreSQL") else None
            rows.append((f"search p95 < {limit} ms, every shape", f"worst p95 {worst:.1f} ms", db_label, met))
            if search.get("page"):
                worst = max(s["p95_ms"] for k, s in search["page"].items() if not k.startswith("/healthz"))
                met = worst < limit if (province or db_label == "PostgreSQL") else None
                rows.append((f"search page p95 < {limit} ms, every shape", f"worst p95 {worst:.1f} ms", db_label, met))
        imp = run.get("import")
        if imp:
            rows.append(
                ("import ≥ 10,000 rows/s", f"{imp['rows_per_s']:,.0f} rows/s", db_label, imp["rows_per_s"] >= 10_000)
            )
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
                "| page | req/s | × baseline | p50 ms | p99 ms | warm-up req/s | first request ms | URLs | bytes |",
                "|---|---:|---:|---:|---:|---|---:|---:|---:|",
            ]
            for kind, s in http["pages"].items():
                if "rps" not in s:
                    lines.append(f"| {PAGE_LABELS[kind]} | {s.get('error')} | | | | | | | |")
                    continue
                rounds = " → ".join(f"{r:.0f}" for r in s.get("warmup_rps", []))
                lines.append(
                    f"| {PAGE_LABELS[kind]} | {s['rps']:.0f} | {s.get('ratio_to_baseline', 1):.2f} |"
                    f" {s['p50_ms']:.1f} | {s['p99_ms']:.1f} | {rounds} | {s.get('cold_median_ms', '—')} |"
                    f" {s['distinct_urls']} | {s['bytes']:,} |"
                )
            peaks = ", ".join(f"{x:.0f} MB" for x in http["worker_peak_rss_mb"])
            start = ", ".join(f"{x:.0f} MB" for x in http.get("worker_rss_at_start_mb", []))
            lines.append(f"\nWorker peak RSS (VmHWM) after the load: {peaks} (RSS when started: {start}).")
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
        imp = run.get("import")
        if imp:
            lines.append(
                f"\nImport, {db_label}: {imp['rows']:,}-row XLSX ({imp['xlsx_mb']} MB) in {imp['total_s']} s ="
                f" **{imp['rows_per_s']:,.0f} rows/s** (plan {imp['plan_s']} s, of which reading the XLSX"
                f" {imp['read_xlsx_s']} s; apply {imp['apply_s']} s; commit {imp['commit_s']} s)."
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
