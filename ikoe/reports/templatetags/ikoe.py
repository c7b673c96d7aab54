"""Template filters: shares as localised percentages, texts from files as short excerpts."""

from __future__ import annotations

from django import template

from ikoe.errors import EXCERPT_LENGTH
from ikoe.errors import excerpt as _excerpt
from ikoe.formats import fmt

register = template.Library()


@register.filter
def pct(share: float | None, digits: int = 1) -> str:
    """A share (0..1) as a percentage in the active language's number format, e.g. 21,7."""
    if share is None:
        return ""
    return fmt(100 * float(share), int(digits))


@register.filter
def excerpt(text: object, length: int = EXCERPT_LENGTH) -> str:
    """A text from an uploaded file, shortened and with control characters made visible."""
    return _excerpt(text, int(length))
