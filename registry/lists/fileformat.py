"""The list spreadsheet format (DESIGN.md "List import format"), which the import reads and the export
writes: the header and how a cell of legal basis is written and read."""

import functools
import re
from typing import NamedTuple

HEADER = ("序号", "事项类别", "具体事项", "牵头部门", "配合部门", "责任内容", "依据")
# The export adds the roles and dates real lists carry (#14) after the import header; the import
# reads them back (imports.reading.HEADER_ALIASES).
EXTRA_HEADER = ("共同牵头部门", "属地落实", "完成时限")
EXPORT_HEADER = HEADER + EXTRA_HEADER

BASIS_SEPARATORS = re.compile(r"[；;\r\n]+")
# A document number in brackets: （环督察〔2022〕58号）.
_DOC_NUMBER = re.compile(r"^[（(]([^）)]*)[）)]")
_TRAILING_DOC_NUMBER = re.compile(r"[（(]([^（()）]*[〔\[][^（()）]*号)[）)]$")


class Basis(NamedTuple):
    title: str
    doc_number: str
    article: str

    @property
    def text(self) -> str:
        """As written in a spreadsheet cell: 《标题》（文号）第X条."""
        number = f"（{self.doc_number}）" if self.doc_number else ""
        return f"《{self.title}》{number}{self.article}"

    @property
    def label(self) -> str:
        """As Citation.label shows it (the audit log's wording)."""
        number = f"（{self.doc_number}）" if self.doc_number else ""
        return f"《{self.title}》{self.article}{number}"


def parse_basis(text: str) -> list[Basis]:
    """《标题》第X条 items separated by ；/; or line breaks; a 文号 in brackets after the title."""
    return list(_parse_basis(text or ""))


@functools.lru_cache(maxsize=4096)
def _parse_basis(text: str) -> tuple[Basis, ...]:
    result = []
    for item in BASIS_SEPARATORS.split(text):
        item = item.strip()
        if not item:
            continue
        parts = re.findall(r"《([^》]*)》([^《]*)", item)
        if not parts:
            result.append(_basis_from(item.strip("《》"), ""))
            continue
        for title, rest in parts:
            result.append(_basis_from(title, rest))
    return tuple(result)


def _basis_from(title: str, rest: str) -> Basis:
    rest = rest.strip().rstrip("，,。")
    doc_number = ""
    if m := _DOC_NUMBER.match(rest):
        doc_number, rest = m.group(1).strip(), rest[m.end() :].strip()
    elif m := _TRAILING_DOC_NUMBER.search(rest):
        doc_number, rest = m.group(1).strip(), rest[: m.start()].strip()
    return Basis(title.strip(), doc_number, rest)


def format_basis(items: list[Basis]) -> str:
    return "；".join(b.text for b in items)
