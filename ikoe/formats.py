"""Numbers as users read them: rounded half up, in the active language's format."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format


def rounded(value: float, digits: int) -> Decimal:
    """Round half up, as statistical tables do (Django's number_format truncates).

    >>> str(rounded(31.67314, 1)), str(rounded(0.25, 1)), str(rounded(-13.65, 1))
    ('31.7', '0.3', '-13.7')
    """
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def fmt(value: float | None, digits: int = 1) -> str:
    """A number rounded half up to ``digits`` places in the active language's format.

    >>> from django.utils import translation
    >>> with translation.override("de"):
    ...     fmt(31.67314), fmt(1234.5, 0)
    ('31,7', '1.235')
    >>> with translation.override("en"):
    ...     fmt(31.67314)
    '31.7'
    """
    if value is None:
        return ""
    return number_format(rounded(value, digits), digits, force_grouping=True)
