import functools
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from registry.auth.models import User
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Matter

ROOT = Path(__file__).resolve().parent.parent


def test_create_jurisdiction_and_refusals(runner):
    ok = runner.invoke(
        args=["registry", "create-jurisdiction", "--code", "910000", "--name", "甲省", "--level", "province"]
    )
    assert ok.exit_code == 0, ok.output
    assert "已创建行政区划 910000 甲省" in ok.output
    city = ["registry", "create-jurisdiction", "--code", "910100", "--name", "甲市", "--level", "city"]
    assert runner.invoke(args=[*city, "--parent", "910000"]).exit_code == 0
    duplicate = runner.invoke(args=[*city, "--parent", "910000"])
    assert duplicate.exit_code != 0 and "已存在" in duplicate.output
    unknown_parent = runner.invoke(
        args=[
            "registry",
            "create-jurisdiction",
            "--code",
            "920100",
            "--name",
            "乙市",
            "--level",
            "city",
            "--parent",
            "920000",
        ]
    )
    assert unknown_parent.exit_code != 0 and "上级行政区划「920000」不存在" in unknown_parent.output
    bad_code = runner.invoke(
        args=["registry", "create-jurisdiction", "--code", "91", "--name", "x", "--level", "province"]
    )
    assert bad_code.exit_code != 0 and "6 位数字" in bad_code.output
    bad_level = runner.invoke(
        args=["registry", "create-jurisdiction", "--code", "930000", "--name", "x", "--level", "town"]
    )
    assert bad_level.exit_code != 0 and "未知层级" in bad_level.output
    assert db.session.scalar(select(func.count()).select_from(Jurisdiction)) == 2


def test_create_user_and_refusals(runner):
    runner.invoke(args=["registry", "create-jurisdiction", "--code", "910000", "--name", "甲省", "--level", "province"])
    base = ["registry", "create-user", "--jurisdiction", "910000", "--password", "password-123"]
    ok = runner.invoke(args=[*base, "--username", "office", "--role", "office_admin"])
    assert ok.exit_code == 0, ok.output
    bad_role = runner.invoke(args=[*base, "--username", "x", "--role", "king"])
    assert bad_role.exit_code != 0 and "未知角色「king」" in bad_role.output
    no_dept = runner.invoke(args=[*base, "--username", "y", "--role", "dept_head"])
    assert no_dept.exit_code != 0 and "必须指定所属部门" in no_dept.output
    unknown_dept = runner.invoke(args=[*base, "--username", "y", "--role", "dept_head", "--department", "没有的部门"])
    assert unknown_dept.exit_code != 0 and "没有名为「没有的部门」的部门" in unknown_dept.output
    duplicate = runner.invoke(args=[*base, "--username", "office", "--role", "office_admin"])
    assert duplicate.exit_code != 0 and "已存在" in duplicate.output
    assert [u.username for u in db.session.scalars(select(User))] == ["office"]


def test_demo_is_idempotent_and_prints_logins(runner):
    first = runner.invoke(args=["registry", "demo"])
    assert first.exit_code == 0, first.output
    for username in ("admin", "province_office", "jiangchuan_office", "sthj_head", "sthj_editor"):
        assert username in first.output
    counts = (
        db.session.scalar(select(func.count()).select_from(Matter)),
        db.session.scalar(select(func.count()).select_from(User)),
    )
    second = runner.invoke(args=["registry", "demo"])
    assert second.exit_code == 0
    assert counts == (
        db.session.scalar(select(func.count()).select_from(Matter)),
        db.session.scalar(select(func.count()).select_from(User)),
    )
    province = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990000"))
    statuses = db.session.scalars(select(Matter.status).where(Matter.jurisdiction_id == province.id)).all()
    assert statuses.count("assigned") == 61 and statuses.count("pending") == 3


def test_flask_db_works_while_a_web_worker_loads_no_migration_chart_photo_or_postgresql_library(tmp_path):
    """`flask db …` runs Flask-Migrate as the README says; a process that only imports the app, as a
    gunicorn worker does, has not loaded alembic, pygal (and lxml), Pillow or psycopg on SQLite: about
    29 MB less in every worker (bench/README.md, Memory)."""
    environ = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/r.db", "REGISTRY_INSTANCE": str(tmp_path)}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "db"]
    run = functools.partial(subprocess.run, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120)
    heads = run([*flask, "--directory", "migrations", "heads"])
    assert heads.returncode == 0 and "(head)" in heads.stdout, heads.stderr
    worker = run([sys.executable, "-c", "import sys, wsgi; print(sorted(sys.modules))"])
    loaded = set(worker.stdout.split("'"))
    assert worker.returncode == 0 and "registry.public.views" in loaded, worker.stderr
    assert loaded.isdisjoint({"alembic", "flask_migrate", "pygal", "lxml", "PIL", "psycopg"})
