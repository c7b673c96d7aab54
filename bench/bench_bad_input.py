"""Benchmark: how fast, and with how much memory, bad input is refused (issue 8).

Generates in a temporary folder (nothing large is kept in the repository):

``bomb.xlsx``
    a header and 10,000,000 identical rows of 5 cells without cell references: 50 million
    cells, about 3 MB packed and 0.9 GB unpacked (the kind of file reported in issue 8);
``far.xlsx``
    two cells, A1 and XFD1048576: 1.5 KB, for which the Excel reader asks for 17 billion cells;
``forged.xlsx``
    ``bomb.xlsx`` whose sheet declares 100 MB unpacked (passing the size and packing checks)
    while it unpacks to 0.9 GB;
``norefs.xlsx``
    a header and 6,000,000 rows of 5 varying numbers without cell references (30 million
    cells, packed about 20 times smaller, so within the packing limit): the slowest path of the
    check, which counts such rows one by one;
``wide.csv``
    10,000 columns and 1,000 rows;
``text.parquet``
    1,200,000 rows of one repeated 2,000-character text: 0.4 MB, 2.3 GB as text;
``survey.xlsx``
    an ordinary survey of 100,000 rows × 50 columns with cell references (5 million cells), to
    time the checks on a file that is accepted.

Each file goes, in a child process of its own, through the upload step
(:func:`ikoe.ingest.survey.read_header`) and through the import's reader
(:func:`ikoe.ingest.survey.read_survey`); the child prints its seconds, its peak resident
memory (``ru_maxrss``) and the outcome. Figures go to ``docs/performance.md``.

Usage::

    .venv/bin/python bench/bench_bad_input.py
    .venv/bin/python bench/bench_bad_input.py --tree /tmp/ikoe-before   # another source tree

``--tree`` runs the children against another checkout (for example ``git archive`` of an older
commit unpacked somewhere) for before/after figures. ``--memory-limit-gb`` (default 8) caps the
address space of every child, so that a reader that runs away fails instead of taking the
machine with it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Befragung" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_END = b"</sheetData></worksheet>"


def letters(number: int) -> str:
    text = ""
    while number:
        number, rest = divmod(number - 1, 26)
        text = chr(65 + rest) + text
    return text


def write_workbook(path: Path, pieces: Any) -> None:
    """A workbook whose first sheet's XML is streamed from ``pieces`` (bytes)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:  # all under 2 GB
            sheet.write(SHEET_START)
            for piece in pieces:
                sheet.write(piece)
            sheet.write(SHEET_END)


def header(names: list[str]) -> bytes:
    cells = "".join(
        f'<c r="{letters(i + 1)}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for i, name in enumerate(names)
    )
    return f'<row r="1">{cells}</row>'.encode()


def identical_rows(rows: int, block: int = 100_000) -> Any:
    yield header(["organisation", "german", "born_abroad", "gender", "age_group"])
    chunk = (b"<row>" + b"<c><v>1</v></c>" * 5 + b"</row>") * block
    for _ in range(rows // block):
        yield chunk


def rows_without_references(rows: int, block: int = 10_000) -> Any:
    yield header(["organisation", "german", "born_abroad", "gender", "age_group"])
    for start in range(0, rows, block):
        yield "".join(
            "<row>"
            + "".join(f"<c><v>{(r * 7919 + c * 104729) % 100_003}</v></c>" for c in range(5))
            + "</row>"
            for r in range(start, start + block)
        ).encode()


def survey_rows(rows: int, columns: int) -> Any:
    names = ["organisation", "german", "born_abroad"] + [
        f"frage_{i}" for i in range(4, columns + 1)
    ]
    yield header(names)
    batch: list[str] = []
    for r in range(2, rows + 2):
        cells = [
            f'<c r="A{r}" t="inlineStr"><is><t>A-{r % 7}</t></is></c>',
            f'<c r="B{r}" t="inlineStr"><is><t>{"ja" if r % 3 else "nein"}</t></is></c>',
            f'<c r="C{r}" t="inlineStr"><is><t>{"nein" if r % 4 else "ja"}</t></is></c>',
        ]
        cells += [f'<c r="{letters(c)}{r}"><v>{(r * c) % 5}</v></c>' for c in range(4, columns + 1)]
        batch.append(f'<row r="{r}">{"".join(cells)}</row>')
        if len(batch) == 5000:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()


def forge_declared_size(source: Path, target: Path, member: str, size: int) -> None:
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo(member)
    struct.pack_into("<L", data, info.header_offset + 22, size)
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == member.encode():
            struct.pack_into("<L", data, at + 24, size)
        at += 4
    target.write_bytes(bytes(data))


def generate(work: Path) -> dict[str, float]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    clock = time.perf_counter()
    write_workbook(work / "bomb.xlsx", identical_rows(10_000_000))
    far = [header(["organisation"]), b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>']
    write_workbook(work / "far.xlsx", far)
    write_workbook(work / "small-bomb.xlsx", identical_rows(1_000_000))
    write_workbook(work / "norefs.xlsx", rows_without_references(6_000_000))
    forge_declared_size(
        work / "bomb.xlsx", work / "forged.xlsx", "xl/worksheets/sheet1.xml", 100 * 1024 * 1024
    )
    with (work / "wide.csv").open("w", encoding="utf-8") as out:
        out.write(";".join(["organisation", *(f"frage_{i}" for i in range(1, 10_000))]) + "\n")
        line = ";".join(["A-1", *(["ja"] * 9_999)]) + "\n"
        for _ in range(1000):
            out.write(line)
    text = pa.DictionaryArray.from_arrays(
        pa.array([0] * 1_200_000, pa.int32()), pa.array(["x" * 2000])
    )
    pq.write_table(pa.table({"organisation": text}), work / "text.parquet", compression="zstd")
    write_workbook(work / "survey.xlsx", survey_rows(100_000, 50))
    sizes = {p.name: p.stat().st_size / 1e6 for p in sorted(work.iterdir()) if p.is_file()}
    return {"seconds": time.perf_counter() - clock, **sizes}


# ---------------------------------------------------------------------------------------------
# One measurement per child process


def child(args: argparse.Namespace) -> None:
    sys.path.insert(0, args.tree)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikoe.settings")
    os.environ["IKOE_DATA_DIR"] = str(Path(args.work) / "data")
    import django
    from django.utils import translation

    django.setup()
    translation.activate("en")
    from ikoe.errors import ImportFailed
    from ikoe.ingest.survey import read_header, read_survey

    path = Path(args.work) / args.file
    codes = [f"A-{i}" for i in range(7)]
    clock = time.perf_counter()
    try:
        if args.step == "header":
            found, fmt = read_header(path)
            outcome = f"accepted: {len(found)} headings ({fmt})"
        else:
            survey = read_survey(path, organisation_codes=codes, current_year=2026)
            outcome = f"accepted: {survey.data.height:,} rows"
    except ImportFailed as exc:
        outcome = "refused: " + exc.problems[0].message
    seconds = time.perf_counter() - clock
    result = {
        "seconds": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "outcome": outcome,
        "load": os.getloadavg()[0],
    }
    print("RESULT " + json.dumps(result))


def run_child(args: argparse.Namespace, work: Path, step: str, file: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--step", step, "--work", str(work), "--file", file]
    command += ["--tree", str(args.tree)]
    limit = int(args.memory_limit_gb * 1024**3)

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    clock = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, preexec_fn=cap)
    elapsed = time.perf_counter() - clock
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        last = (proc.stderr.strip().splitlines() or ["?"])[0][:120]
        return {
            "seconds": elapsed,
            "peak_mb": None,
            "outcome": f"process died (exit {proc.returncode}): {last}",
        }
    return dict(json.loads(line[len("RESULT ") :]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--tree", default=str(ROOT), help="source tree to measure (default: this)")
    parser.add_argument("--memory-limit-gb", type=float, default=8.0)
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep the files")
    parser.add_argument(
        "--files",
        default=(
            "bomb.xlsx,forged.xlsx,far.xlsx,small-bomb.xlsx,norefs.xlsx,wide.csv,text.parquet,"
            "survey.xlsx"
        ),
    )
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        child(args)
        return 0

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ikoe-bad-input-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"ikoe bad-input benchmark; tree {args.tree}; work dir {work}")
    print(
        f"  machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    try:
        if not (work / "norefs.xlsx").exists():
            made = generate(work)
            print(f"  generated in {made.pop('seconds'):.1f} s: ")
            print("    " + ", ".join(f"{name} {size:,.1f} MB" for name, size in made.items()))
        for file in [f.strip() for f in args.files.split(",") if f.strip()]:
            for step, label in (("header", "upload (header)"), ("read", "import (read)")):
                r = run_child(args, work, step, file)
                peak = "–" if r["peak_mb"] is None else f"{r['peak_mb']:,.0f} MB"
                print(
                    f"  {file:16} {label:16} {r['seconds']:7.2f} s  peak RSS {peak:>9}  "
                    f"{r['outcome'][:110]}"
                )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
