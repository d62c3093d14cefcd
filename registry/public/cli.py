"""`flask --app wsgi registry reindex-search`: rebuild the “谁负责？” search index."""

import click
from flask.cli import with_appcontext

from registry.extensions import db
from registry.public import jobs  # noqa: F401  (registers the reindex job's task in every process)


@click.command("reindex-search")
@with_appcontext
@click.option("--due", is_flag=True, help="只重建现行版本有变化的地区（例如新版本已到生效日期）。")
@click.option(
    "--queue",
    is_flag=True,
    help="作为后台任务重建（设置了 REDIS_URL 时由 Celery worker 执行），并用进度条跟踪到结束。",
)
def reindex_search_command(due: bool, queue: bool):
    """重建公众搜索索引（现行版本的全部事项）。"""
    from sqlalchemy import func, select

    from registry.core.cli import cli_actor, fail
    from registry.jobs.cli import follow
    from registry.jobs.models import JobState
    from registry.jobs.runner import start
    from registry.public.models import SearchEntry
    from registry.public.search import rebuild_index, reindex_due

    if due and queue:
        fail("--due 与 --queue 不能同时使用：--queue 重建全部索引。")
    if queue:
        job = start(jobs.REINDEX_KIND, jobs.REINDEX_TITLE, {}, cli_actor(), None)
        db.session.commit()
        job = follow(job.id)
        if job.state != JobState.DONE:
            fail("搜索索引未重建，原索引保持不变。")
        total = db.session.scalar(select(func.count()).select_from(SearchEntry))
        click.echo(f"搜索索引已重建，共 {total} 项现行事项。")
    elif due:
        changed = reindex_due()
        db.session.commit()
        click.echo(f"已更新 {len(changed)} 个地区的搜索索引。")
    else:
        total = rebuild_index()
        db.session.commit()
        click.echo(f"搜索索引已重建，共 {total} 项现行事项。")


commands = [reindex_search_command]
