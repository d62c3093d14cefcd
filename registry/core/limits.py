"""Rate limits of what anyone may call without signing in (Flask-Limiter, registry.extensions.limiter),
per client address (an IPv6 client by its /64 network: registry.extensions.client_key), each
configurable (config.py: SEARCH_RATE_LIMIT, API_RATE_LIMIT, PUBLIC_FORM_RATE_LIMIT; login has
LOGIN_RATE_LIMIT in registry/auth/views.py):

- `search_limit` on the public search page (signed-in users are not counted);
- `api_limit` on the open-data API (the whole blueprint: its endpoints count together);
- `public_form_limit` on every public form's POST (complaints, #17), all such forms together.

The counters live in Redis when REDIS_URL is set (every app server counts together), else in the
process's memory; Redis away lets requests through (RATELIMIT_SWALLOW_ERRORS). Past a limit the API
answers 429 in its error format, pages a Chinese page; both say when to try again (Retry-After).
"""

import time
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_login import current_user
from limits import parse_many

from registry.core.timezone import format_local
from registry.extensions import limiter


def _configured(name: str):
    return lambda: current_app.config[name]


def _signed_in() -> bool:
    return bool(getattr(current_user, "is_authenticated", False))


# Signed-in staff are not counted: they search at work, many behind one office address.
search_limit = limiter.limit(_configured("SEARCH_RATE_LIMIT"), exempt_when=_signed_in)
api_limit = limiter.shared_limit(_configured("API_RATE_LIMIT"), scope="api")
public_form_limit = limiter.shared_limit(_configured("PUBLIC_FORM_RATE_LIMIT"), scope="public-form", methods=["POST"])

TOO_MANY = "尝试次数过多，请稍后再试。"  # login: the same words as before these limits


def retry_after() -> int:
    """Seconds until the breached limit lets this client in again (at least 1)."""
    breached = limiter.current_limit
    try:
        reset_at = breached.reset_at if breached is not None else time.time() + 60
    except Exception:  # the counters' store went away meanwhile: a minute is a fair guess
        reset_at = time.time() + 60
    return max(1, int(reset_at - time.time()))  # as Flask-Limiter's own Retry-After header counts


def install(app: Flask) -> None:
    """The 429 answers (more specific than the generic 429 error page registry/__init__.py sets)."""

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded):
        seconds = retry_after()
        if request.path.startswith("/api/"):
            from registry.public.api import json_response

            limit = _limit_text(error)
            message = _("请求过于频繁（%(limit)s），请在 %(seconds)s 秒后再试。", limit=limit, seconds=seconds)
            response = json_response({"error": {"status": 429, "message": message}}, 429)
        else:
            response = app.response_class(
                render_template(
                    "errors/rate_limited.html",
                    message=_(TOO_MANY) if request.endpoint == "auth.login" else _("访问过于频繁，请稍后再试。"),
                    seconds=seconds,
                    until=format_local(datetime.now(UTC) + timedelta(seconds=seconds), "%H:%M:%S"),
                ),
                status=429,
            )
        response.headers["Retry-After"] = str(seconds)
        response.headers["Cache-Control"] = "no-store"
        return response


def _limit_text(error: RateLimitExceeded) -> str:
    """The breached limit in words: 每分钟 120 次 …"""
    item = getattr(getattr(error, "limit", None), "limit", None)
    return _item_text(item) if item is not None else _("访问次数超过上限")


UNITS = {"second": "秒", "minute": "分钟", "hour": "小时", "day": "天"}


def _item_text(item, translate=_) -> str:
    unit = translate(UNITS.get(item.GRANULARITY.name, item.GRANULARITY.name))
    if item.multiples == 1:
        return translate("每%(unit)s %(amount)s 次", unit=unit, amount=item.amount)
    return translate("每 %(n)s %(unit)s %(amount)s 次", n=item.multiples, unit=unit, amount=item.amount)


def _chinese(text: str, **values) -> str:
    return text % values if values else text


def describe(limit: str, *, chinese: bool = False) -> str:
    """A limit setting ("120 per minute;3000 per hour") in words: 每分钟 120 次、每小时 3000 次
    (in Chinese whatever the interface language: the OpenAPI text is Chinese)."""
    translate = _chinese if chinese else _
    return translate("、").join(_item_text(item, translate) for item in parse_many(limit))
