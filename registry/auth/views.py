from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from registry.auth.forms import LoginForm
from registry.auth.services import authenticate
from registry.core.permissions import public
from registry.extensions import db

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("jurisdictions.home"))
    form = LoginForm()
    if form.validate_on_submit():
        result = authenticate(
            form.username.data,
            form.password.data,
            max_failures=current_app.config["LOGIN_MAX_FAILURES"],
            lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"],
        )
        db.session.commit()
        if result.user is None:
            form.password.errors.append(_(result.error))
        else:
            login_user(result.user)
            flash(_("欢迎，%(name)s。", name=result.user.display_name), "success")
            target = request.args.get("next", "")
            # Only same-site relative paths: never redirect off the site.
            if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
                target = url_for("jurisdictions.home")
            return redirect(target)
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
@public
def logout():
    logout_user()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("jurisdictions.home"))
