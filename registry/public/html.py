"""The public HTML written in Python: the rows of long lists of matters (a jurisdiction page's 200
matters, a department's hundreds, search results). Jinja spent ≈ 50 µs on each matter's macro, half
of a 200-matter page's server time; these write the same markup with one escape per value (≈ 12 µs).
`tests/public/test_matter_items.py` holds the markup to what the pages showed before."""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from jinja2.filters import do_truncate
from markupsafe import Markup, escape

DESCRIPTION_LENGTH = 120


@lru_cache(maxsize=8192)
def _link(root: str, department_id: int, name: str) -> str:
    # A page names the same few dozen departments over and over: each link is written once.
    return f'<a href="{root}/departments/{int(department_id)}">{escape(name)}</a>'


def _links(parties: list[dict[str, Any]], root: str) -> str:
    return "、".join(_link(root, p["id"], p["name"]) for p in parties)


def _territorial(items: list[dict[str, Any]]) -> str:
    return "、".join(
        escape(_("各下级人民政府") if t["code"] == "*" else _("%(name)s人民政府", name=t["name"])) for t in items
    )


def matter_item(
    m: dict[str, Any], labels: dict[str, str], show_place: bool = False, heading: str = "h3", root: str | None = None
) -> Markup:
    """One matter as a list item (title, category, status, lead, co-leads, cooperating departments,
    属地落实, 完成时限, the description's first 120 characters)."""
    return Markup(_item(m, _Words.of(labels, request.script_root if root is None else root), show_place, heading))


def matter_items(items: list[dict[str, Any]], labels: dict[str, str], **options: Any) -> Markup:
    """The list items of these matters (matter_item each)."""
    words = _Words.of(labels, request.script_root)
    return Markup("".join(_item(m, words, **options) for m in items))


@dataclass(frozen=True)
class _Words:
    """What every item of a list writes the same way, escaped once per list rather than per item."""

    root: str
    colon: str
    lead: str
    co_leads: str
    cooperating: str
    pending: str
    territorial: str
    deadline: str
    jinja: Any

    @classmethod
    def of(cls, labels: dict[str, str], root: str) -> "_Words":
        colon = escape(labels["colon"])
        return cls(
            root=root,
            colon=colon,
            lead=f"<strong>{escape(labels['lead'])}{colon}</strong>",
            co_leads=f"<br><strong>{escape(_('共同牵头'))}{colon}</strong>",
            cooperating=f"<br><strong>{escape(labels['cooperating'])}{colon}</strong>",
            pending=f'<span class="muted">{escape(labels["pending"])}</span>',
            territorial=f"{escape(_('属地落实'))}{colon}",
            deadline=f"{escape(_('完成时限'))}{colon}",
            jinja=current_app.jinja_env,
        )


def _item(m: dict[str, Any], w: _Words, show_place: bool = False, heading: str = "h3") -> str:
    root = w.root
    tags = f'<span class="tag">{escape(m["category"])}</span>'
    if m["status"] != "assigned":
        tags += f' <span class="tag warn">{escape(_(m["status_label"]))}</span>'
    if show_place:
        tags += f" {escape(m['jurisdiction']['name'])} · {escape(m['version'])}"
    if m["lead"]:
        lead = _link(root, m["lead"]["id"], m["lead"]["name"])
    elif m.get("delegated_to"):
        lead = escape(_("交由%(name)s研究明确", name=m["delegated_to"]["name"]))
    else:
        lead = w.pending
    # f-strings throughout: a str plus a Markup would escape the str
    parties = f"{w.lead}{lead}"
    if m.get("co_leads"):
        parties += f"{w.co_leads}{_links(m['co_leads'], root)}"
    if m["cooperating"]:
        parties += f"{w.cooperating}{_links(m['cooperating'], root)}"
    parts = [
        f'<li><{heading}><a href="{root}/matters/{int(m["id"])}">{escape(m["title"])}</a></{heading}>'
        f'<p class="muted">{tags}</p><p>{parties}</p>'
    ]
    territorial, deadline = m.get("territorial"), m.get("deadline")
    if territorial or deadline:
        facts = []
        if territorial:
            facts.append(f"{w.territorial}{_territorial(territorial)}")
        if deadline:
            facts.append(f"{w.deadline}{escape(deadline['text'])}")
        parts.append(f'<p class="muted">{" · ".join(facts)}</p>')
    if m["description"]:
        parts.append(f"<p>{escape(do_truncate(w.jinja, m['description'], DESCRIPTION_LENGTH))}</p>")
    parts.append("</li>")
    return "".join(parts)


def matter_rows(items: list[dict[str, Any]], third: str, none_text: str) -> Markup:
    """Table rows of matters (具体事项, 类别, then the lead department or the cooperating ones, as
    `third` says); `none_text` when that cell has nobody."""
    root = request.script_root
    none = f'<span class="muted">{escape(none_text)}</span>'
    rows = []
    for m in items:
        parties = [m["lead"]] if third == "lead" and m["lead"] else m["cooperating"] if third == "cooperating" else []
        rows.append(
            f'<tr><td><a href="{root}/matters/{int(m["id"])}">{escape(m["title"])}</a></td>'
            f"<td>{escape(m['category'])}</td><td>{_links(parties, root) if parties else none}</td></tr>"
        )
    return Markup("".join(rows))
