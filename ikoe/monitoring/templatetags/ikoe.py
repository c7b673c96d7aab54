"""Template filters for figures: shares as localised percentages."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def pct(share: float | None, digits: int = 1) -> str:
    """A share (0..1) as a percentage in the active language's number format, e.g. 21,7."""
    if share is None:
        return ""
    return number_format(rounded(100 * float(share), int(digits)), int(digits))


def rounded(value: float, digits: int) -> Decimal:
    """Round half up, as statistical tables do (Django's number_format truncates).

    >>> str(rounded(31.67314, 1)), str(rounded(0.25, 1)), str(rounded(-13.65, 1))
    ('31.7', '0.3', '-13.7')
    """
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
