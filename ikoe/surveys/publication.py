"""The publication rules in force and what the reasons of a suppressed cell mean.

The joining of estimates and the disclosure-control engine is pure and lives in
:mod:`ikoe.stats.publication`; this module adds what depends on Django: the rules configured in
the settings (``IKOE_SDC_*``, read by :func:`ikoe.disclosure_rules.current_rules`) and the labels
of the reason codes in the user's language.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ikoe.disclosure_rules import current_rules
from ikoe.stats.publication import METHOD, PublicationRules
from ikoe.surveys.models import Survey

REASONS = {
    "frequency": _("too few respondents"),
    "attribute-frequency": _("too few persons with, or too few without, a migration background"),
    "group-disclosure": _("all respondents who answered have a migration background"),
    "share-base": _("too few answers for a reliable share"),
    "declaration-rate": _(
        "too few respondents answered the questions on migration background for a reliable share"
    ),
    "zero": _("empty cell"),
    "secondary": _("suppressed so that another suppressed cell cannot be recomputed"),
}
"""Reason codes stored with suppressed cells, and what they mean."""


def reason_labels(reason: str) -> list[str]:
    """What the stored reason codes of a cell mean, in the current language."""
    return [str(REASONS.get(code, code)) for code in reason.split(",") if code]


def needs_republishing(survey: Survey, rules: PublicationRules | None = None) -> bool:
    """Whether the stored cells were protected with another method or other rules, or weighted
    the older way (raking to each column of the totals, before the weights were fitted to the
    cells of the totals: its diagnostics have no cell threshold)."""
    rules = rules or current_rules()
    done = survey.diagnostics.get("disclosure") or {}
    weighting = survey.diagnostics.get("weighting") or {}
    old_weights = survey.weighted and weighting.get("min_cell_respondents") is None
    return done.get("method") != METHOD or done.get("rules") != rules.as_dict() or old_weights
