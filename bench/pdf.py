"""PDF: one ~15-page annual report compiled through the application against WeasyPrint rendering the
same HTML directly; a batch of 50 through the application's batch workers on all cores against one;
peak RSS of a render in a fresh subprocess.

- application: `registry.reports.rendering.render_report` (loads the report, builds plain values,
  renders front matter and body, PDF/A-3b)
- direct: the HTML documents the application rendered (the body, and the front matter when the
  cycle asks for a cover), given to `weasyprint.HTML(...).render()` with WeasyPrint's default URL
  fetcher, combined and written with the same PDF variant — the same output without the application
  around it
- batch: the worker pool of `flask registry reports compile` (`registry.reports.cli._init_worker` /
  `_render_job`, spawned processes fed plain data)
"""

import io
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from sqlalchemy import func, select

from bench.machine import ROOT
from registry.extensions import db

TARGET_PAGES = 15
BATCH = 50
REPEATS = 5


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _ensure_filled(report) -> None:
    from bench.generate import _user
    from registry.demo.reports import _fill
    from registry.reports.models import ReportSection

    filled = db.session.scalar(
        select(func.count()).where(
            ReportSection.report_id == report.id, (ReportSection.body != "") | (ReportSection.progress != "")
        )
    )
    if filled:
        return
    head = _user(f"bench-head-{report.department_id}", "dept_head", report.cycle.jurisdiction, report.department)
    _fill(report, head)
    db.session.commit()


def pick_report(log=print):
    """A report of about TARGET_PAGES pages (filling drafts with the demo's section texts as needed)."""
    from registry.reports.models import AnnualReport, ReportSection
    from registry.reports.rendering import render_report

    led = dict(
        db.session.execute(
            select(ReportSection.report_id, func.count())
            .where(ReportSection.kind == "led_matter")
            .group_by(ReportSection.report_id)
        ).all()
    )
    if not led:
        raise RuntimeError("no report with led matters: generate reports first")
    guess, tried = 30.0, {}
    for _ in range(5):
        untried = [r for r in led if r not in tried]
        if not untried:
            break
        report_id = min(untried, key=lambda r: abs(led[r] - guess))
        report = db.session.get(AnnualReport, report_id)
        _ensure_filled(report)
        pages = _pages(render_report(report, draft=False))
        tried[report_id] = pages
        log(f"  report {report_id}: {led[report_id]} led matters → {pages} pages")
        if abs(pages - TARGET_PAGES) <= 2:
            break
        guess = max(1.0, led[report_id] * TARGET_PAGES / max(pages, 1))
    best = min(tried, key=lambda r: abs(tried[r] - TARGET_PAGES))
    return db.session.get(AnnualReport, best), tried[best]


def _direct_html(report):
    """The front-matter and body HTML exactly as the application renders them."""
    from flask import current_app

    from registry.pdf import StaticOnlyFetcher, _document, _static_root, heading_pages
    from registry.reports.rendering import REPORT_TEMPLATE, report_context

    context = {"report": report_context(report), "draft": False, "today": __import__("datetime").date.today()}
    jinja = current_app.jinja_env.get_template(REPORT_TEMPLATE)
    body_html = jinja.render(**context, part="body", toc_pages={})
    front_html = None  # a plain GB/T 9704 document: the body alone, as the application renders it
    if context["report"]["with_cover"]:
        toc = heading_pages(_document(body_html, StaticOnlyFetcher(_static_root())))
        front_html = jinja.render(**context, part="front", toc_pages=toc)
    return front_html, body_html, _static_root().as_uri() + "/"


def render_direct(front_html: str | None, body_html: str, base_url: str) -> bytes:
    import warnings

    from weasyprint import HTML

    from registry.pdf import PDF_VARIANT

    body = HTML(string=body_html, base_url=base_url).render()
    document = body
    if front_html is not None:
        front = HTML(string=front_html, base_url=base_url).render()
        document = front.copy([*front.pages, *body.pages])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        return document.write_pdf(pdf_variant=PDF_VARIANT)


def _median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def _batch(context: dict, workers: int) -> tuple[float, float]:
    """Wall time, and CPU seconds the pool's processes used (reaped children), of BATCH renders."""
    import resource

    from registry.reports.cli import _init_worker, _render_job

    def children_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        cpu0 = children_cpu()
        start = time.perf_counter()
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=get_context("spawn"), initializer=_init_worker, initargs=("config.Config",)
        ) as pool:
            futures = [pool.submit(_render_job, "report", context, f"{tmp}/{i:02d}.pdf") for i in range(BATCH)]
            for f in futures:
                f.result()
        return time.perf_counter() - start, children_cpu() - cpu0


def peak_rss(database_url: str, report_id: int) -> dict:
    """Render the report in a fresh interpreter and read its VmHWM (peak resident set)."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.pdf_child", database_url, str(report_id)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(database, *, log=print) -> dict:
    from registry.reports.rendering import render_report, report_context

    report, pages = pick_report(log)
    log(f"  measuring report {report.id} ({pages} pages): {report.title}")
    front_html, body_html, base_url = _direct_html(report)
    render_report(report, draft=False)  # warm: fonts, templates
    render_direct(front_html, body_html, base_url)
    app_s, direct_s = [], []
    for _ in range(REPEATS):  # interleaved, so drift hits both alike
        t0 = time.perf_counter()
        render_report(report, draft=False)
        app_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        render_direct(front_html, body_html, base_url)
        direct_s.append(time.perf_counter() - t0)
    app_med, direct_med = _median(app_s), _median(direct_s)
    log(
        f"  one report: application {app_med:.3f} s, direct WeasyPrint {direct_med:.3f} s → {app_med / direct_med:.3f}×"
    )

    context = report_context(report)
    cores = os.cpu_count() or 1
    one, one_cpu = _batch(context, 1)
    log(f"  batch of {BATCH}: 1 process {one:.1f} s (CPU {one_cpu:.1f} s)")
    many, many_cpu = _batch(context, cores)
    # CPU/wall below the number of cores means the pool waited for cores that other work held.
    log(
        f"  batch of {BATCH}: {cores} processes {many:.1f} s (CPU {many_cpu:.1f} s, {many_cpu / many:.2f} cores busy)"
        f" → speedup {one / many:.2f}×"
    )
    memory = peak_rss(database.env_url, report.id)
    log(f"  peak RSS of a {pages}-page render in a subprocess: {memory['peak_rss_mb']} MB")
    return {
        "report_id": report.id,
        "pages": pages,
        "app_s": [round(x, 3) for x in app_s],
        "direct_s": [round(x, 3) for x in direct_s],
        "app_median_s": round(app_med, 3),
        "direct_median_s": round(direct_med, 3),
        "app_to_direct": round(app_med / direct_med, 3),
        "batch_reports": BATCH,
        "batch_one_core_s": round(one, 2),
        "batch_all_cores_s": round(many, 2),
        "batch_cores": cores,
        "batch_speedup": round(one / many, 2),
        "batch_one_core_cpu_s": round(one_cpu, 2),
        "batch_all_cores_cpu_s": round(many_cpu, 2),
        "batch_all_cores_busy": round(many_cpu / many, 2),
        **memory,
    }
