"""Checks of single cells of survey and personnel-total files, grouped by what they check.

:mod:`ikoe.ingest.survey` judges each column's *distinct* texts once (see its ``_Checker``).
The judge of a column (:func:`judge_for`) turns one text into the canonical value, ``None``
(no value) or :class:`Invalid` (the problem's code and a detail for the message). Each group
below holds the judge of one kind of column and the messages of the problems it finds; the
last groups are the messages of the problems ``_Checker`` finds across cells (missing values,
repeated ids or combinations). :func:`message` words any of them for the user.

>>> from ikoe.ingest.mapping import SURVEY_COLUMNS
>>> judge = judge_for(SURVEY_COLUMNS["immigration_year"], None, set(), no_answer=True,
...                   current_year=2025, decimal=",")
>>> judge("1990"), judge("k.A."), judge("2030")
(1990, None, Invalid(code='year_future', detail='2025'))
>>> from django.utils import translation
>>> with translation.override("en"):
...     message("year_future", "2030", "2025")
'The year 2030 lies in the future (after 2025).'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from ikoe.errors import excerpt
from ikoe.ingest.mapping import (
    NO_ANSWER,
    YEAR_MIN,
    Column,
    SurveyMapping,
    expected_values,
    no_answer_spellings,
    read_value,
    value_key,
)
from ikoe.ingest.text import parse_number

Judge = Callable[[str], Any]
"""From one distinct cell text to its canonical value, ``None`` or :class:`Invalid`."""
Params = dict[str, str]
"""What a message may quote: ``value`` (shortened), ``detail`` and ``no_answer``."""


@dataclass(frozen=True)
class Invalid:
    code: str
    detail: str


def judge_for(
    column: Column,
    mapping: SurveyMapping | None,
    codes: Collection[str],
    *,
    no_answer: bool,
    current_year: int | None,
    decimal: str,
) -> Judge:
    """The judge of ``column``'s texts.

    ``codes``: the codes of the organisation hierarchy; ``no_answer``: whether a value may be
    left out (surveys) or not (personnel totals); ``current_year``: the latest year allowed
    (``None``: any); ``decimal``: the file's decimal sign (head counts).
    """
    mapped = mapping.values.get(column.name, {}) if mapping else {}
    if column.kind == "organisation":
        return _organisation_judge(mapped, codes)
    if column.kind == "yes_no":
        return _yes_no_judge(column, mapped)
    if column.kind == "code":
        return _code_judge(column, mapped, required=not no_answer)
    if column.kind == "year":
        return _year_judge(current_year)
    return _headcount_judge(decimal)


def message(code: str, value: str | None, detail: str) -> str:
    """The message for a problem ``code`` found in a cell holding ``value``."""
    params: Params = {
        "value": excerpt((value or "").strip()),
        "detail": detail,
        "no_answer": no_answer_spellings(),
    }
    words = _MESSAGES.get(code)
    if words is None:  # pragma: no cover - every code has a message
        return code
    return words(params)


def _through_mapping(mapped: Mapping[str, Any], value: str) -> tuple[bool, Any]:
    """Whether the mapping file maps ``value`` of this column, and to what."""
    key = value_key(value)
    if key in mapped:
        return True, mapped[key]
    return False, None


# --- organisation codes ---------------------------------------------------------------------


def _organisation_judge(mapped: Mapping[str, Any], codes: Collection[str]) -> Judge:
    def organisation(value: str) -> Any:
        hit, target = _through_mapping(mapped, value)
        code = target if hit else value.strip()
        if not code:
            return None  # empty, or mapped to "no answer": reported as missing
        if code in codes:
            return code
        return Invalid("unknown_organisation", _lost_zeros(code, codes))

    return organisation


def _lost_zeros(value: str, codes: Collection[str]) -> str:
    """A hierarchy code that differs from ``value`` only by leading zeros, or ''.

    >>> _lost_zeros("301", {"00301", "0102"}), _lost_zeros("A1", {"0A1"})
    ('00301', '')
    """
    if not value.isdigit() or len(codes) > 100_000:
        return ""
    for code in codes:
        if code.isdigit() and code.lstrip("0") == value.lstrip("0"):
            return code
    return ""


def _unknown_organisation(params: Params) -> str:
    message = _("“%(value)s” is not a code of the organisation hierarchy.") % params
    if params["detail"]:
        message += " " + _(
            "Did you mean “%(code)s”? Leading zeros get lost when a spreadsheet treats codes "
            "as numbers; keep the column as text."
        ) % {"code": params["detail"]}
    return message


_ORGANISATION_MESSAGES: dict[str, Callable[[Params], str]] = {
    "unknown_organisation": _unknown_organisation,
    "missing_organisation": lambda p: _("The organisation code is missing; every row needs one."),
}


# --- yes/no answers -------------------------------------------------------------------------


def _yes_no_judge(column: Column, mapped: Mapping[str, Any]) -> Judge:
    expected = expected_values(column)

    def answer(value: str) -> Any:
        hit, target = _through_mapping(mapped, value)
        if hit:
            return target
        reading, verdict = read_value(column, value)
        if reading == "unknown":
            return Invalid("invalid_yes_no", expected)
        return verdict

    return answer


_YES_NO_MESSAGES: dict[str, Callable[[Params], str]] = {
    "invalid_yes_no": lambda p: (
        _(
            "“%(value)s” is not a yes/no answer; expected %(detail)s, or %(no_answer)s for no answer."
        )
        % p
    ),
}


# --- codes of classifying columns (career group, gender …) ----------------------------------


def _code_judge(column: Column, mapped: Mapping[str, Any], *, required: bool) -> Judge:
    expected = expected_values(column)

    def code(value: str) -> Any:
        hit, target = _through_mapping(mapped, value)
        if hit:
            return target
        reading, verdict = read_value(column, value)
        if reading in ("standard", "alias"):
            return verdict
        key = value_key(value)
        if not key or (reading == "no_answer" and not required):
            return None  # an empty cell of a personnel total is reported as missing
        return Invalid("invalid_code_required" if required else "invalid_code", expected)

    return code


_CODE_MESSAGES: dict[str, Callable[[Params], str]] = {
    "invalid_code": lambda p: (
        _(
            "“%(value)s” is not a valid value; expected one of %(detail)s, or %(no_answer)s for no answer."
        )
        % p
    ),
    "invalid_code_required": lambda p: (
        _("“%(value)s” is not a valid value; expected one of %(detail)s.") % p
    ),
}


# --- years ----------------------------------------------------------------------------------

_YEAR = re.compile(r"^(\d{4})(?:\.0+)?$")


def _year_judge(current_year: int | None) -> Judge:
    current = current_year if current_year is not None else 9999

    def year(value: str) -> Any:
        key = value_key(value)
        if not key or key in NO_ANSWER:
            return None
        match = _YEAR.match(key)
        if not match:
            return Invalid("invalid_year", "")
        number = int(match.group(1))
        if number < YEAR_MIN:
            return Invalid("year_too_early", str(YEAR_MIN))
        if number > current:
            return Invalid("year_future", str(current))
        return number

    return year


_YEAR_MESSAGES: dict[str, Callable[[Params], str]] = {
    "invalid_year": lambda p: (
        _(
            "“%(value)s” is not a year; expected a four-digit year such as 1990, "
            "or %(no_answer)s for no answer."
        )
        % p
    ),
    "year_future": lambda p: _("The year %(value)s lies in the future (after %(detail)s).") % p,
    "year_too_early": lambda p: (
        _("The year %(value)s lies before %(detail)s; expected %(detail)s or later.") % p
    ),
}


# --- head counts ----------------------------------------------------------------------------


def _headcount_judge(decimal: str) -> Judge:
    def headcount(value: str) -> Any:
        if not value.strip():
            return None  # reported as missing
        try:
            number = parse_number(value, decimal)
        except ValueError:
            return Invalid("invalid_headcount", "")
        if number < 0 or number != int(number):
            return Invalid("invalid_headcount", "")
        return int(number)

    return headcount


_HEADCOUNT_MESSAGES: dict[str, Callable[[Params], str]] = {
    "invalid_headcount": lambda p: (
        _("“%(value)s” is not a head count; expected a whole number of 0 or more.") % p
    ),
}


# --- missing values (personnel totals) ------------------------------------------------------

_MISSING_MESSAGES: dict[str, Callable[[Params], str]] = {
    "missing_value": lambda p: _(
        "The value is missing; every row of the personnel totals needs one."
    ),
}


# --- repeated ids and combinations ----------------------------------------------------------

_DUPLICATE_MESSAGES: dict[str, Callable[[Params], str]] = {
    "duplicate_id": lambda p: (
        _("The respondent id “%(value)s” appears more than once; it is first in row %(detail)s.")
        % p
    ),
    "duplicate_total": lambda p: (
        _(
            "The combination “%(value)s” appears more than once; it is first in row %(detail)s. "
            "Each combination needs exactly one head count."
        )
        % p
    ),
}


_MESSAGES: dict[str, Callable[[Params], str]] = {
    **_ORGANISATION_MESSAGES,
    **_YES_NO_MESSAGES,
    **_CODE_MESSAGES,
    **_YEAR_MESSAGES,
    **_HEADCOUNT_MESSAGES,
    **_MISSING_MESSAGES,
    **_DUPLICATE_MESSAGES,
}
