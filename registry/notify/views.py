"""The 消息 pages: a user's inbox (only their own notices), opening one (the inbox's form marks it read
and goes to its page), marking all read, and their notice settings (/account/notifications). Also the header's
unread count, for signed-in users only."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.core.errors import DomainError
from registry.core.forms import show_error
from registry.core.http import paginate
from registry.core.permissions import Permission, requires
from registry.extensions import db
from registry.notify import KINDS, mail_configured, queries, services
from registry.notify.forms import KIND_PREFIX, ConfirmForm, settings_form

bp = Blueprint("notify", __name__)
PER_PAGE = 20


@bp.app_context_processor
def _header_helpers():
    return {"unread_notices": unread_notices}


def unread_notices() -> int:
    """The signed-in user's unread count, once per request (0 for anybody not signed in: the public
    caches keep only anonymous pages, which therefore never carry anybody's count)."""
    if not current_user.is_authenticated:
        return 0
    cache = request.environ  # this request's (an application context may serve several, as in tests)
    if "registry.unread_notices" not in cache:
        cache["registry.unread_notices"] = queries.unread_count(current_user.id)
    return cache["registry.unread_notices"]


def _safe_target(url: str) -> str | None:
    """A notice's page when it is a path on this site (notices store paths), else None."""
    if url.startswith("/") and not url.startswith("//") and not any(c < " " or c in "\\\x7f" for c in url):
        return url
    return None


@bp.route("/messages")
@requires(Permission.ACCOUNT)  # scope: the user's own notices only (queries.inbox)
def inbox():
    page = paginate(queries.inbox(current_user), per_page=PER_PAGE)
    return render_template(
        "notify/inbox.html",
        page=page,
        kinds=KINDS,
        form=ConfirmForm(),
        unread=unread_notices(),
        many=queries.UNREAD_SHOWN,
    )


@bp.route("/messages/<int:notice_id>", methods=["GET", "POST"])
@requires(Permission.ACCOUNT)  # scope: the user's own notice; anybody else's is a 404
def open_notice(notice_id: int):
    """Go to the notice's page. Marked read only by the inbox's form (a POST with its CSRF token): a
    link or an image on another site, which can only GET, changes nothing."""
    notice = queries.own_notice(current_user, notice_id)
    if notice is None:
        abort(404)
    target = _safe_target(notice.url)
    if request.method == "POST" and ConfirmForm().validate_on_submit():
        services.mark_read(notice)
        db.session.commit()
    # notices keep paths within the site (notify.path_for): under a prefix (SCRIPT_NAME), add it
    return redirect(request.script_root + target if target else url_for("notify.inbox"))


@bp.route("/messages/read-all", methods=["POST"])
@requires(Permission.ACCOUNT)  # scope: the user's own notices
def read_all():
    if ConfirmForm().validate_on_submit():
        count = services.mark_all_read(current_user)
        db.session.commit()
        flash(_("已将 %(n)s 条消息标为已读。", n=count) if count else _("没有未读消息。"), "success")
    else:
        flash(_("表单已过期或缺少安全令牌，请刷新页面后重试。"), "error")
    return redirect(url_for("notify.inbox"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@requires(Permission.ACCOUNT)  # scope: the signed-in user's own settings
def settings():
    chosen = services.emailed_kinds(current_user)
    form = settings_form(data={"email": current_user.email or "", **{KIND_PREFIX + k: k in chosen for k in KINDS}})
    if form.validate_on_submit():
        try:
            services.save_settings(
                current_user._get_current_object(),  # the user row itself (the audit entry names its table)
                email=form.email.data,
                kinds=[k for k in KINDS if form[KIND_PREFIX + k].data],
                actor=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("已保存消息提醒设置。"), "success")
            return redirect(url_for("notify.settings"))
    return render_template(
        "notify/settings.html",
        form=form,
        kinds=KINDS,
        kind_prefix=KIND_PREFIX,
        mail_configured=mail_configured(),
        site_url=current_app.config.get("SITE_URL"),
    )
