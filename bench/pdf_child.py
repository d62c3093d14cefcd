"""`python -m bench.pdf_child DATABASE_URL REPORT_ID`: render one report in a fresh process and print
its peak resident set (VmHWM) as JSON — the memory a web or batch worker needs for one render."""

import json
import os
import sys
from pathlib import Path


def _kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def main() -> None:
    url, report_id = sys.argv[1], int(sys.argv[2])
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench")
    from registry import create_app
    from registry.extensions import db
    from registry.reports.models import AnnualReport
    from registry.reports.rendering import render_report

    app = create_app()
    with app.app_context():
        before = _kb("VmHWM")
        pdf = render_report(db.session.get(AnnualReport, report_id), draft=False)
    print(
        json.dumps(
            {
                "peak_rss_mb": round(_kb("VmHWM") / 1024, 1),
                "rss_before_render_mb": round(before / 1024, 1),
                "pdf_bytes": len(pdf),
            }
        )
    )


if __name__ == "__main__":
    main()
