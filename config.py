"""Configuration, read from the environment with safe defaults."""

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("REGISTRY_INSTANCE", BASE_DIR / "instance"))


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'registry.db'}"
    # Heroku-style URLs name the old driver; we use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    SECRET_KEY = _secret_key()
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Secure is set on every response served over HTTPS anyway (registry.core.http); this forces it.
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "zh"
    # Times are stored in UTC and shown in this zone everywhere (pages, PDFs, default dates).
    BABEL_DEFAULT_TIMEZONE = os.environ.get("DISPLAY_TIMEZONE", "Asia/Shanghai")
    LANGUAGES = ("zh", "en")
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 20 * 1024 * 1024))
    PASSWORD_HASH_METHOD = "scrypt"
    # Login protection (README, "登录保护"): a user name is locked for one client address after
    # LOGIN_MAX_FAILURES failures in a row from it; one address may fail only so often in all.
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;30 per hour")
    # Redis (production): the job queue's broker and result store, live job progress, rate-limit
    # counters. Unset: jobs run in a thread of the app process and counters stay in its memory.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    # Rate-limit counters: in Redis when there is one (shared by every app server), else in memory.
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True  # Redis away: logins go on, the per-address lock still holds
    RATELIMIT_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "registry")
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1") == "1"  # 0: the benchmark's load
    # Per client address (registry/core/limits.py; README, "访问频率限制"): far above what a person, or an
    # office behind one address, does in normal use; low enough to stop a scraper. The API counts all
    # its endpoints together; public forms (complaints …) count every submission.
    SEARCH_RATE_LIMIT = os.environ.get("SEARCH_RATE_LIMIT", "60 per minute;1000 per hour")
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute;3000 per hour")
    PUBLIC_FORM_RATE_LIMIT = os.environ.get("PUBLIC_FORM_RATE_LIMIT", "10 per minute;50 per hour")
    # Behind nginx: how many proxies set X-Forwarded-For / X-Forwarded-Proto (0: none, trust nothing).
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    # Rows per page of the public list pages (the benchmark measures pages of 200).
    PER_PAGE = int(os.environ.get("PER_PAGE", 50))
    # The public site's footer (README, "配置"): who runs the site, how to reach them, the 备案 line.
    SITE_OPERATOR = os.environ.get("SITE_OPERATOR", "示例省生态环境保护督察工作领导小组办公室（演示）")
    SITE_CONTACT = os.environ.get("SITE_CONTACT", "电话 0000-00000000 · 邮箱 registry@example.org（演示）")
    SITE_ICP = os.environ.get("SITE_ICP", "示ICP备00000000号（演示）")
    # The portal's public address, written into downloaded files as their source (never taken from
    # the request's Host header, which a client chooses); unset: the path alone.
    SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
    # E-mail of notices (registry/notify/mail.py; README, "消息与电子邮件"): no MAIL_SERVER, no e-mail
    # (the inbox only). Links in e-mails are SITE_URL + the page's path: set SITE_URL with MAIL_SERVER.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"  # STARTTLS on a plain connection (port 587)
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "0") == "1"  # TLS from the start (port 465)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "")  # unset: noreply@ the host of SITE_URL
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", 10))  # seconds per connection and command
    # Background jobs (registry/jobs/runner.py): in a thread of the app process; eager = at once,
    # inside the request (the tests, so that they do not depend on timing).
    JOBS_EAGER = os.environ.get("JOBS_EAGER", "0") == "1"
    # Where a running job's progress is kept when there is no Redis (registry/jobs/live.py).
    JOBS_LIVE_DIR = os.environ.get("JOBS_LIVE_DIR", str(INSTANCE_DIR / "jobs"))
    # An import of more rows than this runs as a job (registry/imports/jobs.py), not in the request.
    IMPORT_JOB_THRESHOLD = int(os.environ.get("IMPORT_JOB_THRESHOLD", 2000))
    # With REDIS_URL (registry/jobs/queue.py): the Celery queue the jobs are sent to, and the prefix of
    # this site's keys in Redis (live progress, "sent" marks): two sites, or two test runs, on one
    # Redis give each their own.
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "registry")
    REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "registry")
    # With REDIS_URL, the public pages' rendered bodies and shared look-ups are kept in Redis too, for
    # every worker and app server (registry/public/cache.py); 0 keeps them in each process only.
    PUBLIC_CACHE_REDIS = os.environ.get("PUBLIC_CACHE_REDIS", "1") != "0"
    # Without REDIS_URL: the periodic tasks run in a thread of the app process (registry/jobs/scheduler.py);
    # 0 when cron runs `flask registry jobs tick` instead.
    JOBS_SCHEDULER = os.environ.get("JOBS_SCHEDULER", "1") == "1"
    # Public complaints (registry/complaints): the person's contact details are erased this many days
    # after the complaint is closed (the complaint itself is kept); photos (at most 3) up to this size
    # each; a CAPTCHA is valid this long.
    COMPLAINT_CONTACT_RETENTION_DAYS = int(os.environ.get("COMPLAINT_CONTACT_RETENTION_DAYS", 730))
    COMPLAINT_PHOTO_MAX_BYTES = int(os.environ.get("COMPLAINT_PHOTO_MAX_BYTES", 5 * 1024 * 1024))
    COMPLAINT_ATTACHMENT_MAX_BYTES = int(os.environ.get("COMPLAINT_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
    CAPTCHA_MAX_AGE_SECONDS = int(os.environ.get("CAPTCHA_MAX_AGE_SECONDS", 1800))
    # Looking a complaint up by its 查询码, per client address: codes cannot be tried by the thousand.
    # The CAPTCHA image has the same limit, counted apart.
    COMPLAINT_TRACK_RATE_LIMIT = os.environ.get("COMPLAINT_TRACK_RATE_LIMIT", "30 per minute;300 per hour")


class TestConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    if SQLALCHEMY_DATABASE_URI.startswith("postgresql://"):
        SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://" + SQLALCHEMY_DATABASE_URI[len("postgresql://") :]
    SECRET_KEY = "test-secret"
    # Hashing stays real but cheap: the suite creates hundreds of accounts.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    WTF_CSRF_ENABLED = True
    JOBS_EAGER = True
    # The public caches stay in the process (tests/public/test_shared_cache.py turns Redis on itself):
    # a Redis shared by xdist workers, whose ids are reused after each rollback, would mix their pages.
    PUBLIC_CACHE_REDIS = False
    # Counters of this test process only (a Redis shared by xdist workers would mix their counts); the
    # suite's own clients are no scrapers (the API fuzz test sends hundreds of requests): tests of the
    # limits set low ones (tests/test_rate_limits.py).
    RATELIMIT_STORAGE_URI = "memory://"
    # None: Flask-Limiter's one limiter keeps the first prefix it is given, so a test app made later
    # (tests/test_auth.py, with Redis) can still give its own.
    RATELIMIT_KEY_PREFIX = ""
    SEARCH_RATE_LIMIT = API_RATE_LIMIT = PUBLIC_FORM_RATE_LIMIT = COMPLAINT_TRACK_RATE_LIMIT = "100000 per minute"
