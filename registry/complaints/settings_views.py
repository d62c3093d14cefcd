"""A jurisdiction's complaint deadlines in working days: its office sets them (offices above read)."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.complaints import forms, handling
from registry.complaints.blueprint import bp
from registry.complaints.models import ComplaintSettings
from registry.complaints.views import load_jurisdiction
from registry.core.errors import DomainError
from registry.core.forms import show_error
from registry.core.http import whole_number
from registry.core.permissions import Permission, Role, requires
from registry.extensions import db

# -- a jurisdiction's deadlines ----------------------------------------------------------------------


@bp.route("/manage/<code>/complaints/settings", methods=["GET", "POST"])
@requires(Permission.COMPLAINT_OVERSEE, load_jurisdiction)
def settings(code: str):
    """受理 / 答复 / 延期 in working days for a jurisdiction (and those below without their own)."""
    j = g.target
    current = handling.settings_view(j)
    form = forms.SettingsForm()
    status = 200
    if request.method == "GET":
        for name, value in current.values.items():
            getattr(form, name).data = str(value)
    elif form.validate():
        values = {
            name: whole_number(getattr(form, name).data, low=-1, high=10**6)
            for name in ("accept_days", "reply_days", "extension_days")
        }
        try:
            handling.update_settings(j, current_user, **values)
        except handling.NotAllowed:
            db.session.rollback()
            abort(403)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            status = 400
        else:
            db.session.commit()
            flash(_("举报办理期限已保存，自现在起收到和受理的举报按新期限计算。"), "success")
            return redirect(url_for("complaints.settings", code=j.code))
    else:
        status = 400
    return render_template(
        "complaints/settings.html",
        j=j,
        form=form,
        current=current,
        defaults=ComplaintSettings.DEFAULTS,
        is_office=current_user.role == Role.OFFICE_ADMIN,
    ), status
