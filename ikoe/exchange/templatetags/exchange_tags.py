"""Template tags with which other apps' pages point into the exchange without importing it:
the IKÖ-Check's action plan suggests practices for the dimensions with gaps."""

from __future__ import annotations

from typing import Any

from django import template

from ikoe.exchange import vocab
from ikoe.exchange.models import Practice

register = template.Library()

SUGGESTED = 3


@register.simple_tag(takes_context=True)
def practices_for_dimension(context: dict[str, Any], dimension: str) -> dict[str, Any]:
    """Up to three published practices that serve the dimension (the newest first), and how many
    there are."""
    if dimension not in vocab.codes(vocab.DIMENSIONS):
        return {"count": 0, "practices": []}
    bits = vocab.mask(vocab.DIMENSIONS, [dimension])
    qs = Practice.objects.filter(published=True, dimensions_mask__anybits=bits)
    return {
        "count": qs.count(),
        "practices": list(qs.select_related("land").order_by("-updated_at", "-pk")[:SUGGESTED]),
    }
