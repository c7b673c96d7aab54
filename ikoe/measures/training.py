"""Training offers and participation: the only writer of :class:`TrainingOffer` and
:class:`TrainingRecord`, and the coverage per organisation, occupational group and year
(docs/measures.md, "Trainings").

Participation is kept as counts (staff, planned, trained) per organisation, occupational group
and year; no person is ever named. The figures:

- coverage = trained / staff;
- against plan = trained / planned (when a plan of at least one person is entered);
- a gap: fewer trained than planned, no participation counted yet for a group whose head count
  the personnel totals gave, or no record for a group that the organisation's training offers
  are meant for.

Every create and change is recorded in the change history (:mod:`ikoe.measures.history`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ikoe.accounts.scope import visible
from ikoe.measures import history
from ikoe.measures.models import OCCUPATIONAL_GROUPS, TrainingOffer, TrainingRecord
from ikoe.organisations.models import Organisation

OFFER_FIELDS = ("organisation", "title", "provider", "format", "hours", "contents", "groups")
OFFER_FIELDS_ALL = (*OFFER_FIELDS, "description")
RECORD_FIELDS = ("staff", "planned", "trained", "offer")
GROUP_LABELS: dict[str, Any] = dict(OCCUPATIONAL_GROUPS)
GROUP_ORDER = {code: i for i, (code, _label) in enumerate(OCCUPATIONAL_GROUPS)}

GAP_BELOW_PLAN = "below_plan"
GAP_NO_RECORD = "no_record"
GAP_NOT_COUNTED = "not_counted"


@transaction.atomic
def save_offer(
    user: Any,
    organisation: Organisation,
    values: Mapping[str, Any],
    offer: TrainingOffer | None = None,
) -> TrainingOffer:
    """Create a training offer of ``organisation`` (``offer`` ``None``) or change ``offer``,
    with its entry in the change history."""
    row = TrainingOffer() if offer is None else offer
    with history.recorded(row, OFFER_FIELDS_ALL, user):
        row.organisation = organisation
        for name in OFFER_FIELDS_ALL[1:]:
            if name in values:
                setattr(row, name, values[name])
        row.contents = sorted(set(row.contents or []))
        row.groups = sorted(set(row.groups or []), key=lambda g: GROUP_ORDER.get(g, 99))
        row.updated_at = timezone.now()
        row.save()
    return row


def check_counts(staff: int, planned: int | None, trained: int) -> None:
    """Refuse counts that cannot be: more trained or planned than there are staff."""
    errors: dict[str, str] = {}
    if trained > staff:
        errors["trained"] = _(
            "More trained (%(trained)s) than staff (%(staff)s): the number trained can be at "
            "most the head count of the group."
        ) % {"trained": trained, "staff": staff}
    if planned is not None and planned > staff:
        errors["planned"] = _(
            "More planned (%(planned)s) than staff (%(staff)s): the plan can be at most the head "
            "count of the group."
        ) % {"planned": planned, "staff": staff}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_record(
    user: Any,
    organisation: Organisation,
    year: int,
    group: str,
    *,
    staff: int,
    planned: int | None,
    trained: int,
    offer: TrainingOffer | None = None,
) -> tuple[TrainingRecord, bool]:
    """Enter the counts of ``organisation``, ``group`` and ``year``: a new record, or the one
    that exists changed. Returns the record and whether it was created."""
    if group not in GROUP_LABELS:
        raise ValidationError({"group": _("Choose an occupational group from the list.")})
    check_counts(staff, planned, trained)
    row = (
        TrainingRecord.objects.select_for_update()
        .filter(organisation=organisation, year=year, group=group)
        .first()
    )
    creating = row is None
    if row is None:
        row = TrainingRecord(organisation=organisation, year=year, group=group)
    label = f"{organisation.name}, {year}, {GROUP_LABELS[group]}"
    with history.recorded(row, RECORD_FIELDS, user, label=label):
        row.staff, row.planned, row.trained, row.offer = staff, planned, trained, offer
        row.updated_at = timezone.now()
        row.save()
    return row, creating


@dataclass(frozen=True)
class CoverageRow:
    """One organisation and occupational group in one year."""

    organisation: Organisation
    group: str
    staff: int | None = None
    planned: int | None = None
    trained: int | None = None
    record: TrainingRecord | None = None

    @property
    def group_label(self) -> str:
        return str(GROUP_LABELS.get(self.group, self.group))

    @property
    def coverage(self) -> float | None:
        """trained / staff (0..1); ``None`` without a record or without staff."""
        if self.trained is None or not self.staff:
            return None
        return self.trained / self.staff

    @property
    def against_plan(self) -> float | None:
        """trained / planned (0..1 and above); ``None`` without a plan of at least one."""
        if self.trained is None or not self.planned:
            return None
        return self.trained / self.planned

    @property
    def gap(self) -> str:
        """``"no_record"``, ``"not_counted"`` (head count from the personnel totals, no
        participation yet), ``"below_plan"`` or ``""`` (no gap)."""
        if self.record is None:
            return GAP_NO_RECORD
        if self.trained is None:
            return GAP_NOT_COUNTED
        if self.planned and self.trained is not None and self.trained < self.planned:
            return GAP_BELOW_PLAN
        return ""

    @property
    def gap_text(self) -> str:
        if self.gap == GAP_NO_RECORD:
            return _("gap: no counts although a training offer is meant for this group")
        if self.gap == GAP_NOT_COUNTED:
            return _("gap: head count known, but no participation counted yet")
        if self.gap == GAP_BELOW_PLAN:
            assert self.planned is not None and self.trained is not None
            return _("gap: %(missing)s fewer trained than planned") % {
                "missing": self.planned - self.trained
            }
        return ""


@dataclass(frozen=True)
class GroupTotal:
    """The sums of one occupational group over the organisations in reach."""

    group: str
    staff: int
    trained: int
    organisations: int

    @property
    def group_label(self) -> str:
        return str(GROUP_LABELS.get(self.group, self.group))

    @property
    def coverage(self) -> float | None:
        return self.trained / self.staff if self.staff else None


def _in_land(qs: Any, land: Organisation) -> Any:
    return qs.filter(organisation__land=land)  # a Land is its own ``land``


def offers(user: Any, land: Organisation) -> list[TrainingOffer]:
    """The training offers of the Land in the user's reach."""
    return list(_in_land(visible(TrainingOffer, user), land).select_related("organisation"))


def records(user: Any, land: Organisation, year: int) -> list[TrainingRecord]:
    return list(
        _in_land(visible(TrainingRecord, user), land)
        .filter(year=year)
        .select_related("organisation", "offer")
    )


def years(user: Any, land: Organisation) -> list[int]:
    """The years with counts in the user's reach, newest first."""
    found = _in_land(visible(TrainingRecord, user), land).values_list("year", flat=True)
    return sorted(set(found), reverse=True)


def coverage_rows(
    found: Iterable[TrainingRecord], offered: Iterable[TrainingOffer]
) -> list[CoverageRow]:
    """A row per record, and a row marked as a gap for every group that an organisation's
    offers are meant for and that has no record; by organisation, then group."""
    rows: dict[tuple[int, str], CoverageRow] = {}
    for r in found:
        rows[(r.organisation_id, r.group)] = CoverageRow(
            r.organisation, r.group, r.staff, r.planned, r.trained, r
        )
    for offer in offered:
        for group in offer.groups or []:
            if group in GROUP_LABELS:
                rows.setdefault(
                    (offer.organisation_id, group), CoverageRow(offer.organisation, group)
                )
    return sorted(
        rows.values(),
        key=lambda row: (row.organisation.code, GROUP_ORDER.get(row.group, 99)),
    )


def group_totals(rows: Iterable[CoverageRow]) -> list[GroupTotal]:
    """Per occupational group: sum trained / sum staff over the rows with a record."""
    sums: dict[str, list[int]] = {}
    for row in rows:
        if row.record is None or row.staff is None or row.trained is None:
            continue
        s = sums.setdefault(row.group, [0, 0, 0])
        s[0] += row.staff
        s[1] += row.trained
        s[2] += 1
    return [
        GroupTotal(g, s[0], s[1], s[2])
        for g, s in sorted(sums.items(), key=lambda item: GROUP_ORDER.get(item[0], 99))
    ]


def coverage(user: Any, land: Organisation, year: int) -> list[CoverageRow]:
    """The coverage table of the Land in ``year`` as the user may read it."""
    return coverage_rows(records(user, land, year), offers(user, land))
