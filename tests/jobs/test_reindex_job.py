"""`flask registry reindex-search --queue`: the search index rebuilt as a job, with its progress."""

from sqlalchemy import func, select

from registry.extensions import db
from registry.jobs.models import Job, JobState
from registry.public.jobs import REINDEX_KIND
from registry.public.models import SearchEntry


def test_reindex_runs_as_a_job_and_reports_how_many(app, demo):
    before = db.session.scalar(select(func.count()).select_from(SearchEntry))
    assert before > 0
    db.session.execute(SearchEntry.__table__.delete())  # an index to rebuild
    result = app.test_cli_runner().invoke(args=["registry", "reindex-search", "--queue"])
    assert result.exit_code == 0, result.output
    assert "重建公众搜索索引" in result.output and f"搜索索引已重建，共 {before} 项现行事项。" in result.output
    job = db.session.scalar(select(Job).where(Job.kind == REINDEX_KIND))
    assert job.state == JobState.DONE and job.total >= 1 and job.progress == job.total
    assert db.session.scalar(select(func.count()).select_from(SearchEntry)) == before

    both = app.test_cli_runner().invoke(args=["registry", "reindex-search", "--queue", "--due"])
    assert both.exit_code != 0 and "不能同时使用" in both.output
