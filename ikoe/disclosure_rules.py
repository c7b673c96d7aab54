"""The disclosure rules configured for this platform (``IKOE_SDC_*``, docs/operations.md): one
set of rules for every kind of sensitive data (survey cells, selection funnels)."""

from __future__ import annotations

from django.conf import settings

from ikoe.stats.publication import PublicationRules


def current_rules() -> PublicationRules:
    """The rules configured for new publications."""
    return PublicationRules(
        int(settings.SDC_MIN_COUNT),
        int(settings.SDC_SHARE_BASE),
        float(settings.SDC_MIN_DECLARATION_RATE),
        float(settings.SDC_WIDTH),
    )
