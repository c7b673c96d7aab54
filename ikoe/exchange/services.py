"""The only writer of practices (docs/exchange.md): every save of a practice's content keeps a
numbered version with the fields it changed, and brings the full-text index in line."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ikoe.exchange import fts
from ikoe.exchange.models import Practice, PracticeVersion

SECTIONS: list[tuple[str, Any, list[str]]] = [
    (
        "identity",
        _("Identity"),
        [
            "title",
            "summary",
            "language",
            "municipality",
            "level",
            "lead_body",
            "lead_type",
            "partners",
            "partners_migrant_org",
            "contact_role",
            "contact",
        ],
    ),
    (
        "classification",
        _("Classification"),
        [
            "dimensions",
            "sectors",
            "target_groups",
            "occupational_groups",
            "measure_types",
            "keywords",
        ],
    ),
    (
        "content",
        _("Content"),
        [
            "starting_point",
            "goals",
            "activities",
            "legal_basis",
            "started",
            "ended",
            "period",
            "status",
        ],
    ),
    ("resources", _("Resources"), ["cost_band", "funding_source", "staff"]),
    (
        "results",
        _("Results and evidence"),
        [
            "outcomes",
            "indicators",
            "evaluation",
            "evaluation_link",
            "challenges",
            "success_conditions",
        ],
    ),
    ("transfer", _("Transfer"), ["prerequisites", "adaptations", "reuses", "related"]),
    ("meta", _("Licence and sources"), ["licence", "certainty", "sources"]),
]
"""The sections of the record, in the order of the form and of the detail page."""

CONTENT_FIELDS = (
    "region_code",
    *(name for _key, _label, names in SECTIONS for name in names if name != "related"),
)
"""The fields of a practice's content: what a version keeps and an edit may change (the
related practices are kept beside them, as ids)."""


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return list(value)
    return value


def content_of(practice: Practice) -> dict[str, Any]:
    """The practice's content as JSON-ready values, with the ids of its related practices."""
    content = {name: _plain(getattr(practice, name)) for name in CONTENT_FIELDS}
    content["related"] = (
        sorted(practice.related.values_list("pk", flat=True)) if practice.pk else []
    )
    return content


@transaction.atomic
def save_practice(
    practice: Practice,
    user: Any = None,
    *,
    note: str = "",
    related: Iterable[Practice | int] | None = None,
) -> PracticeVersion | None:
    """Save the practice, keep a new version when its content changed, and index it.

    Returns the new version, or ``None`` when nothing of the content changed.
    """
    practice.updated_at = timezone.now()
    practice.save()
    if related is not None:
        practice.related.set(
            [r for r in related if (r if isinstance(r, int) else r.pk) != practice.pk]
        )
    content = content_of(practice)
    last = practice.versions.order_by("-number").first()
    changed = [
        name for name, value in content.items() if last is None or last.content.get(name) != value
    ]
    fts.reindex([practice.pk])
    if last is not None and not changed:
        return None
    return PracticeVersion.objects.create(
        practice=practice,
        number=last.number + 1 if last else 1,
        content=content,
        state=practice.state,
        changed_fields=[] if last is None else changed,
        author=user if getattr(user, "is_authenticated", False) else None,
        note=note[:500],
    )


@transaction.atomic
def delete_practice(practice: Practice) -> None:
    pk = practice.pk
    for attachment in practice.attachments.all():
        attachment.file.delete(save=False)
    practice.delete()
    fts.forget([pk])
