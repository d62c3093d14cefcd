"""生态环境保护责任清单与牵头部门登记系统."""

from pathlib import Path

from flask import Flask, has_request_context, jsonify, render_template, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError
from werkzeug.middleware.proxy_fix import ProxyFix

from registry.core import i18n, limits, timezone
from registry.core.db import is_write_conflict, writes_wait_their_turn
from registry.core.errors import CONFLICT_MESSAGE
from registry.core.http import (
    CONTENT_SECURITY_POLICY,
    HttpsAwareSessionInterface,
    IdConverter,
    no_store_when_signed_in,
    refuse_nul,
)
from registry.extensions import babel, csrf, db, limiter, login_manager, migrate, talisman

ROOT = Path(__file__).resolve().parent.parent

# The main navigation: (endpoint, label, permissions of which the user needs one; none: public).
# Endpoints take no arguments.
NAV_ENTRIES = [
    ("public.jurisdictions", "责任清单", ()),
    ("public.search", "谁负责？", ()),
    ("complaints.new", "我要举报", ()),
    ("supervision.public_notices", "整改公示", ()),
    ("lists.workbench", "工作台", ("list:read", "department:read")),
    ("reports.home", "年度报告", ("report:read",)),
    ("reports.inbox", "收件箱", ("report:read",)),
    ("complaints.inbox", "举报", ("complaint:read",)),
    ("supervision.home", "整改任务", ("task:read",)),
    ("admin.users", "用户管理", ("admin:users",)),
]


def remember_language() -> None:
    """`?lang=en` on a page switches the session's language as the header's link does, so that the
    links of that page stay in English. The API answers each request in its language, with no session."""
    from flask import current_app

    lang = request.args.get("lang")
    if lang in current_app.config["LANGUAGES"] and session.get("lang") != lang and not request.path.startswith("/api/"):
        session["lang"] = lang


def select_locale() -> str:
    from flask import current_app

    if not has_request_context():  # CLI commands and batch workers: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = request.args.get("lang") or session.get("lang")
    return lang if lang in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config_class: object | str = "config.Config") -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config_class)
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul)
    app.before_request(remember_language)
    app.before_request(writes_wait_their_turn)
    app.after_request(no_store_when_signed_in)
    app.session_interface = HttpsAwareSessionInterface()
    if proxies := app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    db.init_app(app)
    migrate.init_app(app, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories=str(ROOT / "registry" / "translations")
    )
    timezone.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    limits.install(app)  # the 429 answers: JSON for the API, a page saying when to try again
    talisman.init_app(
        app,
        force_https=False,  # nginx terminates TLS and redirects; the app also serves plain HTTP locally
        session_cookie_secure=False,  # HttpsAwareSessionInterface decides, per request
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="strict-origin-when-cross-origin",
    )
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.localize_callback = str  # the lazy message in the request's language, flashed as text
    login_manager.login_message_category = "info"

    _import_models()
    _register_blueprints(app)
    from registry.notify import receivers

    receivers.connect()  # notices (消息) for the events of core.signals, and their e-mail job
    from registry.targets import receivers as target_receivers

    target_receivers.connect()  # indicators follow their lead department through a reorganisation
    _register_error_handlers(app)
    _register_template_helpers(app)

    from registry.cli import registry_cli

    app.cli.add_command(registry_cli)

    from registry.jobs import scheduler

    scheduler.init_app(app)  # the periodic tasks in a thread, where there is no Celery beat
    return app


def _import_models() -> None:
    # Every model module, so that metadata (and Alembic) sees the whole schema.
    import registry.auth.models  # noqa: F401
    import registry.complaints.models  # noqa: F401
    import registry.core.audit  # noqa: F401
    import registry.imports.models  # noqa: F401
    import registry.jobs.models  # noqa: F401
    import registry.jurisdictions.models  # noqa: F401
    import registry.lists.models  # noqa: F401
    import registry.notify.models  # noqa: F401
    import registry.public.models  # noqa: F401
    import registry.reports.models  # noqa: F401
    import registry.supervision.models  # noqa: F401
    import registry.targets.models  # noqa: F401
    import registry.versions.models  # noqa: F401
    import registry.workdays.models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    import registry.public.indicator_api  # noqa: F401  (the indicators' open data, on the API blueprint)
    import registry.public.indicator_views  # noqa: F401  (the public indicator pages, on the public blueprint)
    import registry.public.task_api  # noqa: F401  (the rectification tasks' open data, on the API blueprint)
    import registry.reports.cooperation_views  # noqa: F401  (§7 routes on the reports blueprint)
    import registry.reports.deadline_views  # noqa: F401  (a cycle's deadline in working days, same; reminders)
    import registry.reports.volume_views  # noqa: F401  (汇编 and public attachment routes, same)
    from registry.admin.views import bp as admin_bp
    from registry.auth.views import bp as auth_bp
    from registry.complaints.views import bp as complaints_bp
    from registry.imports.views import bp as imports_bp
    from registry.jobs.views import bp as jobs_bp
    from registry.jurisdictions.views import bp as jurisdictions_bp
    from registry.lists.views import bp as lists_bp
    from registry.notify.views import bp as notify_bp
    from registry.public.api import bp as api_bp
    from registry.public.views import bp as public_bp
    from registry.reports.views import bp as reports_bp
    from registry.supervision.views import bp as supervision_bp
    from registry.targets.environment_views import bp as environment_bp  # the government's yearly report
    from registry.targets.views import bp as targets_bp
    from registry.versions.views import bp as versions_bp
    from registry.workdays.views import bp as workdays_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(complaints_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(jurisdictions_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(lists_bp)
    app.register_blueprint(versions_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(notify_bp)
    app.register_blueprint(workdays_bp)
    app.register_blueprint(targets_bp)
    app.register_blueprint(environment_bp)
    app.register_blueprint(supervision_bp)


def _register_error_handlers(app: Flask) -> None:
    messages = {
        400: "请求有误。",
        403: "您没有权限执行此操作。",
        404: "页面不存在。",
        405: "不支持该请求方式。",
        413: "上传的文件过大。",
        429: "尝试次数过多，请稍后再试。",
        500: "服务器内部错误，请稍后再试。",
    }

    def render_error(code: int, message: str):
        if request.path.startswith("/api/"):
            return jsonify({"error": {"status": code, "message": message}}), code
        return render_template("errors.html", code=code, message=message), code

    for code, message in messages.items():
        app.register_error_handler(code, lambda e, c=code, m=message: render_error(c, _(m)))

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render_error(400, _("表单已过期或缺少安全令牌，请刷新页面后重试。"))

    # Two people changed the same thing at once and the database refused the second change (a unique
    # constraint, a version check, a lock wait it broke off): the second person is told, and nothing of
    # the change is kept. Services lock what they change first (core.db.lock_row), so this is the net
    # under them, not the rule.
    @app.errorhandler(IntegrityError)
    @app.errorhandler(StaleDataError)
    @app.errorhandler(ObjectDeletedError)  # deleted by the other request while this one waited
    def conflict(e):
        db.session.rollback()
        return render_error(409, str(CONFLICT_MESSAGE))

    @app.errorhandler(OperationalError)
    def busy(e):
        if not is_write_conflict(e):
            raise e
        db.session.rollback()
        return render_error(409, _("该记录正被他人修改，您的修改未保存。请稍后重新打开页面再试。"))


def _register_template_helpers(app: Flask) -> None:
    from flask_login import current_user

    from registry.core.names import department_name
    from registry.core.permissions import ROLE_LABELS, Permission, can

    app.jinja_env.tests["user_can"] = lambda permission: can(current_user, Permission(permission))
    i18n.install(app)

    @app.context_processor
    def helpers():
        return {
            "can": can,
            "Permission": Permission,
            "role_labels": ROLE_LABELS,
            "current_locale": i18n.locale_name(),
            "nav_entries": NAV_ENTRIES,
            "has_endpoint": lambda name: name in app.view_functions,
            "department_name": department_name,
        }

    @login_manager.user_loader
    def load_user(user_id: str):
        from registry.auth.models import User

        return db.session.get(User, int(user_id))
