"""Assessments of the IKÖ-Check and their answers (docs/assessment.md).

An :class:`Assessment` is one organisation's self-assessment with one questionnaire version and
the sector modules it chose. Its members fill it in together as a draft (:class:`Answer` per
item: a level 0–4 or not applicable, evidence, a target level); finishing it stores its scores
(:class:`DimensionScore`), which never change afterwards, whatever later questionnaire versions
say.

Who sees an assessment is narrower than the rest of the Land's data: a self-assessment is a
tool for honest learning, so it belongs to the organisation that made it.

- The organisation's own members see and (as editors) fill in its assessments: a member limited
  to an agency or an outside organisation those of it and the units below it; a member of a
  whole Land those of the Land itself and its ministries.
- The Land's coordination and the federal level see an organisation's finished assessment only
  when the organisation shared it with them (``sharing``), and everyone sees it when it was
  made public. Otherwise they see it only inside anonymised aggregates (``comparison.py``).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ikoe.accounts.models import Role
from ikoe.accounts.scope import RANK, grants
from ikoe.organisations.models import Organisation

OWN_LAND_KINDS = (Organisation.Kind.LAND, Organisation.Kind.MINISTRY)
"""What a member of a whole Land assesses: the Land itself and its ministries (agencies and
outside organisations assess themselves through their own members)."""
ASSESSED_KINDS = (*OWN_LAND_KINDS, *Organisation.MEMBER_KINDS)
"""Kinds of organisation that take the IKÖ-Check."""
DEFAULT_TARGET_LEVEL = 3


def own_organisations(user: Any, role: Role | str = Role.VIEWER) -> Q:
    """The organisations the user acts for with ``role`` or higher, as a filter on
    ``Organisation`` (see the module)."""
    need = RANK[Role(role)]
    found = Q(pk__in=[])
    for grant in grants(user):
        if grant.rank < need or grant.nationwide:
            continue
        if grant.agency_id is None:
            found |= Q(land_id=grant.land_id, kind__in=OWN_LAND_KINDS)
        else:
            found |= Q(pk__in=grant.subtree)
    return found


class AssessmentQuerySet(QuerySet["Assessment"]):
    def own(self, user: Any, role: Role | str = Role.VIEWER) -> QuerySet[Assessment]:
        """Assessments of the organisations the user acts for."""
        return self.filter(
            organisation__in=Organisation.objects.filter(own_organisations(user, role))
        )

    def visible_to(self, user: Any, role: Role | str | None = None) -> QuerySet[Assessment]:
        """What the user may read (or, with ``role``, change: own assessments only)."""
        if role is not None:
            return self.own(user, role)
        allowed = Q(organisation__in=Organisation.objects.filter(own_organisations(user)))
        finished = Q(status=Assessment.Status.FINISHED)
        allowed |= finished & Q(sharing=Assessment.Sharing.PUBLIC)
        user_grants = grants(user)
        if any(g.nationwide for g in user_grants):
            allowed |= finished & Q(sharing=Assessment.Sharing.LAND)
        else:
            lands = {g.land_id for g in user_grants if g.agency_id is None}
            if lands:
                allowed |= (
                    finished
                    & Q(sharing=Assessment.Sharing.LAND)
                    & Q(organisation__land_id__in=lands)
                )
        return self.filter(allowed)

    def finished(self) -> QuerySet[Assessment]:
        return self.filter(status=Assessment.Status.FINISHED)


class Assessment(models.Model):
    """One organisation's IKÖ-Check with one questionnaire version (see the module)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        FINISHED = "finished", _("finished")

    class Sharing(models.TextChoices):
        PRIVATE = "private", _("only our organisation")
        LAND = "land", _("also the coordination of the Land and the federal level")
        PUBLIC = "public", _("everyone (public)")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    questionnaire_version = models.CharField(_("questionnaire version"), max_length=16)
    # The questionnaire file as it was when the assessment started: a changed file is refused.
    questionnaire_sha256 = models.CharField(max_length=64, editable=False)
    sectors = models.JSONField(_("sector modules"), default=list, blank=True)
    size_class = models.CharField(
        _("size"), max_length=16, choices=Organisation.SizeClass.choices, blank=True
    )
    target_level = models.PositiveSmallIntegerField(
        _("target level"),
        default=DEFAULT_TARGET_LEVEL,
        help_text=_("The level every item should reach; the action plan lists the items below it."),
    )
    status = models.CharField(
        _("state"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    sharing = models.CharField(
        _("who may see the results"),
        max_length=16,
        choices=Sharing.choices,
        default=Sharing.PRIVATE,
    )
    in_comparison = models.BooleanField(
        _("include in anonymised comparisons"),
        default=True,
        help_text=_(
            "Other organisations see only distributions of groups of at least five "
            "organisations, never a name."
        ),
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    started_by_name = models.CharField(_("started by"), max_length=150, blank=True)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    finished_by_name = models.CharField(_("finished by"), max_length=150, blank=True)
    # Stored when the assessment is finished, never recomputed.
    overall_score = models.FloatField(_("overall score"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("IKÖ-Check")
        verbose_name_plural = _("IKÖ-Checks")
        ordering = ["organisation__code", "-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_level__gte=1) & Q(target_level__lte=4),
                name="assessment_target_level_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(finished_at__isnull=False),
                name="finished_assessment_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code} {self.questionnaire_version} ({self.pk})"

    @property
    def finished(self) -> bool:
        return self.status == self.Status.FINISHED


def _evidence_path(instance: Answer, filename: str) -> str:
    """Evidence files lie in the upload folder, which no URL serves: the evidence view hands a
    file only to who may see its assessment."""
    return f"evidence/{instance.assessment_id}/{instance.item_id}/{filename}"


class Answer(models.Model):
    """The answer to one item: a level 0–4, or not applicable (``level`` empty); no row means
    not answered yet."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="answers", verbose_name=_("IKÖ-Check")
    )
    item_id = models.CharField(_("item"), max_length=32)
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    evidence_text = models.TextField(_("evidence"), blank=True, max_length=4000)
    evidence_link = models.URLField(_("link to evidence"), blank=True, max_length=500)
    evidence_file = models.FileField(
        _("evidence file"),
        upload_to=_evidence_path,
        blank=True,
        max_length=300,
    )
    target_level = models.PositiveSmallIntegerField(_("target level"), null=True, blank=True)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)
    updated_by_name = models.CharField(_("changed by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["assessment", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item_id"], name="one_answer_per_item"),
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__lte=4), name="answer_level_0_to_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {'n/a' if self.level is None else self.level}"

    @property
    def not_applicable(self) -> bool:
        return self.level is None


class DimensionScore(models.Model):
    """The score of one dimension of a finished assessment (``None``: all not applicable)."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("IKÖ-Check")
    )
    dimension = models.CharField(_("dimension"), max_length=32)
    score = models.FloatField(_("score"), null=True, blank=True)

    class Meta:
        verbose_name = _("dimension score")
        verbose_name_plural = _("dimension scores")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "dimension"], name="one_score_per_dimension"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension}: {self.score}"
