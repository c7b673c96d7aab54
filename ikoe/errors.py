"""Errors that reach users: each carries a code, a translated message and where it happened.

Imports collect every :class:`Problem` they find (up to a limit) and raise one
:class:`ImportFailed`; nothing is stored when that happens.

A message never quotes a value from a file as it is: :func:`excerpt` shortens it and makes
invisible characters visible, so a 20 MB cell or a cell with control characters gives a short,
readable message (``docs/imports.md``, "Messages").
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_PROBLEMS = 50
EXCERPT_LENGTH = 60  # characters of a cell that a message quotes

_LINE_BREAKS = {"\r\n": "↵", "\r": "↵", "\n": "↵", "\x85": "↵", "\u2028": "↵", "\u2029": "↵"}


def _visible(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode control pictures: ␀ … ␟ (␉ for a tab)
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0x80 <= code <= 0x9F or unicodedata.category(char) in ("Cf", "Co", "Cs", "Cn", "Zl", "Zp"):
        return f"[U+{code:04X}]"  # other invisible characters by their code point
    return char


def excerpt(value: object, limit: int = EXCERPT_LENGTH) -> str:
    r"""A value from a file as a message quotes it: short, and without invisible characters.

    At most ``limit`` characters are kept, followed by "…" when the value is longer. Line breaks
    show as ↵, control characters as their Unicode control pictures (␀, ␉ for a tab, ␛ …), other
    invisible characters (such as a zero-width space or a right-to-left override) as ``[U+200B]``.

    >>> excerpt("Referat\t12\r\nZeile 2\x00")
    'Referat␉12↵Zeile 2␀'
    >>> excerpt("x" * 1000, limit=5)
    'xxxxx…'
    >>> excerpt("A\u202eB"), excerpt(None), excerpt(7)
    ('A[U+202E]B', '', '7')
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    # Look at no more of a long value than can be shown (a line break may take two characters).
    clipped = text[: 2 * limit + 2]
    shown: list[str] = []
    i = 0
    while i < len(clipped) and len(shown) < limit:
        pair = clipped[i : i + 2]
        if pair == "\r\n":
            shown.append(_LINE_BREAKS[pair])
            i += 2
            continue
        char = clipped[i]
        shown.append(_LINE_BREAKS.get(char) or _visible(char))
        i += 1
    result = "".join(shown)
    return result + "…" if i < len(text) else result


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    ``row`` counts lines of the file as a spreadsheet shows them (the header is row 1),
    ``None`` when the problem concerns the whole file. ``message`` is already translated.
    """

    code: str
    message: str
    file: str = ""
    row: int | None = None
    column: str | None = None

    def where(self, file: str | None = None) -> str:
        """Where the problem is, as messages name it: file, row and column (``file`` in place of
        the problem's own, e.g. the name of an upload instead of its temporary path)."""
        where = [file if file is not None else self.file]
        if self.row is not None:
            where.append(_("row %(row)s") % {"row": self.row})
        if self.column:
            where.append(_("column “%(column)s”") % {"column": excerpt(self.column)})
        return ", ".join(w for w in where if w)

    def __str__(self) -> str:
        prefix = self.where()
        return f"{prefix}: {self.message}" if prefix else self.message


@dataclass
class ProblemList:
    """Collects problems up to a limit and counts the rest."""

    file: str = ""
    limit: int = MAX_PROBLEMS
    problems: list[Problem] = field(default_factory=list)
    more: int = 0

    def add(
        self, code: str, message: str, row: int | None = None, column: str | None = None
    ) -> None:
        if len(self.problems) < self.limit:
            self.problems.append(Problem(code, message, self.file, row, column))
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise ImportFailed(self.problems, self.more)


def more_problems(count: int) -> str:
    """“… and 3 more problems.” under a list cut at :data:`MAX_PROBLEMS`; empty for 0."""
    if not count:
        return ""
    return ngettext("… and %(count)d more problem.", "… and %(count)d more problems.", count) % {
        "count": count
    }


class ImportFailed(Exception):
    """An import was rejected; nothing of it was stored."""

    def __init__(self, problems: list[Problem], more: int = 0) -> None:
        self.problems = problems
        self.more = more
        super().__init__(self.report())

    @classmethod
    def single(
        cls,
        code: str,
        message: str,
        file: str = "",
        row: int | None = None,
        column: str | None = None,
    ) -> ImportFailed:
        return cls([Problem(code, message, file, row, column)])

    def as_json(self) -> str:
        """The problems as the ``--json`` output of the commands: ``ok`` false, each problem
        with its fields and its text as printed, and how many more there are."""
        problems = [{**asdict(p), "text": str(p)} for p in self.problems]
        return json.dumps(
            {"ok": False, "problems": problems, "more": self.more}, ensure_ascii=False
        )

    def report(self) -> str:
        lines = [str(p) for p in self.problems]
        if self.more:
            lines.append(more_problems(self.more))
        lines.append(_("Nothing was stored."))
        return "\n".join(lines)
