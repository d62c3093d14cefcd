"""The English catalogue follows the code: every message the code and templates mark for translation
has an English text with the same placeholders, and no refusal is built as an f-string (which Babel
cannot extract)."""

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "registry" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# As `pybabel extract -k _l -k lazy_gettext` sees them (babel.cfg: registry/**.py and templates/**.html).
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
TRANSLATING = {"_", "_l", "gettext", "lazy_gettext", "ngettext"}


def _extracted() -> dict[str, str]:
    """msgid (the singular, for plurals) → where it was first found."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def catalogue():
    with open(CATALOGUE, "rb") as po:
        return read_po(po)


def _texts(value) -> list[str]:
    return list(value) if isinstance(value, (tuple, list)) else [value]


def test_every_marked_message_has_an_english_text(catalogue):
    extracted = _extracted()
    assert len(extracted) > 500  # the extraction itself worked
    missing = []
    for msgid, where in extracted.items():
        entry = catalogue.get(msgid)
        if entry is None or not all(_texts(entry.string)):
            missing.append(f"{where}: {msgid}")
    assert not missing, f"{len(missing)} messages without an English text:\n" + "\n".join(missing)


def test_labels_looked_up_through_a_variable_have_an_english_text(catalogue, app):
    """Labels kept in dictionaries and translated where they are shown (`_(labels[key])`): Babel cannot
    extract them, so each needs its entry kept by hand."""
    from registry.core.audit import ACTION_LABELS
    from registry.core.permissions import ROLE_LABELS
    from registry.jobs.views import STATE_LABELS as JOB_STATE_LABELS
    from registry.jurisdictions.models import LEVEL_LABELS
    from registry.lists.models import STATUS_LABELS
    from registry.lists.queries import ENTITY_LABELS, FIELD_LABELS
    from registry.reports.models import STATE_LABELS
    from registry.reports.services import EVENT_LABELS
    from registry.reports.views import RECIPIENT_LABELS
    from registry.supervision import models as supervision

    labels = [ACTION_LABELS, ROLE_LABELS, LEVEL_LABELS, STATUS_LABELS, ENTITY_LABELS, FIELD_LABELS]
    labels += [STATE_LABELS, EVENT_LABELS, RECIPIENT_LABELS, JOB_STATE_LABELS]
    labels += [
        supervision.SOURCE_LABELS,
        supervision.PHASE_LABELS,
        supervision.TASK_STATE_LABELS,
        supervision.PROGRESS_LABELS,
        supervision.LEVEL_LABELS,
        supervision.CLOSURE_LABELS,
        supervision.SIGNOFF_LABELS,
        supervision.OBJECTION_LABELS,
        supervision.EVENT_LABELS,
    ]
    missing = sorted({str(v) for d in labels for v in d.values() if not (e := catalogue.get(str(v))) or not e.string})
    assert not missing, f"labels without an English text: {missing}"


def test_translations_keep_the_placeholders(catalogue):
    broken = []
    for entry in catalogue:
        if not entry.id or not entry.string:
            continue
        wanted = {name for msgid in _texts(entry.id) for name in PLACEHOLDER.findall(msgid)}
        for text in _texts(entry.string):
            if lacking := wanted - set(PLACEHOLDER.findall(text)):
                broken.append(f"{_texts(entry.id)[0]} → {text} (lacks {', '.join(sorted(lacking))})")
    assert not broken, "translations that drop a placeholder:\n" + "\n".join(broken)


def _domain_errors(trees: dict[Path, ast.Module]) -> set[str]:
    """DomainError and every class that derives from it, directly or not."""
    names = {"DomainError"}
    while True:
        more = {
            node.name
            for tree in trees.values()
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef)
            and any(
                isinstance(b, ast.Name | ast.Attribute) and ast.unparse(b).split(".")[-1] in names for b in node.bases
            )
        }
        if more <= names:
            return names
        names |= more


def test_no_message_is_an_f_string():
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in (ROOT / "registry").rglob("*.py")}
    errors = _domain_errors(trees)
    found = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.JoinedStr):
                continue
            name = ast.unparse(node.func).split(".")[-1]
            if name in errors or name in TRANSLATING:
                found.append(f'{path.relative_to(ROOT)}:{node.lineno}: {name}(f"…")')
    assert not found, "messages built as f-strings (use _l with named placeholders):\n" + "\n".join(found)
