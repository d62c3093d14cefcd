"""`flask --app wsgi registry reports …`: batch work on annual reports."""

import io
import os
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from registry.core.cli import fail

reports_cli = AppGroup("reports", help="年度专题报告的批量处理命令。")

_worker_app = None


def _init_worker(config_name: str) -> None:
    # Each worker process has its own application (templates, static root, fonts); it is given
    # plain data and never touches the database.
    global _worker_app
    from registry import create_app

    _worker_app = create_app(config_name)


def _render_job(kind: str, payload: dict[str, Any], path: str) -> str:
    from registry.reports.rendering import render_report_context, render_volume

    with _worker_app.app_context():
        if kind == "report":
            data = render_report_context(payload, draft=False)
        else:
            data = render_volume(payload["jurisdiction"], payload["year"], payload["reports"])
    Path(path).write_bytes(data)
    return path


@reports_cli.command("compile")
@click.option("--jurisdiction", "code", required=True, help="行政区划代码，例如 990000")
@click.option("--year", type=int, required=True, help="报告年度")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="输出目录")
@click.option("--workers", type=int, default=None, help="并行进程数（默认：全部 CPU 核心）")
@click.option(
    "--queue",
    is_flag=True,
    help="作为「生成汇编」后台任务执行（设置了 REDIS_URL 时分给各 Celery worker），汇编同时保存到报告周期，"
    "用进度条跟踪，完成后把各 PDF 写入输出目录。",
)
def compile_command(code: str, year: int, out_dir: str, workers: int | None, queue: bool):
    """把报告周期内已审核通过和已公开的报告输出为 PDF，并生成一册汇编。"""
    from sqlalchemy import select

    from registry.extensions import db
    from registry.jurisdictions.queries import by_code
    from registry.reports.models import AnnualReport, ReportState
    from registry.reports.queries import cycle_by_year, cycle_reports
    from registry.reports.rendering import report_context
    from registry.reports.volumes import report_file_name, volume_file_name

    jurisdiction = by_code(code)
    if jurisdiction is None:
        fail(f"行政区划代码 {code} 不存在。")
    cycle = cycle_by_year(jurisdiction.id, year)
    if cycle is None:
        fail(f"{jurisdiction.name}没有{year}年度的报告周期。")
    reports = [r for r in cycle_reports(cycle.id) if r.state in (ReportState.ACCEPTED, ReportState.PUBLISHED)]
    if not reports:
        fail(f"{jurisdiction.name}{year}年度还没有审核通过或已公开的报告，没有可汇编的内容。")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if queue:
        _compile_as_job(cycle, out)
        return

    jobs: list[tuple[str, dict[str, Any], str]] = []
    volume_reports = []
    written = 0
    for number, report in enumerate(reports, start=1):
        path = out / report_file_name(number, report)
        if report.state == ReportState.PUBLISHED:
            # The stored bytes, exactly as published: never re-rendered.
            data = db.session.scalar(select(AnnualReport.pdf_data).where(AnnualReport.id == report.id))
            path.write_bytes(data)
            written += 1
        else:
            jobs.append(("report", report_context(report), str(path)))
        # The 汇编 lists each report's attachments; only the reports' own PDFs embed the files.
        volume_reports.append(report_context(report, prefix=f"r{report.id}-", attachment_data=False))
    volume_path = out / volume_file_name(jurisdiction.name, year)
    jobs.append(
        ("volume", {"jurisdiction": jurisdiction.name, "year": year, "reports": volume_reports}, str(volume_path))
    )

    config_name = "config.Config"
    workers = workers or os.cpu_count() or 1
    with (
        ProcessPoolExecutor(
            max_workers=workers, mp_context=get_context("spawn"), initializer=_init_worker, initargs=(config_name,)
        ) as pool,
        click.progressbar(length=len(jobs), label=f"使用 {workers} 个进程生成 PDF") as bar,
    ):
        futures = [pool.submit(_render_job, *job) for job in jobs]
        for future in as_completed(futures):
            future.result()
            bar.update(1)
            written += 1
    click.echo(f"已输出 {len(reports)} 份报告和 1 册汇编（共 {written} 个 PDF 文件）到 {out}。")


def _compile_as_job(cycle, out: Path) -> None:
    """The cycle page's 生成汇编, started from here: one job fanned out per report (on the Celery
    workers when REDIS_URL is set, else in a thread of this process), followed with a progress bar;
    its ZIP is then unpacked into the folder. The volume is stored on the cycle, as from the page."""
    from registry.core.cli import cli_actor
    from registry.core.errors import DomainError
    from registry.extensions import db
    from registry.jobs.cli import follow
    from registry.jobs.models import Job, JobState
    from registry.reports.volumes import start_compile_from_cli

    try:
        job = start_compile_from_cli(cycle, actor=cli_actor())
    except DomainError as error:
        fail(str(error))
    db.session.commit()
    job = follow(job.id)
    if job.state != JobState.DONE:
        fail("未生成汇编，也未输出任何文件。")
    data = db.session.get(Job, job.id).result_data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        for name in names:
            (out / Path(name).name).write_bytes(archive.read(name))
    click.echo(
        f"已输出 {len(names) - 1} 份报告和 1 册汇编（共 {len(names)} 个 PDF 文件）到 {out}；汇编已保存到报告周期。"
    )


commands = [reports_cli]
