"""List-wide rules (全清单适用): the office corrects one's text and territorial implementers, or
deletes one (after a confirmation). Linked from the working list's matters page, where they show."""

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField

from registry.core.forms import show_problems
from registry.core.permissions import Permission, requires
from registry.extensions import db
from registry.lists import forms
from registry.lists.models import ALL_LOWER, ListDefault
from registry.lists.services import defaults as services
from registry.lists.territorial import territorial_plain
from registry.lists.views.blueprint import bp
from registry.lists.views.common import _attempt


class DefaultForm(FlaskForm):
    # Checked by the service (so that every problem shows next to its field at once).
    text = TextAreaField(_l("规定内容"), description=_l("如“以下事项均需各县（市、区）人民政府落实，不再列出。”"))
    territorial = forms.CheckboxesField(_l("属地落实"), validate_choice=False)
    seen = HiddenField()  # what the user saw (services.defaults.fingerprint)


class DeleteDefaultForm(FlaskForm):
    seen = HiddenField()


def _default(default_id: int) -> ListDefault | None:
    return db.session.get(ListDefault, default_id)


def _back(default: ListDefault) -> str:
    return url_for(".matters", code=default.scope_jurisdiction.code) + "#defaults-heading"


def _gone(default_id: int, back: str):
    """Deleted by someone else while this page was open: say so rather than show a rule that is no more."""
    if db.session.get(ListDefault, default_id) is not None:
        return None
    flash(_("该规定已被他人删除。"), "error")
    return redirect(back)


@bp.route("/defaults/<int:default_id>/edit", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _default)
def default_edit(default_id: int):
    default = g.target
    j, back = default.scope_jurisdiction, _back(default)
    form = DefaultForm(
        data={
            "text": default.text,
            "territorial": list(default.territorial or ()),
            "seen": services.fingerprint(default),
        }
    )
    lower = [(c.code, _("%(name)s人民政府", name=c.name)) for c in j.children]
    form.territorial.choices = forms.choices([(ALL_LOWER, _("各下级人民政府（全部下级）"))] + lower)
    if form.validate_on_submit():
        territorial = list(form.territorial.data or [])
        problems = services.default_problems(j, form.text.data or "", territorial)
        if problems:
            show_problems(form, problems)
        elif _attempt(
            form,
            lambda: services.update_default(
                default, text=form.text.data, territorial=territorial, seen=form.seen.data or None, actor=current_user
            ),
        ):
            flash(_("已保存全清单适用的规定。"), "success")
            return redirect(back)
        elif gone := _gone(default_id, back):
            return gone
    return render_template("lists/default_form.html", j=j, form=form, default=default, back=back)


@bp.route("/defaults/<int:default_id>/delete", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _default)
def default_delete(default_id: int):
    default = g.target
    j = default.scope_jurisdiction
    back = _back(default)
    form = DeleteDefaultForm(data={"seen": services.fingerprint(default)})
    if form.validate_on_submit():
        if _attempt(form, lambda: services.delete_default(default, seen=form.seen.data or None, actor=current_user)):
            flash(_("已删除全清单适用的规定。"), "success")
            return redirect(back)
        if gone := _gone(default_id, back):
            return gone
        form.seen.data = services.fingerprint(default)  # the page now shows the rule as it is
    return render_template(
        "lists/default_delete.html",
        j=j,
        form=form,
        default=default,
        territorial=territorial_plain(default.territorial),
        back=back,
    )
