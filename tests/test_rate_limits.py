"""Rate limits (registry/core/limits.py): public search, the open-data API (all endpoints together) and
public forms answer 429 past their limit, with Retry-After; the API in its JSON error format, pages
with a Chinese page saying when to try again; the OpenAPI text states the limit; with Redis the
counters are shared by every app server, and Redis away does not take the site down."""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

import config
from registry import create_app
from registry.core.limits import describe, public_form_limit
from registry.core.permissions import public
from registry.public.openapi import document
from tests.public.conftest import switch_language

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def limits(app, monkeypatch):
    """Set low limits for one test (the suite's own are high: its clients are no scrapers)."""

    def set_limits(**values):
        for name, value in values.items():
            monkeypatch.setitem(app.config, name, value)

    return set_limits


def _retry_after(response) -> int:
    value = int(response.headers["Retry-After"])
    assert 1 <= value <= 61, value
    return value


def test_the_api_counts_all_its_endpoints_together_and_answers_429_as_json(client, demo, limits):
    limits(API_RATE_LIMIT="3 per minute")
    for url in ("/api/v1/jurisdictions", "/api/v1/jurisdictions/990000", "/api/v1/matters?jurisdiction=990000"):
        assert client.get(url).status_code == 200, url
    refused = client.get("/api/v1/jurisdictions/990100/versions")
    assert refused.status_code == 429 and refused.mimetype == "application/json"
    _retry_after(refused)
    body = refused.get_json()
    schema = document()["paths"]["/jurisdictions/{code}/versions"]["get"]["responses"]["429"]
    assert "Retry-After" in schema["headers"]
    errors = list(
        OAS31Validator(
            {**schema["content"]["application/json"]["schema"], "components": document()["components"]}
        ).iter_errors(body)
    )
    assert not errors, errors
    assert body["error"]["status"] == 429
    assert "请求过于频繁（每分钟 3 次）" in body["error"]["message"] and "秒后再试" in body["error"]["message"]
    assert refused.headers["X-RateLimit-Limit"] == "3" and refused.headers["X-RateLimit-Remaining"] == "0"
    assert client.get("/api/v1/openapi.json").status_code == 429  # every endpoint of the API
    assert client.get("/jurisdictions").status_code == 200  # the pages are not the API


def test_the_api_error_follows_the_interface_language(client, demo, limits):
    limits(API_RATE_LIMIT="1 per minute")
    switch_language(client, "en")
    client.get("/api/v1/jurisdictions")
    message = client.get("/api/v1/jurisdictions").get_json()["error"]["message"]
    assert "Too many requests (1 per minute)" in message, message


def test_public_search_answers_429_with_a_chinese_page_saying_when(client, demo, limits):
    limits(SEARCH_RATE_LIMIT="2 per minute")
    for _ in range(2):
        assert client.get("/search?q=大气污染").status_code == 200
    refused = client.get("/search?q=大气污染")
    assert refused.status_code == 429 and refused.mimetype == "text/html"
    seconds = _retry_after(refused)
    page = refused.get_data(as_text=True)
    assert "访问过于频繁，请稍后再试。" in page and "本站限制每个网络地址" in page
    shown = re.search(r"请在 (\d+) 秒后（北京时间 \d\d:\d\d:\d\d 之后）再试。", page)
    assert shown and abs(int(shown.group(1)) - seconds) <= 1, page  # the same wait as the header's
    assert refused.headers["Cache-Control"] == "no-store"
    assert client.get("/jurisdictions/990000").status_code == 200  # other public pages are not limited
    switch_language(client, "en")
    assert "Please try again in" in client.get("/search?q=大气污染").get_data(as_text=True)


def test_another_address_has_its_own_count(client, demo, limits):
    limits(SEARCH_RATE_LIMIT="1 per minute")
    assert client.get("/search?q=大气").status_code == 200
    assert client.get("/search?q=大气").status_code == 429
    other = client.get("/search?q=大气", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200


def test_public_forms_share_one_limit_on_their_submissions():
    """The decorator complaint forms (#17) will use: every POST counts, across all public forms."""

    class Forms(config.TestConfig):
        PUBLIC_FORM_RATE_LIMIT = "2 per minute"
        WTF_CSRF_ENABLED = False

    app = create_app(Forms)

    @app.route("/test-form-a", methods=["GET", "POST"])
    @public
    @public_form_limit
    def form_a():
        return "已收到"

    @app.route("/test-form-b", methods=["GET", "POST"])
    @public
    @public_form_limit
    def form_b():
        return "已收到"

    client = app.test_client()
    with app.app_context():
        from registry.extensions import limiter

        limiter.reset()
    assert client.post("/test-form-a").status_code == 200
    assert client.post("/test-form-b").status_code == 200
    for _ in range(3):
        assert client.get("/test-form-a").status_code == 200  # reading the form is not submitting it
    refused = client.post("/test-form-a")
    assert refused.status_code == 429 and "请在" in refused.get_data(as_text=True)
    _retry_after(refused)


def test_the_openapi_text_states_the_limit_and_every_operation_its_429():
    assert describe(config.Config.API_RATE_LIMIT, chinese=True) == "每分钟 120 次、每小时 3000 次"  # the default
    spec = document()
    validate_spec(spec)
    description = spec["info"]["description"]
    assert "访问频率限制" in description and "请求合计不超过每分钟 100000 次。" in description  # TestConfig's
    assert "Retry-After" in description
    for path, item in spec["paths"].items():
        response = item["get"]["responses"]["429"]
        assert response["headers"]["Retry-After"]["schema"]["type"] == "integer", path
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_served_openapi_text_states_the_configured_limit(client, limits):
    limits(API_RATE_LIMIT="50 per minute;1000 per day")
    assert "每分钟 50 次、每天 1000 次" in client.get("/api/v1/openapi.json").get_json()["info"]["description"]


# -- with Redis: app servers of their own, as in production -----------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    """gunicorn serving wsgi:app with the given environment (a database it never needs: the API's
    description reads none)."""

    def __init__(self, directory: Path, **env):
        self.port = _free_port()
        self.log = open(directory / f"gunicorn-{self.port}.log", "w")  # noqa: SIM115
        environ = {
            **os.environ,
            "REGISTRY_INSTANCE": str(directory),
            "DATABASE_URL": f"sqlite:///{directory / 'unused.db'}",
            "SECRET_KEY": "rate-limit-test",
            **env,
        }
        command = [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{self.port}", "wsgi:app"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=environ, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                assert self.process.poll() is None, (directory / f"gunicorn-{self.port}.log").read_text()
                time.sleep(0.1)
        raise AssertionError("gunicorn did not start")

    def get(self, path: str):
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as response:
                return response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


@pytest.mark.committing  # nothing of the suite's database: servers of their own
def test_with_redis_two_app_servers_share_the_counters_and_redis_away_keeps_the_site_up():
    from tests.jobs.conftest import require_redis

    require_redis()
    import redis

    directory = Path(tempfile.mkdtemp(prefix="registry-limits-"))
    prefix = f"registry-test-limits-{uuid.uuid4().hex[:8]}"
    shared = {"REDIS_URL": "redis://127.0.0.1:6379/9", "REDIS_KEY_PREFIX": prefix, "API_RATE_LIMIT": "4 per minute"}
    servers = []
    try:
        first, second = _Server(directory, **shared), _Server(directory, **shared)
        servers += [first, second]
        assert [first.get("/api/v1/openapi.json")[0] for _ in range(2)] == [200, 200]
        assert [second.get("/api/v1/openapi.json")[0] for _ in range(2)] == [200, 200]
        status, headers = first.get("/api/v1/openapi.json")  # the fifth request, counted by both
        assert status == 429 and int(headers["Retry-After"]) >= 1
        assert second.get("/api/v1/openapi.json")[0] == 429
        keys = redis.Redis.from_url(shared["REDIS_URL"]).keys(f"*{prefix}*")
        assert keys, "the counters are in Redis"

        away = _Server(directory, **{**shared, "REDIS_URL": "redis://127.0.0.1:1/9"})  # nothing listens there
        servers.append(away)
        assert [away.get("/api/v1/openapi.json")[0] for _ in range(6)] == [200] * 6  # not limited, not down
    finally:
        for server in servers:
            server.stop()
        client = redis.Redis.from_url("redis://127.0.0.1:6379/9")
        if keys := client.keys(f"*{prefix}*"):
            client.delete(*keys)
