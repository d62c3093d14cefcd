"""Reading a PDF's text lines and tables in a child process (#14), run as a script by
imports.documents: the PDF on stdin, plain JSON on stdout.

A small PDF can inflate to gigabytes (a decompression bomb) or take minutes to lay out, so the child
runs under limits on its memory and processor time, and the parent waits only so long: a child that
dies or overruns tells the parent the PDF is too large or too complex. Only the standard library and
pdfplumber are imported here (not the application), so the child starts quickly.
"""

import io
import json
import re
import resource
import sys

MEMORY_BYTES = 768 * 1024 * 1024
CPU_SECONDS = 60

# Problems the parent turns into messages: too many pages, a cell too long, not a PDF, damaged.
TOO_MANY_PAGES, CELL_TOO_LONG, INVALID, DAMAGED, TOO_LARGE = "pages", "cell", "invalid", "damaged", "too_large"


class _Refused(Exception):
    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


def extract(data: bytes, max_pages: int, max_cell_chars: int) -> dict:
    """{"lines": [{text, x0, size, gap}], "tables": [{"rows": [[cell]], "columns", "continues"}],
    "characters", "images"}; or {"problem": one of the problems above}."""
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    lines: list[dict] = []
    tables: list[dict] = []
    characters, images = 0, 0
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > max_pages:
                return {"problem": TOO_MANY_PAGES}
            for page in pdf.pages:
                characters += len(page.chars)
                images += len(page.images)
                found = page.find_tables()
                boxes = [t.bbox for t in found]
                outside = page.filter(
                    lambda obj, boxes=boxes: obj.get("object_type") != "char" or not _inside(obj, boxes)
                )
                lines.extend(_text_lines(outside))
                for index, table in enumerate(found):
                    rows = _table_rows(page, table, max_cell_chars)
                    if rows:
                        tables.append(
                            {
                                "rows": rows,
                                "columns": max(len(cells) for cells in rows),
                                "first_on_page": index == 0 and _starts_page(page, table),
                            }
                        )
    except _Refused as e:
        return {"problem": e.problem}
    except MemoryError:
        return {"problem": TOO_LARGE}
    except (PDFSyntaxError, ValueError, KeyError, TypeError, AttributeError) as e:
        return {"problem": TOO_LARGE if _out_of_memory(e) else INVALID}
    except Exception as e:  # pdfminer raises its own kinds on a damaged or encrypted file
        return {"problem": TOO_LARGE if _out_of_memory(e) else DAMAGED}
    return {"lines": lines, "tables": tables, "characters": characters, "images": images}


def _out_of_memory(error: BaseException | None) -> bool:
    """The memory limit was reached (pdfplumber wraps the MemoryError in its own exception)."""
    seen = 0
    while error is not None and seen < 20:
        if isinstance(error, MemoryError):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def _inside(obj, boxes) -> bool:
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


def _starts_page(page, table) -> bool:
    """The table is the first thing on its page (no text above it but a running header)."""
    above = [c for c in page.chars if c["bottom"] < table.bbox[1]]
    return len(above) < 40


# A page's running number: 1, - 1 -, — 2 —, 第 3 页, 第3页 共10页.
_PAGE_NUMBER = re.compile(r"^[-—–－\s]*[0-9]+[-—–－\s]*$|^第\s*[0-9]+\s*页(?:\s*[，,/]?\s*共\s*[0-9]+\s*页)?$")


def _text_lines(page) -> list[dict]:
    """The page's lines of text (not its page number), each with where it starts and its gap to the
    line above."""
    found = []
    previous_bottom = None
    lines = page.extract_text_lines(layout=False, strip=True, return_chars=True)
    heights = sorted(line["bottom"] - line["top"] for line in lines)
    height = (heights[len(heights) // 2] if heights else 0) or 10
    for line in lines:
        text = line["text"].strip()
        if not text or _PAGE_NUMBER.match(text):
            continue
        chars = line.get("chars") or []
        found.append(
            {
                "text": text,
                "x0": line["x0"],
                "size": (chars[0].get("size") if chars else None) or height,
                "gap": previous_bottom is not None and line["top"] - previous_bottom > height * 1.2,
            }
        )
        previous_bottom = line["bottom"]
    return found


def _table_rows(page, table, max_cell_chars: int) -> list[list[str]]:
    """The table's rows as text; a cell a merged cell covers takes that cell's text."""
    extracted = table.extract()
    columns = [c.bbox for c in table.columns] if hasattr(table, "columns") else []
    merged = list(table.cells)
    rows = []
    for row, texts in zip(table.rows, extracted, strict=False):
        cells = []
        for c, text in enumerate(texts):
            if text is None and columns and c < len(columns):
                x = (columns[c][0] + columns[c][2]) / 2
                y = (row.bbox[1] + row.bbox[3]) / 2
                cover = next((b for b in merged if b[0] <= x <= b[2] and b[1] <= y <= b[3]), None)
                text = page.within_bbox(cover).extract_text() if cover else ""
            text = (text or "").replace("\n", "").strip()
            if len(text) > max_cell_chars:
                raise _Refused(CELL_TOO_LONG)
            cells.append(text)
        if any(cells):
            rows.append(cells)
    return rows


def main() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 5))
    max_pages, max_cell_chars = int(sys.argv[1]), int(sys.argv[2])
    data = sys.stdin.buffer.read()
    found = extract(data, max_pages, max_cell_chars)
    sys.stdout.write(json.dumps(found, ensure_ascii=False))


if __name__ == "__main__":
    main()
