"""Rebuilding the public search index as a background job (`flask registry reindex-search --queue`):
on a Celery worker when REDIS_URL is set, with its progress per jurisdiction on the 任务 page and in
the command's progress bar. One transaction, as the command's own rebuild: the old index stays in
use until the new one is committed, and a failure keeps the old one."""

from registry.jobs import runner
from registry.public.search import rebuild_index

REINDEX_KIND = "reindex_search"
REINDEX_TITLE = "重建公众搜索索引"


@runner.task(REINDEX_KIND)
def reindex_search(job_id: int, progress: runner.Progress) -> None:
    def step(done: int, count: int) -> None:
        progress(done, count, f"已重建 {done} / {count} 个地区")

    rebuild_index(progress=step)
