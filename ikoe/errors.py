"""Errors that reach users: each carries a code, a translated message and where it happened.

Imports collect every :class:`Problem` they find (up to a limit) and raise one
:class:`ImportFailed`; nothing is stored when that happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_PROBLEMS = 50


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

    def __str__(self) -> str:
        where = [self.file] if self.file else []
        if self.row is not None:
            where.append(_("row %(row)s") % {"row": self.row})
        if self.column:
            where.append(_("column “%(column)s”") % {"column": self.column})
        prefix = ", ".join(where)
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

    def report(self) -> str:
        lines = [str(p) for p in self.problems]
        if self.more:
            lines.append(
                ngettext(
                    "… and %(count)d more problem.",
                    "… and %(count)d more problems.",
                    self.more,
                )
                % {"count": self.more}
            )
        lines.append(_("Nothing was stored."))
        return "\n".join(lines)
