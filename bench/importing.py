"""Import throughput: a generated 100k-row XLSX list imported through the project's import service
(`plan_import` reads and validates every row, `apply_import` writes matters, assignments, citations and
audit entries), committed, into a fresh jurisdiction with 40 departments, by an office account of that
jurisdiction (as in the application, every audit entry names the user).

The same list is imported twice, as two programs write it: as Excel and WPS save a workbook (one
table of shared strings, the text in UTF-8: 36 MB of XML, written here with XlsxWriter) — the file an
office uploads, and the figure the target is read on — and as openpyxl writes it (each cell's text
inline, every Chinese character escaped as &#…;: 99 MB of XML, which takes longer to read).
"""

import csv
import io
import random
import time

from openpyxl import Workbook

from bench import generate
from bench.databases import DATA
from registry.extensions import db

ROWS = 100_000


def _table(departments, rows: int, seed: int) -> list[list[str]]:
    """The list's cells, from the same generator as the bench data."""
    csv_bytes = generate.matters_csv(None, departments, rows, random.Random(seed))
    return list(csv.reader(io.StringIO(csv_bytes.decode("utf-8"))))


def xlsx(departments, rows: int, seed: int = 5) -> bytes:
    """The list as openpyxl writes an .xlsx workbook (inline strings)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("清单")
    for row in _table(departments, rows, seed):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def excel_xlsx(departments, rows: int, seed: int = 5) -> bytes:
    """The list as Excel saves an .xlsx workbook (shared strings, UTF-8), written with XlsxWriter."""
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    ws = wb.add_worksheet("清单")
    for number, row in enumerate(_table(departments, rows, seed)):
        ws.write_row(number, 0, row)
    wb.close()
    return out.getvalue()


PRODUCERS = {"excel": ("as Excel saves it", excel_xlsx), "openpyxl": ("as openpyxl writes it", xlsx)}


def run(rows: int = ROWS, *, log=print) -> dict:
    """The import of the file as Excel saves it, and (under "openpyxl") of the same list as openpyxl
    writes it."""
    stats = run_one("excel", rows, log=log)
    stats["openpyxl"] = run_one("openpyxl", rows, log=log)
    return stats


def run_one(producer: str, rows: int = ROWS, *, log=print) -> dict:
    from registry.imports.planning import apply_import, plan_import
    from registry.imports.reading import read_list_file

    label, build = PRODUCERS[producer]

    code = generate.free_province_code(range(89, 70, -1))  # rerun on kept data
    jurisdiction, departments = generate.province_with_departments(code, f"导入基准{code[:2]}省")
    office = generate.office_user(jurisdiction, f"bench-office-{code}", "bench-office")
    db.session.commit()
    # The file depends only on the department names and the seed: built once, kept in bench/data/.
    cached = DATA / f"import-{rows}-{len(departments)}{'' if producer == 'openpyxl' else '-' + producer}.xlsx"
    if cached.exists():
        data = cached.read_bytes()
    else:
        t0 = time.perf_counter()
        data = build(departments, rows)
        cached.write_bytes(data)
        log(f"  built {rows:,}-row XLSX {label} ({len(data) / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    parsed = read_list_file(data, "bench.xlsx")
    read_s = time.perf_counter() - t0
    del parsed

    t0 = time.perf_counter()
    plan = plan_import(jurisdiction, data, "bench.xlsx")
    t1 = time.perf_counter()
    if not plan.ok:
        raise RuntimeError(f"generated XLSX does not import: {plan.errors[:3]}")
    result = apply_import(plan, office)
    t2 = time.perf_counter()
    db.session.commit()
    t3 = time.perf_counter()
    total = t3 - t0
    stats = {
        "file": label,
        "rows": rows,
        "created": result.created,
        "xlsx_mb": round(len(data) / 1e6, 2),
        "read_xlsx_s": round(read_s, 2),
        "plan_s": round(t1 - t0, 2),
        "apply_s": round(t2 - t1, 2),
        "commit_s": round(t3 - t2, 2),
        "total_s": round(total, 2),
        "rows_per_s": round(rows / total, 1),
    }
    log(
        f"  import {rows:,} rows {label}: {stats['rows_per_s']:,.0f} rows/s (plan {stats['plan_s']} s incl. reading"
        f" {stats['read_xlsx_s']} s, apply {stats['apply_s']} s, commit {stats['commit_s']} s)"
    )
    return stats
