"""Template filters for figures: shares as localised percentages."""

from __future__ import annotations

from django import template

from ikoe.formats import fmt

register = template.Library()


@register.filter
def pct(share: float | None, digits: int = 1) -> str:
    """A share (0..1) as a percentage in the active language's number format, e.g. 21,7."""
    if share is None:
        return ""
    return fmt(100 * float(share), int(digits))
