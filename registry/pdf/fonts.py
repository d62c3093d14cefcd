"""The report PDFs' typefaces, cut down to the characters documents use.

WeasyPrint reads every font it draws with into memory whole, and a Noto CJK collection is 19–27 MB
(all of Chinese, Japanese and Korean in five regional variants): a report set in 仿宋-style serif,
its bold for the title and 黑体 for headings held ≈ 70 MB of font files per render. `make run`,
`make test` and `make bench` therefore cut the simplified-Chinese faces down to GB 2312 (the 6,763
characters of nearly every official text) plus Latin, punctuation and the symbols lists use, with
HarfBuzz's `hb-subset` (Debian libharfbuzz-bin, well under a second a face), under families of their
own:

    Registry Serif GB (Regular, Bold) ← Noto Serif CJK SC      Registry Sans GB ← Noto Sans CJK SC

The stylesheet names them first and the full Noto faces after them, so a character outside the cut
(a rare character in a name) is still drawn, by the full face, which is then loaded as before.
`install()` points fontconfig at them (FONTCONFIG_FILE, which includes the system configuration)
before WeasyPrint starts; without them (setup not run) the full faces are used and nothing breaks.

    python -c 'from registry.pdf import fonts; fonts.build()'     # what make runs (build/fonts/fonts.conf)
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = ROOT / "build" / "fonts"

# (family of the cut face, style, the fontconfig pattern of its source face)
FACES = (
    ("Registry Serif GB", "Regular", "Noto Serif CJK SC:style=Regular"),
    ("Registry Serif GB", "Bold", "Noto Serif CJK SC:style=Bold"),
    ("Registry Sans GB", "Regular", "Noto Sans CJK SC:style=Regular"),
)

# Beside GB 2312: Latin with accents, general punctuation, letterlike symbols (℃), number forms
# (Ⅰ Ⅱ), arrows, mathematical operators (≥ ≤), enclosed numbers (①), box drawing and shapes, CJK
# punctuation, fullwidth forms, and μ ³ ² of units.
EXTRA_RANGES = (
    (0x0020, 0x024F),
    (0x0370, 0x03FF),
    (0x2000, 0x206F),
    (0x2100, 0x218F),
    (0x2190, 0x22FF),
    (0x2460, 0x24FF),
    (0x2500, 0x25FF),
    (0x3000, 0x303F),
    (0xFF00, 0xFFEF),
)
CONF = "fonts.conf"


def characters() -> str:
    """GB 2312 and EXTRA_RANGES, as text (what hb-subset keeps)."""
    chars = {chr(c) for start, end in EXTRA_RANGES for c in range(start, end + 1)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # the unassigned codes
                chars.add(bytes((high, low)).decode("gb2312"))
    return "".join(sorted(chars))


def _source(pattern: str) -> tuple[str, int]:
    """The file and face index fontconfig gives for a pattern (the SC face of a Noto collection)."""
    out = subprocess.run(
        ["fc-match", "--format=%{file}\n%{index}", pattern], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    return out[0], int(out[1] or 0)


def _rename(path: Path, family: str, style: str) -> None:
    """Give a cut face its own family name, so fontconfig never confuses it with the full face."""
    from fontTools.ttLib import TTFont

    font = TTFont(path)
    full, postscript = f"{family} {style}", f"{family}-{style}".replace(" ", "")
    names = {1: family, 2: style, 3: postscript, 4: full, 6: postscript, 16: family, 17: style}
    for record in font["name"].names:
        if record.nameID in names:
            record.string = names[record.nameID]
    font.save(path)


def build(target: Path = DEFAULT_DIR) -> list[Path]:
    """Cut every face of FACES into `target` with a fonts.conf that adds them to the system's."""
    hb_subset = shutil.which("hb-subset")
    if hb_subset is None:
        raise SystemExit("hb-subset 不存在：请安装 Debian 软件包 libharfbuzz-bin（make system-deps 会安装）。")
    target.mkdir(parents=True, exist_ok=True)
    built = []
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as text:
        text.write(characters())
        text.flush()
        for family, style, pattern in FACES:
            source, index = _source(pattern)
            if "Noto" not in Path(source).name:
                raise SystemExit(f"找不到 {pattern}（fc-match 给出 {source}）：请安装 fonts-noto-cjk。")
            path = target / f"{family}-{style}.otf".replace(" ", "")
            subprocess.run(
                [hb_subset, f"--font-file={source}", f"--face-index={index}", f"--text-file={text.name}",
                 f"--output-file={path}"],
                check=True,
            )  # fmt: skip
            _rename(path, family, style)
            built.append(path)
    (target / CONF).write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{target.resolve()}</dir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return built


def install() -> None:
    """Point this process's fontconfig at the cut faces (PDF_FONTS_DIR, default build/fonts) before
    WeasyPrint first draws text, unless they were not built or the administrator set FONTCONFIG_FILE."""
    conf = Path(os.environ.get("PDF_FONTS_DIR") or DEFAULT_DIR) / CONF
    if conf.exists():
        os.environ.setdefault("FONTCONFIG_FILE", str(conf.resolve()))
