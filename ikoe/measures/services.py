"""The only writer of measures and their milestones, the roll-up of progress and what is overdue
(docs/measures.md, "Measures").

Every create, change and delete is recorded with :func:`ikoe.measures.history.record`.

- **Progress roll-up**: a measure with parts (children) shows the mean of its parts' progress,
  each part rolled up the same way; a measure without parts shows its own ``progress``. The
  roll-up counts every part, also parts the reader does not see (it gives only a percentage).
- **Overdue**: a milestone whose due date has passed and that is not reached; a measure whose end
  has passed while it is neither completed nor cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ikoe.accounts.models import Role
from ikoe.accounts.scope import RANK, land_grants
from ikoe.measures import history
from ikoe.measures.models import Change, Measure, Milestone
from ikoe.measures.progress import rolled_up_many
from ikoe.organisations.models import Organisation

EDITABLE_FIELDS = (
    "organisation",
    "title",
    "description",
    "type",
    "dimension",
    "anchoring",
    "goal",
    "indicator",
    "target_value",
    "owner",
    "owner_email",
    "start",
    "end",
    "status",
    "progress",
    "budget",
    "funding_source",
    "parent",
)
"""The fields of a measure its form changes; the origin is set once, when it is created."""
MEASURE_FIELDS = (
    *EDITABLE_FIELDS,
    "origin",
    "origin_assessment",
    "origin_item",
    "origin_selection",
    "origin_funnel",
    "origin_stage",
    "origin_plan",
)
"""The fields of a measure the history keeps."""

MILESTONE_FIELDS = ("title", "due", "done")

CLOSED_STATUSES = (Measure.Status.COMPLETED, Measure.Status.CANCELLED)


class MeasureError(ValueError):
    """A change the registry refuses; the message is translated."""


def can_edit(user: Any, organisation: Organisation) -> bool:
    """Whether the user may keep the measures of ``organisation``: editor (or higher) of its
    Land, or of an agency at or above it. The same reach as
    ``Measure.objects.visible_to(user, Role.EDITOR)``."""
    need = RANK[Role.EDITOR]
    land_id = organisation.land_id
    return any(g.rank >= need and g.covers(land_id, organisation.pk) for g in land_grants(user))


def descendant_ids(measure: Measure) -> set[int]:
    """The parts of ``measure``, their parts and so on (not the measure itself)."""
    found: set[int] = set()
    frontier = {measure.pk}
    while frontier:
        children = (
            set(Measure.objects.filter(parent__in=frontier).values_list("pk", flat=True))
            - found
            - {measure.pk}
        )
        found |= children
        frontier = children
    return found


def _check(measure: Measure) -> None:
    if measure.progress is not None and not 0 <= measure.progress <= 100:
        raise MeasureError(_("The progress runs from 0 to 100 %."))
    if measure.start and measure.end and measure.end < measure.start:
        raise MeasureError(_("The end must not lie before the start."))
    parent = measure.parent
    if parent is not None:
        if measure.pk is not None and (
            parent.pk == measure.pk or parent.pk in descendant_ids(measure)
        ):
            raise MeasureError(_("A measure cannot be part of itself or of one of its parts."))
        if parent.organisation.land_id != measure.organisation.land_id:
            raise MeasureError(_("A measure can only be part of a measure of the same Land."))


def create_measure(user: Any, **values: Any) -> Measure:
    """A new measure from ``values`` (field names of :class:`Measure`), recorded."""
    measure = Measure(**values)
    _check(measure)
    now = timezone.now()
    measure.created_at = measure.updated_at = now
    with transaction.atomic():
        measure.save()
        history.record(
            measure, Change.Action.CREATED, user, after=history.snapshot(measure, MEASURE_FIELDS)
        )
    return measure


def update_measure(measure: Measure, user: Any, **values: Any) -> Measure:
    """Change the fields in ``values``; the history keeps the fields whose value changed."""
    stored = Measure.objects.get(pk=measure.pk)
    before = history.snapshot(stored, MEASURE_FIELDS)
    for name, value in values.items():
        setattr(measure, name, value)
    _check(measure)
    with transaction.atomic():
        measure.updated_at = timezone.now()
        measure.save()
        history.record(
            measure,
            Change.Action.CHANGED,
            user,
            before=before,
            after=history.snapshot(measure, MEASURE_FIELDS),
        )
    return measure


def delete_measure(measure: Measure, user: Any) -> None:
    """Delete the measure; its parts stay, as measures of their own (recorded too)."""
    with transaction.atomic():
        for child in Measure.objects.filter(parent=measure):
            update_measure(child, user, parent=None)
        for milestone in measure.milestones.all():
            history.record(
                milestone,
                Change.Action.DELETED,
                user,
                before=history.snapshot(milestone, MILESTONE_FIELDS),
                organisation=measure.organisation,
            )
        history.record(
            measure, Change.Action.DELETED, user, before=history.snapshot(measure, MEASURE_FIELDS)
        )
        measure.delete()


def add_milestone(measure: Measure, user: Any, *, title: str, due: date) -> Milestone:
    """A new milestone of the measure, recorded."""
    title = title.strip()
    if not title:
        raise MeasureError(_("Name the milestone."))
    with transaction.atomic():
        milestone = Milestone.objects.create(measure=measure, title=title, due=due)
        history.record(
            milestone,
            Change.Action.CREATED,
            user,
            after=history.snapshot(milestone, MILESTONE_FIELDS),
            organisation=measure.organisation,
        )
        Measure.objects.filter(pk=measure.pk).update(updated_at=timezone.now())
    return milestone


def mark_milestone(milestone: Milestone, user: Any, *, done: date | None) -> Milestone:
    """Mark the milestone reached on ``done`` (``None``: not reached after all), recorded."""
    before = history.snapshot(milestone, MILESTONE_FIELDS)
    milestone.done = done
    with transaction.atomic():
        milestone.save(update_fields=["done"])
        history.record(
            milestone,
            Change.Action.CHANGED,
            user,
            before=before,
            after=history.snapshot(milestone, MILESTONE_FIELDS),
            organisation=milestone.measure.organisation,
        )
    return milestone


def changes_of(measure: Measure, milestone_ids: Iterable[int] = ()) -> list[Change]:
    """The history of the measure and of its milestones, newest first."""
    return list(
        Change.objects.filter(
            Q(registry="measure", object_id=measure.pk)
            | Q(registry="milestone", object_id__in=list(milestone_ids))
        ).order_by("-at", "-pk")
    )


# --- progress roll-up ------------------------------------------------------------------------


def rolled_up_progress(measures: Iterable[Measure]) -> dict[int, float]:
    """The rolled-up progress of ``measures`` (reading every part below them; the rule is in
    :mod:`ikoe.measures.progress`)."""
    return rolled_up_many(m.pk for m in measures)


# --- overdue ---------------------------------------------------------------------------------


def milestone_overdue(milestone: Milestone, today: date | None = None) -> bool:
    """Whether the milestone's due date has passed and it is not reached."""
    today = today or timezone.localdate()
    return milestone.done is None and milestone.due < today


def measure_overdue(measure: Measure, today: date | None = None) -> bool:
    """Whether the measure's end has passed while it is neither completed nor cancelled."""
    today = today or timezone.localdate()
    return measure.end is not None and measure.end < today and measure.status not in CLOSED_STATUSES


@dataclass(frozen=True)
class OverdueMilestone:
    measure: Measure
    milestone: Milestone
    days: int


def overdue_milestones(
    measures: Iterable[Measure], today: date | None = None
) -> list[OverdueMilestone]:
    """The overdue milestones of ``measures``, the longest overdue first."""
    today = today or timezone.localdate()
    by_pk = {m.pk: m for m in measures}
    rows = Milestone.objects.filter(
        measure__in=list(by_pk), done__isnull=True, due__lt=today
    ).order_by("due", "pk")
    return [OverdueMilestone(by_pk[m.measure_id], m, (today - m.due).days) for m in rows]
