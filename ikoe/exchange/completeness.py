"""How complete a practice's record is (docs/exchange.md, "Completeness").

The required fields (title, summary, level, lead body, its type, status) are there in every saved
record; the score counts the *recommended* ones, which make a practice useful to another Land.
Each section of the record has a weight; the fields of a section share its weight equally:

========================  ======  =================================================================
section                   weight  recommended fields
========================  ======  =================================================================
identity                  10      partners, contact (role), contact details
classification            20      dimensions, standard systems, target groups, measure types,
                                  keywords
content                   25      starting point, goals, activities, legal basis, period (a start
                                  date or the period as written)
resources                 10      cost band (other than "not known"), funding source, staff
results and evidence      20      outcomes, indicators, challenges, conditions of success
transfer                  10      prerequisites, adaptations, known reuses
meta                      5       sources
========================  ======  =================================================================

The score is the sum of the shares of the filled fields, rounded half up to a whole number
(0–100).
:func:`completeness` is pure: it reads a practice's attributes or a content dict
(:func:`ikoe.exchange.services.content_of`, a version's content) and touches no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SECTIONS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("identity", 10, ("partners", "contact_role", "contact")),
    (
        "classification",
        20,
        ("dimensions", "sectors", "target_groups", "measure_types", "keywords"),
    ),
    ("content", 25, ("starting_point", "goals", "activities", "legal_basis", "period")),
    ("resources", 10, ("cost_band", "funding_source", "staff")),
    ("results", 20, ("outcomes", "indicators", "challenges", "success_conditions")),
    ("transfer", 10, ("prerequisites", "adaptations", "reuses")),
    ("meta", 5, ("sources",)),
)
"""The sections with their weights (together 100) and recommended fields."""
assert sum(weight for _name, weight, _fields in SECTIONS) == 100

LABELS: dict[str, str | Promise] = {
    "partners": _("partners"),
    "contact_role": _("contact (role)"),
    "contact": _("contact details"),
    "dimensions": _("IKÖ-Check dimensions"),
    "sectors": _("standard systems"),
    "target_groups": _("target groups"),
    "measure_types": _("measure types"),
    "keywords": _("keywords"),
    "starting_point": _("starting point"),
    "goals": _("goals (in numbers where possible)"),
    "activities": _("activities"),
    "legal_basis": _("legal basis"),
    "period": _("period"),
    "cost_band": _("cost band"),
    "funding_source": _("funding source"),
    "staff": _("staff"),
    "outcomes": _("outcomes against the goals"),
    "indicators": _("indicators"),
    "challenges": _("challenges"),
    "success_conditions": _("conditions of success"),
    "prerequisites": _("prerequisites"),
    "adaptations": _("adaptations for another place"),
    "reuses": _("known reuses"),
    "sources": _("sources"),
}
"""The labels of the recommended fields (the record's own field names)."""


@dataclass(frozen=True)
class Completeness:
    score: int
    missing: list[tuple[str, str]]
    """The recommended fields left empty: (field name, label), in the record's order."""


def _value(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def filled(record: Any, name: str) -> bool:
    """Whether the recommended field ``name`` of the record (a practice or a dict) is filled."""
    if name == "period":
        return bool(_value(record, "started") or str(_value(record, "period") or "").strip())
    value = _value(record, name)
    if name == "cost_band":
        return bool(value) and value != "unknown"
    if isinstance(value, str):
        return bool(value.strip())
    return bool(value)


def completeness(record: Any) -> Completeness:
    """The completeness score of a practice (or of a content dict) and what is missing.

    >>> completeness({}).score
    0
    >>> completeness({"dimensions": ["personnel"], "sources": "https://example.org"}).score
    9
    """
    score = 0.0
    missing: list[tuple[str, str]] = []
    for _section, weight, names in SECTIONS:
        share = weight / len(names)
        for name in names:
            if filled(record, name):
                score += share
            else:
                missing.append((name, str(LABELS[name])))
    return Completeness(int(score + 0.5 + 1e-9), missing)
