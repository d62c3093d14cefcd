"""`flask --app wsgi registry reindex-search`: rebuild the “谁负责？” search index."""

import click
from flask.cli import with_appcontext

from registry.extensions import db


@click.command("reindex-search")
@with_appcontext
@click.option("--due", is_flag=True, help="只重建现行版本有变化的地区（例如新版本已到生效日期）。")
def reindex_search_command(due: bool):
    """重建公众搜索索引（现行版本的全部事项）。"""
    from registry.public.search import rebuild_index, reindex_due

    if due:
        changed = reindex_due()
        db.session.commit()
        click.echo(f"已更新 {len(changed)} 个地区的搜索索引。")
    else:
        total = rebuild_index()
        db.session.commit()
        click.echo(f"搜索索引已重建，共 {total} 项现行事项。")


commands = [reindex_search_command]
