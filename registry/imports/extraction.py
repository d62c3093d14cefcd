"""Applying a Mapping (imports.layout) to a Source: the rows planning knows (RawRow per matter,
DutyRow per duty, ListDefaultRow per list-wide rule), by the readers' own extractors."""

from registry.imports import notation, tables
from registry.imports.layout import Mapping, Source
from registry.imports.reading import ListFile


def extract(source: Source, mapping: Mapping) -> ListFile:
    """The ListFile a Source gives under a mapping: a table's rows (tables.extract_table), or numbered
    paragraphs with their inline departments (notation.extract_paragraphs)."""
    if mapping.kind == "paragraphs":
        listfile = notation.extract_paragraphs(source, mapping)
    else:
        listfile = tables.extract_table(source, mapping)
    listfile.layout = "mapped"
    listfile.format = listfile.format or source.format
    listfile.encoding = listfile.encoding or source.encoding
    return listfile
