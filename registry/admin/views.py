"""The system administrator's pages: accounts and the jurisdiction tree."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from registry.admin import services
from registry.admin.forms import ConfirmForm, JurisdictionForm, UserForm
from registry.auth.models import User
from registry.auth.services import create_user, locked_usernames, new_user_problems
from registry.core.db import utcnow
from registry.core.errors import DomainError
from registry.core.forms import choices, show_error, show_problems
from registry.core.http import page_arg
from registry.core.permissions import Permission, requires
from registry.extensions import db
from registry.jurisdictions import queries as jurisdiction_queries
from registry.jurisdictions.services import create_jurisdiction

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50


def _load_user(user_id: int):
    return db.session.get(User, user_id)


def _jurisdiction_choices() -> list[tuple[str, str]]:
    return [(j.code, "　" * depth + f"{j.name}（{j.code}）") for j, depth in jurisdiction_queries.tree()]


def _create(form, action):
    """Run a service that creates a record and commit; on refusal roll back, show why on the form and
    return None."""
    try:
        created = action()
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        return None
    db.session.commit()
    return created


@bp.route("/users")
@requires(Permission.ADMIN_USERS)
def users():
    page = page_arg()
    q = request.args.get("q", "").strip()
    query = select(User).order_by(User.username)
    if q:
        query = query.where(User.username.contains(q) | User.display_name.contains(q))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    return render_template(
        "admin/users.html",
        users=rows,
        page=page,
        pages=pages,
        total=total,
        q=q,
        form=ConfirmForm(),
        locked=locked_usernames([u.username for u in rows], utcnow()),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Permission.ADMIN_USERS)
def new_user():
    form = UserForm()
    form.jurisdiction_code.choices = choices(_jurisdiction_choices())
    valid = form.validate_on_submit()
    if form.is_submitted() and not valid:
        # The service's rules too (a taken name, a department role without its department), so that one
        # submit shows every problem; a field WTForms already flagged keeps its own message.
        problems, _j, _d = new_user_problems(
            username=form.username.data or "",
            password=form.password.data or "",
            role=form.role.data or "",
            jurisdiction_code=form.jurisdiction_code.data or "",
            department_name=form.department_name.data or None,
        )
        show_problems(form, problems)
    if valid:
        user = _create(
            form,
            lambda: create_user(
                username=form.username.data,
                password=form.password.data,
                role=form.role.data,
                jurisdiction_code=form.jurisdiction_code.data,
                department_name=form.department_name.data or None,
                display_name=form.display_name.data or None,
                actor=current_user,
            ),
        )
        if user is not None:
            flash(_("已创建用户 %(name)s。", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@requires(Permission.ADMIN_USERS, _load_user)
def toggle_active(user_id: int):
    user = _load_user(user_id)
    if ConfirmForm().validate_on_submit():
        if user.id == current_user.id:
            flash(_("不能停用自己的账户。"), "error")
        else:
            services.set_active(user, not user.active, actor=current_user)
            db.session.commit()
            flash(_("已更新账户 %(name)s。", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@requires(Permission.ADMIN_USERS, _load_user)
def unlock(user_id: int):
    user = _load_user(user_id)
    if ConfirmForm().validate_on_submit():
        services.unlock(user, actor=current_user)
        db.session.commit()
        flash(_("已解除账户 %(name)s 的锁定。", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/email", methods=["GET", "POST"])
@requires(Permission.ADMIN_USERS, _load_user)
def user_email(user_id: int):
    """The address a user's notices are e-mailed to (registry.notify); the user can change it too."""
    from registry.notify import services as notify_services
    from registry.notify.forms import EmailForm

    user = _load_user(user_id)
    form = EmailForm(data={"email": user.email or ""})
    if form.validate_on_submit():
        try:
            changed = notify_services.set_email(user, form.email.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            if changed:
                flash(_("已更新账户 %(name)s 的电子邮件地址。", name=user.username), "success")
            return redirect(url_for("admin.users", q=user.username))
    return render_template("admin/user_email.html", form=form, user=user)


@bp.route("/jurisdictions", methods=["GET", "POST"])
@requires(Permission.ADMIN_JURISDICTIONS)
def jurisdictions():
    form = JurisdictionForm()
    form.parent_code.choices = choices([("", _("（无上级）")), *_jurisdiction_choices()])
    if form.validate_on_submit():
        created = _create(
            form,
            lambda: create_jurisdiction(
                code=form.code.data,
                name=form.name.data,
                level=form.level.data,
                parent_code=form.parent_code.data or None,
                actor=current_user,
            ),
        )
        if created is not None:
            flash(_("已创建行政区划 %(name)s。", name=form.name.data), "success")
            return redirect(url_for("admin.jurisdictions"))
    return render_template("admin/jurisdictions.html", form=form, tree=jurisdiction_queries.tree())
