"""The code lists that classify a practice (docs/exchange.md, "The record").

Each list is fixed and ordered: a value's position is its bit in the practice's search masks
(:func:`mask`), so values are only ever appended, never reordered or removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ikoe.assessment.questionnaire import DIMENSION_IDS, SECTOR_IDS
from ikoe.measures.models import DIMENSION_CHOICES, OCCUPATIONAL_GROUPS

Choices = Sequence[tuple[str, str | Promise]]

DIMENSIONS: Choices = DIMENSION_CHOICES
"""The seven dimensions of the IKÖ-Check that a practice serves."""

SECTORS: Choices = [
    ("administration", _("public administration")),
    ("education", _("education")),
    ("labour_market", _("labour market")),
    ("health", _("health")),
    ("security", _("police, fire services and justice")),
    ("social", _("social services and welfare")),
]
"""The standard systems (the IKÖ-Check's sector modules first, in their order)."""
assert tuple(code for code, _label in SECTORS[: len(SECTOR_IDS)]) == SECTOR_IDS
assert tuple(code for code, _label in DIMENSIONS) == DIMENSION_IDS

TARGET_GROUPS: Choices = [
    ("young_people", _("young people and school leavers")),
    ("applicants", _("applicants and trainees")),
    ("staff", _("staff")),
    ("leaders", _("leaders")),
    ("hr", _("HR and selection panels")),
    ("migrants", _("residents with a migration history")),
    ("refugees", _("refugees")),
    ("migrant_organisations", _("migrant organisations")),
    ("employers", _("employers")),
    ("public_bodies", _("public bodies and municipalities")),
]

MEASURE_TYPES: Choices = [
    ("recruitment", _("recruitment")),
    ("survey_monitoring", _("staff survey and monitoring")),
    ("training", _("training")),
    ("strategy_law", _("strategy, law or decree")),
    ("cooperation", _("cooperation with migrant organisations")),
    ("service_access", _("access to services")),
    ("recognition", _("recognition of foreign qualifications and adaptation qualification")),
    ("funding_criterion", _("criterion in funding programmes")),
    ("organisation", _("organisation development")),
]

OCCUPATIONS: Choices = OCCUPATIONAL_GROUPS

LEVELS: Choices = [
    ("bund", _("federal level")),
    ("land", _("Land")),
    ("kommune", _("municipality")),
]

LEAD_TYPES: Choices = [
    ("ministry", _("ministry or Land office")),
    ("agency", _("agency")),
    ("municipality", _("municipality")),
    ("association", _("association or migrant organisation")),
    ("company", _("company")),
    ("institution", _("institution (chamber, university, foundation)")),
    ("other", _("other")),
]

STATUSES: Choices = [
    ("pilot", _("pilot")),
    ("running", _("running")),
    ("regular", _("regular practice")),
    ("ended", _("ended")),
]

EVALUATIONS: Choices = [
    ("none", _("not evaluated")),
    ("internal", _("evaluated internally")),
    ("external", _("evaluated externally")),
]

COST_BANDS: Choices = [
    ("unknown", _("not known")),
    ("low", _("under 10,000 euros a year")),
    ("medium", _("10,000 to 100,000 euros a year")),
    ("high", _("100,000 to 1 million euros a year")),
    ("very_high", _("over 1 million euros a year")),
]

LANGUAGES: Choices = [("de", _("German")), ("en", _("English"))]

MULTI: dict[str, Choices] = {
    "dimensions": DIMENSIONS,
    "sectors": SECTORS,
    "target_groups": TARGET_GROUPS,
    "measure_types": MEASURE_TYPES,
}
"""The multi-valued facets, each kept as a list and, for the search, as a bit mask."""

LIST_FIELDS: dict[str, Choices] = {**MULTI, "occupational_groups": OCCUPATIONS}
"""Every field of a practice that holds a list of codes, with its code list."""

SINGLE_FIELDS: dict[str, Choices] = {
    "language": LANGUAGES,
    "level": LEVELS,
    "lead_type": LEAD_TYPES,
    "status": STATUSES,
    "cost_band": COST_BANDS,
    "evaluation": EVALUATIONS,
}
"""Every field of a practice that holds one code, with its code list."""


def codes(choices: Choices) -> tuple[str, ...]:
    return tuple(code for code, _label in choices)


def label(choices: Choices, code: str) -> str:
    for c, text in choices:
        if c == code:
            return str(text)
    return code


def mask(choices: Choices, values: Iterable[str]) -> int:
    """The bit mask of ``values`` in ``choices`` (unknown values are refused).

    >>> mask(LEVELS, ["land"])
    2
    >>> mask(SECTORS, ["administration", "health"])
    9
    """
    all_codes = codes(choices)
    result = 0
    for value in values:
        result |= 1 << all_codes.index(value)
    return result


def unmask(choices: Choices, bits: int) -> list[str]:
    """The codes whose bits are set in ``bits``, in the list's order.

    >>> unmask(SECTORS, 9)
    ['administration', 'health']
    """
    return [code for i, code in enumerate(codes(choices)) if bits >> i & 1]
