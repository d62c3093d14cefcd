from sqlalchemy import select

from registry.auth.models import User
from registry.extensions import db
from tests.conftest import csrf_token


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def post(client, path: str, data: dict | None = None, form_page: str = "/reports/", **kwargs):
    return client.post(path, data={"csrf_token": csrf_token(client, form_page), **(data or {})}, **kwargs)


NO_PROGRESS = "本年度该事项无新增任务，相关工作已于上年度完成。"


def explain_empty_led_matters(report, username: str = "sthj_editor") -> None:
    """Give every empty led matter a 本年度无进展的说明, as its editor would, so that it can be submitted."""
    from registry.reports import services
    from registry.reports.completeness import completeness

    blocking = {s.id for s in completeness(report).blocking}
    for section in report.sections:
        if section.id in blocking:
            services.save_section(
                section, actor=user(username), expected_version=None, fields={"no_progress_reason": NO_PROGRESS}
            )
    db.session.flush()
