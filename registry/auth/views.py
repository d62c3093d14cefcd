from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from registry.auth.forms import LoginForm
from registry.auth.services import begin_login, finish_login
from registry.core.forms import show_error
from registry.core.http import safe_next
from registry.core.permissions import public
from registry.extensions import db, limiter

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 200,  # a failed login shows the form again
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("lists.workbench"))
    form = LoginForm()
    if form.validate_on_submit():
        # The attempt is counted and committed before the password is checked (begin_login).
        slot = begin_login(form.username.data.strip(), (request.remote_addr or "unknown")[:64])
        db.session.commit()
        result = finish_login(
            slot,
            form.password.data,
            max_failures=current_app.config["LOGIN_MAX_FAILURES"],
            lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"],
        )
        db.session.commit()
        if result.user is None:
            show_error(form, result.error)
        else:
            login_user(result.user)
            flash(_("欢迎，%(name)s。", name=result.user.display_name), "success")
            return redirect(safe_next("lists.workbench"))  # the 工作台 unless a page asked to come back
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
@public
def logout():
    logout_user()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("jurisdictions.home"))
