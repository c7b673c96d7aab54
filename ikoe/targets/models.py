"""Targets of the share of staff with a migration background, and promotion plans (docs/targets.md).

A :class:`Target` is one version of the target of an organisation (a Land, a ministry or an
agency): a share to reach by a deadline year, under a definition of migration background, with
the assumptions of the projection the coordinator entered. Setting a target again adds a version
and keeps the old ones (the history: who set what, when); the newest version is the one in force
(``current``), and a version marked ``removed`` says that the target was taken back.

A :class:`PromotionPlan` is the promotion plan (Förderplan, PartMigG §§ 7–9) of an organisation
for a period: its goals, the measures planned (as text until the measures registry exists), the
unit responsible and its state.

Both belong to the Land of their organisation and are read through its scope
(:mod:`ikoe.accounts.scope`): members of the Land and the federal level see them, a member
limited to an agency those of the agency and the units below it. Neither is ever public.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ikoe.accounts.models import acting_account
from ikoe.accounts.scope import ScopedQuerySet
from ikoe.labels import SURVEY_DEFINITION_LABELS

TARGET_KINDS = ("land", "ministry", "agency")
"""The kinds of organisation that have targets and promotion plans."""


DEFINITIONS: list[tuple[str, Any]] = list(SURVEY_DEFINITION_LABELS.items())
"""The definitions of migration background a target can refer to: those a staff survey
publishes its figures under (``ikoe.stats.definitions``), named as on the survey pages."""
DEFAULT_DEFINITION = "mighev_short"


class TargetQuerySet(ScopedQuerySet["Target"]):
    """Targets of the user's Land (or agency); never public."""

    land_field = "organisation__land"
    agency_field = "organisation"

    def in_force(self) -> QuerySet[Target]:
        """The version in force of every organisation that has a target."""
        return self.filter(current=True, removed=False)


class Target(models.Model):
    """One version of the target of an organisation (see the module)."""

    class Source(models.TextChoices):
        BENCHMARK = "benchmark", _("population benchmark of the Land")
        OWN = "own", _("own value")

    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="targets",
        limit_choices_to={"kind__in": TARGET_KINDS},
    )
    # The target share (0..1) and the year by which it is to be reached; empty in a version
    # that removes the target.
    share = models.FloatField(_("target share"), null=True, blank=True)
    deadline = models.PositiveSmallIntegerField(_("deadline (year)"), null=True, blank=True)
    definition = models.CharField(
        _("definition of migration background"),
        max_length=40,
        choices=DEFINITIONS,
        default=DEFAULT_DEFINITION,
    )
    source = models.CharField(
        _("where the target share comes from"),
        max_length=16,
        choices=Source.choices,
        default=Source.OWN,
    )
    # The population benchmark the share was taken from, and what it said at the time (the
    # benchmark rows are replaced when the reference data change).
    benchmark = models.ForeignKey(
        "benchmarks.Benchmark",
        verbose_name=_("benchmark"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    benchmark_text = models.CharField(_("benchmark (as it was)"), max_length=500, blank=True)
    # Assumptions of the projection, entered by the coordinator (fractions; growth may be
    # negative), and where they come from.
    exit_rate = models.FloatField(_("exit rate per year"), null=True, blank=True)
    growth = models.FloatField(_("growth of the workforce per year"), null=True, blank=True)
    hiring_share = models.FloatField(_("current hiring share"), null=True, blank=True)
    assumptions_note = models.TextField(_("where the assumptions come from"), blank=True)
    # The published share when the target was set: where the straight path to the target
    # starts (docs/targets.md, "The board").
    baseline_share = models.FloatField(_("share when the target was set"), null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("year of that share"), null=True, blank=True)
    baseline_survey = models.CharField(_("survey of that share"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    removed = models.BooleanField(_("target removed"), default=False)
    # The newest version of the organisation's target; kept by ikoe.targets.services.
    current = models.BooleanField(_("in force"), default=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The user name at the time, also when the account is renamed or deleted later.
    set_by_name = models.CharField(_("who"), max_length=150, blank=True)
    set_at = models.DateTimeField(_("when"), default=timezone.now)

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["organisation__code", "-set_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(current=True),
                name="one_current_target_per_organisation",
            ),
            models.CheckConstraint(
                condition=Q(removed=True) | (Q(share__gt=0) & Q(share__lte=1)),
                name="target_share_between_0_and_1",
            ),
        ]

    def __str__(self) -> str:
        if self.removed or self.share is None:
            return f"{self.organisation.code}: –"
        return f"{self.organisation.code}: {100 * self.share:.1f} % {self.deadline}"

    @property
    def has_assumptions(self) -> bool:
        return self.exit_rate is not None


class PromotionPlanQuerySet(ScopedQuerySet["PromotionPlan"]):
    """Promotion plans of the user's Land (or agency); never public."""

    land_field = "organisation__land"
    agency_field = "organisation"


class PromotionPlan(models.Model):
    """The promotion plan (Förderplan) of an organisation for a period (see the module)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("in preparation")
        ADOPTED = "adopted", _("adopted")
        IN_PROGRESS = "in_progress", _("being carried out")
        COMPLETED = "completed", _("completed")

    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="promotion_plans",
        limit_choices_to={"kind__in": TARGET_KINDS},
    )
    period_start = models.PositiveSmallIntegerField(_("from (year)"))
    period_end = models.PositiveSmallIntegerField(_("to (year)"))
    goals = models.TextField(_("goals"))
    measures = models.TextField(_("measures planned"), blank=True)
    responsible = models.CharField(_("responsible unit"), max_length=300)
    status = models.CharField(
        _("state"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by_name = models.CharField(_("who"), max_length=150, blank=True)

    objects = PromotionPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("promotion plan")
        verbose_name_plural = _("promotion plans")
        ordering = ["organisation__code", "-period_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="promotion_plan_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code}: {self.period_start}–{self.period_end}"

    def touch(self, user: Any) -> None:
        """Record who changed the plan, and when."""
        self.updated_at = timezone.now()
        self.updated_by = acting_account(user)
        self.updated_by_name = user.get_username() if self.updated_by is not None else ""
