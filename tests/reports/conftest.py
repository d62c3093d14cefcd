from sqlalchemy import select

from registry.auth.models import User
from registry.extensions import db
from tests.conftest import csrf_token


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def post(client, path: str, data: dict | None = None, form_page: str = "/reports/", **kwargs):
    return client.post(path, data={"csrf_token": csrf_token(client, form_page), **(data or {})}, **kwargs)
