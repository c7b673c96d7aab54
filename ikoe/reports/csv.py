"""CSV files the platform writes, safe to open in a spreadsheet program.

Every CSV export goes through :func:`write_csv` (``ikoe protect``, ``ikoe indicators --csv``).
A spreadsheet reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some programs,
a tab or carriage return) as a formula, and a formula can fetch data from elsewhere or start
programs ("CSV injection"). Such a text cell is written with a leading apostrophe, as OWASP
recommends: ``=HYPERLINK(…)`` becomes ``'=HYPERLINK(…)``, which spreadsheets show as text.

Numbers are left as they are: a number the program writes (``-3``, ``-0,5``, ``+1.5e-3``), as a
number or as the text of a plain number, is no formula and stays a number in the spreadsheet.
Reading a file the platform wrote, :func:`restore` removes the apostrophe again
(``ikoe audit`` reads what ``ikoe protect`` wrote).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: object) -> str:
    """The text of one cell as the file holds it.

    >>> neutralise("=1+1"), neutralise("@SUM(A1)"), neutralise("-x"), neutralise("\\tA")
    ("'=1+1", "'@SUM(A1)", "'-x", "'\\tA")
    >>> neutralise(-3), neutralise("-0,5"), neutralise("+1.5e-3"), neutralise(-0.25)
    ('-3', '-0,5', '+1.5e-3', '-0.25')
    >>> neutralise(None), neutralise("Referat 12"), neutralise(True)
    ('', 'Referat 12', 'True')
    """
    if value is None:
        return ""
    text = str(value)
    formula = text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)
    return "'" + text if isinstance(value, str) and formula else text


def restore(text: str) -> str:
    """A cell of a file the platform wrote, as it was before :func:`neutralise`.

    >>> restore("'=1+1"), restore("'-0,5x"), restore("'quoted"), restore("-3")
    ('=1+1', '-0,5x', "'quoted", '-3')
    """
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def write_csv(
    out: TextIO,
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    delimiter: str = ",",
    lineterminator: str = "\n",
) -> None:
    """Write a header and rows; every cell goes through :func:`neutralise`."""
    writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow([neutralise(cell) for cell in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)


def spreadsheet_csv(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """A CSV file as German spreadsheet programs open it: UTF-8 with a byte-order mark, ``;``
    between the fields, Windows line ends; every cell through :func:`neutralise`.

    >>> spreadsheet_csv(["a", "b"], [[1, "=x"]])
    b"\\xef\\xbb\\xbfa;b\\r\\n1;'=x\\r\\n"
    """
    out = io.StringIO()
    out.write("\ufeff")
    write_csv(out, header, rows, delimiter=";", lineterminator="\r\n")
    return out.getvalue().encode("utf-8")


def format_number(value: float, decimal: str = ".") -> str:
    """Counts as integers where they are; otherwise with the file's decimal mark.

    >>> format_number(3.0), format_number(2.5, ",")
    ('3', '2,5')
    """
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value)).replace(".", decimal)
