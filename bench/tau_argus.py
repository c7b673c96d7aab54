"""Run tau-ARGUS (``pytauargus``) on an ikoe complete table and read its pattern back.

``pytauargus`` (``pip install -e '.[bench]'``) is tau-ARGUS's native engine (the C++ core of
tau-ARGUS with HiTaS for Modular and the CSP code for Optimal, HiGHS as the LP/MIP solver)
compiled into a Python extension, with a port of tau-ARGUS's batch-file (``.arb``) front-end.
It needs no Java, no display and no licensed solver. This module drives it the way tau-ARGUS is
driven in batch mode:

1. it writes every cell of the complete table as *tabular input* (``table.tab``: one line per
   cell, ``;``-separated codes with :data:`TAU_TOTAL` for a total, the count and the count
   again as the frequency), the metadata (``table.rda``), a ``.hrc`` hierarchy file for each
   dimension with more than one level (codes indented with ``@`` per level below the first),
   and the batch ``batch.arb``: ``<OPENTABLEDATA>``, ``<OPENMETADATA>``, ``<SPECIFYTABLE>``,
   ``<SAFETYRULE>``, ``<READTABLE> 0`` (tau-ARGUS checks the additivity), ``<SUPPRESS>`` and
   ``<WRITETABLE>`` in the intermediate format (type 5, ``SO+``), which lists every cell of
   the complete table with its codes and status (``S`` safe, ``U`` primary, ``M`` secondary,
   ``E`` empty);
2. it runs the batch with ``pytauargus.engine.Engine.run_batch`` in a child process (the
   engine is native code: a crash or a time limit must not take the benchmark with it, and
   pytauargus does not vouch for several engine runs in one process), in a fresh folder
   (Modular writes its work files into the current folder and reads some back; leftovers of
   an earlier run changed a pattern), and times the whole batch and the suppression step;
3. it maps the codes of the output back to the cells of the ikoe table (:data:`TAU_TOTAL` is
   ikoe's ``_T``; other codes are the same) and returns the statuses in ikoe's cell order.

Primary cells and protection levels come from tau-ARGUS's own frequency rule
(``FREQ(k, p)``: a cell with 0 < n < k is unsafe and must keep ``n − LPL`` and ``n + UPL``
feasible, with ``LPL = UPL = max(n·p/100, 1)``) or, with explicit ``lower``/``upper``, from
a status column (primary cells as tau-ARGUS's "unsafe" status) with those protection levels,
for a protection width that the rule cannot express (``lower=1, upper=2`` for W = 3).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ikoe.stats.disclosure import TOTAL, Hierarchy, Table

TAU_TOTAL = "Total"
"""The total code in the files written for tau-ARGUS (ikoe's ``_T``)."""
LEAD = "@"
"""Indentation of the ``.hrc`` files: one ``@`` per level below the first."""

_RUNNER = """\
import json, sys, time
from pytauargus.engine import Engine
engine = Engine()
times = {"read": 0.0, "suppress": 0.0}
def timed(name, step):
    def run(*args, **kwargs):
        t = time.perf_counter()
        step(*args, **kwargs)
        times[name] += time.perf_counter() - t
    return run
engine.read_table = timed("read", engine.read_table)
engine.suppress = timed("suppress", engine.suppress)
t = time.perf_counter()
engine.run_batch(sys.argv[1])
times["batch"] = time.perf_counter() - t
print(json.dumps({**times, "version": engine.version}))
"""


class TauArgusError(RuntimeError):
    """tau-ARGUS did not finish (error, crash or time limit); ``stderr`` has its last words."""

    def __init__(self, message: str, stderr: str = "") -> None:
        self.stderr = stderr
        super().__init__(message + (f"\n{stderr[-2000:]}" if stderr else ""))


MODULAR = "MOD(1,5,1,1,0)"
"""Modular (HiTaS) on table 1: at most 5 minutes per sub-table, a singleton protected against
another singleton and against several cells, no extra frequency bounds (the peers' settings)."""


@dataclass(frozen=True, eq=False)
class TauArgusResult:
    """A tau-ARGUS pattern over the cells of an ikoe :class:`Table`."""

    suppress: str  # the <SUPPRESS> call, e.g. MOD(1,5,1,1,0)
    seconds: float  # wall time of the batch (read the table, primary rule, suppress, write)
    suppress_seconds: float  # wall time of the suppression step alone
    cpu: float  # CPU time of the child process (including Python's start-up)
    status: np.ndarray  # one letter per cell: S safe, U primary, M secondary, E empty
    version: str

    @property
    def primary(self) -> np.ndarray:
        return self.status == "U"

    @property
    def secondary(self) -> np.ndarray:
        return self.status == "M"

    @property
    def suppressed(self) -> np.ndarray:
        return self.primary | self.secondary


def write_batch(
    table: Table,
    folder: Path,
    *,
    k: int = 3,
    suppress: str = MODULAR,
    freq_percent: int = 30,
    lower: float | None = None,
    upper: float | None = None,
) -> Path:
    """Write the tabular input, metadata, hierarchies and batch for ``table``; return the batch.

    Every cell of the complete table is written (``<READTABLE> 0``: tau-ARGUS checks the
    additivity instead of recomputing the totals). Without ``lower``/``upper`` tau-ARGUS applies
    ``FREQ(k, freq_percent)`` itself. With them, the cells with 0 < n < k get tau-ARGUS's status
    "unsafe" with these protection levels and no safety rule is given (tau-ARGUS then uses the
    statuses as given). ``suppress`` is the ``<SUPPRESS>`` call for table 1.
    """
    folder.mkdir(parents=True, exist_ok=True)
    given = lower is not None or upper is not None
    names = [f"v{d}" for d in range(len(table.dims))]
    rda = ['<SEPARATOR> ";"']
    if given:
        rda += ['<SAFE> "S"', '<UNSAFE> "U"', '<PROTECT> "P"']
    for d, (name, h) in enumerate(zip(names, table.hierarchies, strict=True)):
        for code in h.codes:
            if (
                code == TAU_TOTAL
                or code != code.strip()
                or ";" in code
                or '"' in code
                or code.startswith(LEAD)
            ):
                raise ValueError(f"code {code!r} of dimension {table.dims[d]} cannot be written")
        rda += [f"{name} ", "  <RECODEABLE>", f'  <TOTCODE> "{TAU_TOTAL}"']
        if max(h.depths) > 1:
            hrc = folder / f"{name}.hrc"
            hrc.write_text(_hrc_text(h), encoding="utf-8")
            rda += [
                "  <HIERARCHICAL>",
                f'  <HIERCODELIST> "{hrc.name}"',
                f'  <HIERLEADSTRING> "{LEAD}"',
            ]
    rda += ["n ", "  <NUMERIC>", "  <DECIMALS> 0", "freq ", "  <FREQUENCY>"]
    if given:
        rda += ["status ", "  <STATUS>", "lpl ", "  <NUMERIC> <LOWERPL>"]
        rda += ["upl ", "  <NUMERIC> <UPPERPL>"]
    (folder / "table.rda").write_text("\n".join(rda) + "\n", encoding="utf-8")

    lo = "" if lower is None else f"{float(lower):g}"
    up = "" if upper is None else f"{float(upper):g}"
    lines = []
    for key, value in table.items():
        n = int(round(value))
        if n != value:
            raise ValueError(f"cell {key} is not a count: {value}")
        fields = [*(TAU_TOTAL if c == TOTAL else c for c in key), str(n), str(n)]
        if given:
            fields += ["U", lo, up] if 0 < n < k else ["S", "", ""]
        lines.append(";".join(fields))
    (folder / "table.tab").write_text("\n".join(lines) + "\n", encoding="utf-8")

    quoted = "".join(f'"{name}"' for name in names)
    arb = [
        '<OPENTABLEDATA> "table.tab"',
        '<OPENMETADATA> "table.rda"',
        f'<SPECIFYTABLE> {quoted}|"n"||',
        "<SAFETYRULE> " + ("" if given else f"FREQ({k},{freq_percent})"),
        "<READTABLE> 0",
        f"<SUPPRESS> {suppress}",
        '<WRITETABLE> (1,5,SO+,"pattern.tab")',
    ]
    batch = folder / "batch.arb"
    batch.write_text("\n".join(arb) + "\n", encoding="utf-8")
    return batch


def _hrc_text(h: Hierarchy) -> str:
    return "".join(
        LEAD * (depth - 1) + code + "\n"
        for code, depth in zip(h.codes, h.depths, strict=True)
        if code != TOTAL
    )


def read_pattern(table: Table, path: Path) -> np.ndarray:
    """Status letter of every cell of ``table`` from tau-ARGUS's intermediate output.

    Each line is ``"code";...;value;freq;cost;status;lpl;upl`` (type 5 with ``SO+``): one code
    per dimension, quoted (padded with leading spaces to the longest code of a flat
    dimension), :data:`TAU_TOTAL` for a total; the status is ``S`` (safe), ``U``
    (primary), ``M`` (secondary), ``E`` (empty) or ``P`` (protected). Every cell of the complete
    table must be listed exactly once, with ikoe's value: otherwise the mapping would be wrong
    and ``ValueError`` is raised.
    """
    status = np.full(table.size, "", dtype="<U1")
    nd = len(table.dims)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split(";")
        if len(fields) != nd + 6:
            raise ValueError(f"line {number}: {len(fields)} fields, expected {nd + 6}")
        # tau-ARGUS pads the codes of a flat variable to one length with leading spaces
        codes = tuple(_unquote(f).strip() for f in fields[:nd])
        key = tuple(TOTAL if c == TAU_TOTAL else c for c in codes)
        try:
            i = table.index(key)
        except KeyError:
            raise ValueError(f"line {number}: unknown cell {codes}") from None
        if status[i]:
            raise ValueError(f"line {number}: cell {codes} listed twice")
        value = float(fields[nd])
        if abs(value - float(table.values[i])) > 1e-6:
            raise ValueError(f"line {number}: {codes} is {value}, ikoe has {table.values[i]}")
        status[i] = fields[nd + 3].strip()
    missing = np.flatnonzero(status == "")
    if missing.size:
        raise ValueError(f"{missing.size} cells not listed, e.g. {table.key(int(missing[0]))}")
    return status


def _unquote(s: str) -> str:
    s = s.strip()
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s


def run_tau_argus(
    table: Table,
    *,
    k: int = 3,
    suppress: str = MODULAR,
    freq_percent: int = 30,
    lower: float | None = None,
    upper: float | None = None,
    timeout: float | None = None,
    workdir: Path | None = None,
) -> TauArgusResult:
    """Protect ``table`` with tau-ARGUS (see :func:`write_batch`) and read the pattern back.

    The batch runs in a child process (``timeout`` in seconds; :class:`TauArgusError` when it
    fails). tau-ARGUS's Modular method writes its work files into the current folder and reads
    some of them back, so every run gets a folder of its own: ``workdir`` (kept afterwards, must
    not exist yet) or a temporary folder.
    """
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="ikoe-tauargus-") as tmp:
            return run_tau_argus(
                table,
                k=k,
                suppress=suppress,
                freq_percent=freq_percent,
                lower=lower,
                upper=upper,
                timeout=timeout,
                workdir=Path(tmp) / "run",
            )
    workdir.mkdir(parents=True)
    batch = write_batch(
        table,
        workdir,
        k=k,
        suppress=suppress,
        freq_percent=freq_percent,
        lower=lower,
        upper=upper,
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        done = subprocess.run(
            [sys.executable, "-c", _RUNNER, batch.name],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise TauArgusError(f"tau-ARGUS {suppress} did not finish in {timeout:g} s") from exc
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise TauArgusError(f"tau-ARGUS {suppress} failed ({done.returncode})", done.stderr)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return TauArgusResult(
        suppress=suppress,
        seconds=float(report["batch"]),
        suppress_seconds=float(report["suppress"]),
        cpu=cpu,
        status=read_pattern(table, workdir / "pattern.tab"),
        version=str(report["version"]),
    )
