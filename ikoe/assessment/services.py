"""The only writer of assessments: start, answer, finish (docs/assessment.md).

Scores come from :mod:`ikoe.stats.assessment` with the assessment's own questionnaire version;
finishing stores them, and a finished assessment is never scored again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ikoe.assessment import questionnaire as questionnaires
from ikoe.assessment.models import ASSESSED_KINDS, Answer, Assessment, DimensionScore
from ikoe.assessment.questionnaire import Questionnaire
from ikoe.organisations.models import Organisation
from ikoe.stats.assessment import MAX_LEVEL, Scores, score_assessment


class AssessmentError(ValueError):
    """A request the assessment cannot follow; the message is translated."""


def _name(user: Any) -> str:
    return user.get_username() if getattr(user, "is_authenticated", False) else ""


def questionnaire_of(assessment: Assessment) -> Questionnaire:
    """The questionnaire the assessment was made with; refuses a file changed since."""
    try:
        found = questionnaires.load(assessment.questionnaire_version)
    except KeyError:
        raise AssessmentError(
            _("The questionnaire version %(version)s is no longer shipped.")
            % {"version": assessment.questionnaire_version}
        ) from None
    if assessment.questionnaire_sha256 and found.sha256 != assessment.questionnaire_sha256:
        raise AssessmentError(
            _(
                "The file of questionnaire version %(version)s was changed after this assessment "
                "started. A published version must not change: put the change into a new version."
            )
            % {"version": assessment.questionnaire_version}
        )
    return found


def start(
    organisation: Organisation,
    user: Any,
    *,
    sectors: Sequence[str] = (),
    size_class: str = "",
    target_level: int = 3,
    version: str | None = None,
    source: str = "",
) -> Assessment:
    """A new draft of ``organisation`` with the newest questionnaire (or ``version``)."""
    if organisation.kind not in ASSESSED_KINDS:
        raise AssessmentError(
            _("Organisations of the kind “%(kind)s” do not take the IKÖ-Check on their own.")
            % {"kind": organisation.get_kind_display()}
        )
    found = questionnaires.load(version or questionnaires.current_version())
    known = {s for s, _label in found.sectors}
    unknown = sorted(set(sectors) - known)
    if unknown:
        raise AssessmentError(_("Unknown sector module %(value)s.") % {"value": ", ".join(unknown)})
    if not 1 <= target_level <= MAX_LEVEL:
        raise AssessmentError(_("The target level runs from 1 to 4."))
    return Assessment.objects.create(
        organisation=organisation,
        questionnaire_version=found.version,
        questionnaire_sha256=found.sha256,
        sectors=[s for s, _label in found.sectors if s in sectors],
        size_class=size_class or organisation.size_class,
        target_level=target_level,
        started_by_name=_name(user),
        source=source,
    )


def answers_of(assessment: Assessment) -> dict[str, Answer]:
    return {a.item_id: a for a in assessment.answers.all()}


def scores(assessment: Assessment, found: Questionnaire | None = None) -> Scores:
    """The scores: stored for a finished assessment, provisional for a draft."""
    found = found or questionnaire_of(assessment)
    levels = {a.item_id: a.level for a in assessment.answers.all()}
    computed = score_assessment(found.weights(assessment.sectors), levels)
    if not assessment.finished:
        return computed
    stored = {s.dimension: s.score for s in assessment.scores.all()}
    return Scores(
        dimensions={d.id: stored.get(d.id) for d in found.dimensions},
        overall=assessment.overall_score,
        answered=computed.answered,
        not_applicable=computed.not_applicable,
        total=computed.total,
        missing=computed.missing,
    )


def _editable(assessment: Assessment) -> None:
    if assessment.finished:
        raise AssessmentError(_("A finished assessment cannot be changed; start a new one."))


def answer(
    assessment: Assessment,
    item_id: str,
    user: Any,
    *,
    level: int | None,
    evidence_text: str = "",
    evidence_link: str = "",
    target_level: int | None = None,
    evidence_file: Any = None,
    remove_file: bool = False,
) -> Answer:
    """Record the answer to one item (``level`` ``None``: not applicable)."""
    _editable(assessment)
    found = questionnaire_of(assessment)
    asked = {i.id for i in found.items(assessment.sectors)}
    if item_id not in asked:
        raise AssessmentError(
            _("The item %(item)s is not part of this assessment.") % {"item": item_id}
        )
    if level is not None and not 0 <= level <= MAX_LEVEL:
        raise AssessmentError(_("A level runs from 0 to 4."))
    if target_level is not None and not 1 <= target_level <= MAX_LEVEL:
        raise AssessmentError(_("The target level runs from 1 to 4."))
    row, _created = Answer.objects.get_or_create(assessment=assessment, item_id=item_id)
    row.level = level
    row.evidence_text = evidence_text.strip()
    row.evidence_link = evidence_link.strip()
    row.target_level = target_level
    if remove_file and row.evidence_file:
        row.evidence_file.delete(save=False)
        row.evidence_file = ""
    if evidence_file is not None:
        if row.evidence_file:
            row.evidence_file.delete(save=False)
        row.evidence_file = evidence_file
    row.updated_at = timezone.now()
    row.updated_by_name = _name(user)
    row.save()
    Assessment.objects.filter(pk=assessment.pk).update(updated_at=row.updated_at)
    return row


def clear_answer(assessment: Assessment, item_id: str) -> None:
    """Take an answer back (the item counts as not answered again)."""
    _editable(assessment)
    for row in Answer.objects.filter(assessment=assessment, item_id=item_id):
        if row.evidence_file:
            row.evidence_file.delete(save=False)
        row.delete()


def finish(assessment: Assessment, user: Any, *, finished_at: datetime | None = None) -> Scores:
    """Finish a complete draft: store its scores, which never change again. ``finished_at``:
    when it was finished, for an assessment filled in elsewhere and imported (default: now)."""
    _editable(assessment)
    found = questionnaire_of(assessment)
    result = scores(assessment, found)
    if not result.complete:
        raise AssessmentError(
            ngettext(
                "%(count)d item is not answered yet: %(items)s.",
                "%(count)d items are not answered yet: %(items)s.",
                len(result.missing),
            )
            % {"count": len(result.missing), "items": ", ".join(result.missing)}
        )
    with transaction.atomic():
        DimensionScore.objects.filter(assessment=assessment).delete()
        DimensionScore.objects.bulk_create(
            DimensionScore(assessment=assessment, dimension=d, score=s)
            for d, s in result.dimensions.items()
        )
        assessment.status = Assessment.Status.FINISHED
        assessment.overall_score = result.overall
        assessment.finished_at = finished_at or timezone.now()
        assessment.started_at = min(assessment.started_at, assessment.finished_at)
        assessment.finished_by_name = _name(user)
        assessment.save()
    return result


def configure(
    assessment: Assessment,
    *,
    sharing: str | None = None,
    in_comparison: bool | None = None,
    target_level: int | None = None,
) -> Assessment:
    """Change who sees the assessment and whether it joins comparisons (also after finishing),
    and the target level (of a draft only: a finished assessment keeps the one it had)."""
    if sharing is not None:
        if sharing not in Assessment.Sharing.values:
            raise AssessmentError(_("Unknown choice of who may see the results."))
        assessment.sharing = sharing
    if in_comparison is not None:
        assessment.in_comparison = in_comparison
    if target_level is not None and target_level != assessment.target_level:
        _editable(assessment)
        if not 1 <= target_level <= MAX_LEVEL:
            raise AssessmentError(_("The target level runs from 1 to 4."))
        assessment.target_level = target_level
    assessment.save(update_fields=["sharing", "in_comparison", "target_level"])
    return assessment


@dataclass(frozen=True)
class ActionItem:
    """An item below its target level, with the suggestions to climb from where it stands."""

    item: questionnaires.Item
    level: int
    target: int
    answer: Answer

    @property
    def steps(self) -> list[tuple[int, questionnaires.Text]]:
        """``(level, suggestion)`` from the current level up to the target."""
        return [(n, self.item.next_steps[n]) for n in range(self.level, self.target)]


def action_plan(assessment: Assessment, found: Questionnaire | None = None) -> list[ActionItem]:
    """Every item answered with a level below its target (its own or the assessment's), in
    questionnaire order, the widest gaps of a dimension first."""
    found = found or questionnaire_of(assessment)
    rows = answers_of(assessment)
    plan: list[ActionItem] = []
    for dimension in found.dimensions:
        gaps = []
        for item in dimension.items_for(assessment.sectors):
            row = rows.get(item.id)
            if row is None or row.level is None:
                continue
            target = row.target_level or assessment.target_level
            if row.level < target:
                gaps.append(ActionItem(item, row.level, target, row))
        gaps.sort(key=lambda g: g.level - g.target)
        plan.extend(gaps)
    return plan


def history(organisation: Organisation) -> list[Assessment]:
    """The organisation's finished assessments, oldest first."""
    return list(
        Assessment.objects.filter(organisation=organisation)
        .finished()
        .order_by("finished_at", "pk")
        .prefetch_related("scores")
    )
