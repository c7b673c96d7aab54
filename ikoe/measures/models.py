"""The registries with which the opening is planned and followed (docs/measures.md): measures
with milestones, training offers and participation, funding programmes and their checks, and the
legal and strategic anchoring of the Länder and the federal level.

Every registry row belongs to an organisation (a Land, a ministry, an agency or an outside
organisation) and is read through the scope of its Land (:mod:`ikoe.accounts.scope`): members of
the Land and the federal level see the rows of the Land, a member limited to an agency those of
its subtree. The anchoring register is public: laws and strategies are published texts.
Every change is recorded in :class:`Change` (who changed what when).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ikoe.accounts.scope import ScopedQuerySet
from ikoe.assessment.questionnaire import DIMENSION_IDS
from ikoe.organisations.models import Organisation

DIMENSION_CHOICES = [
    ("strategy", _("Strategy and legal anchoring")),
    ("organisation", _("Organisation development")),
    ("personnel", _("Personnel development and diversity-oriented recruitment")),
    ("services", _("Service quality and access")),
    ("training", _("Intercultural competence training by occupational group")),
    ("funding", _("Intercultural opening in funding programmes")),
    ("cooperation", _("Cooperation with migrant organisations")),
]
"""The seven dimensions of the IKÖ-Check, which measures are filed under."""
assert [d for d, _label in DIMENSION_CHOICES] == list(DIMENSION_IDS)


class ScopedByOrganisation(ScopedQuerySet[Any]):
    """Rows of an organisation, read through its Land (or agency subtree)."""

    land_field = "organisation__land"
    agency_field = "organisation"


class ChangeQuerySet(ScopedQuerySet["Change"]):
    land_field = "land"
    agency_field = "organisation"


class Measure(models.Model):
    """A measure of an organisation (see the module); children roll their progress up."""

    class Type(models.TextChoices):
        ORGANISATION = "organisation", _("organisation development")
        PERSONNEL = "personnel", _("personnel development")
        QUALITY = "quality", _("quality development")
        RECRUITMENT = "recruitment", _("recruitment")
        RECOGNITION = (
            "recognition",
            _("recognition of foreign qualifications and adaptation qualification"),
        )
        ACCESS = "access", _("access to services")
        COOPERATION = "cooperation", _("cooperation with migrant organisations")

    class Anchoring(models.TextChoices):
        LEGAL = "legal", _("legal")
        STRATEGIC = "strategic", _("strategic")
        ORGANISATIONAL = "organisational", _("organisational")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", _("in progress")
        COMPLETED = "completed", _("completed")
        ON_HOLD = "on_hold", _("on hold")
        CANCELLED = "cancelled", _("cancelled")

    class Origin(models.TextChoices):
        MANUAL = "manual", _("entered by hand")
        ASSESSMENT = "assessment", _("a gap in the IKÖ-Check")
        BARRIER = "barrier", _("a finding of the barrier analysis")
        PROMOTION_PLAN = "promotion_plan", _("a promotion plan")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="measures",
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    dimension = models.CharField(
        _("IKÖ-Check dimension"), max_length=16, choices=DIMENSION_CHOICES, blank=True
    )
    anchoring = models.CharField(
        _("anchoring"), max_length=16, choices=Anchoring.choices, blank=True
    )
    goal = models.TextField(_("goal"), blank=True)
    indicator = models.CharField(_("indicator"), max_length=300, blank=True)
    target_value = models.CharField(_("target value"), max_length=100, blank=True)
    owner = models.CharField(_("owner (unit or person)"), max_length=200, blank=True)
    owner_email = models.EmailField(_("owner's e-mail"), blank=True)
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    budget = models.DecimalField(
        _("budget (euros)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    funding_source = models.CharField(_("funding source"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    # Where the measure came from, with the link kept.
    origin = models.CharField(
        _("origin"), max_length=16, choices=Origin.choices, default=Origin.MANUAL
    )
    origin_assessment = models.ForeignKey(
        "assessment.Assessment",
        verbose_name=_("IKÖ-Check"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    origin_item = models.CharField(_("IKÖ-Check item"), max_length=32, blank=True)
    origin_selection = models.ForeignKey(
        "barriers.SelectionData",
        verbose_name=_("selection data"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    origin_funnel = models.CharField(_("funnel"), max_length=300, blank=True)
    origin_stage = models.CharField(_("stage"), max_length=200, blank=True)
    origin_plan = models.ForeignKey(
        "targets.PromotionPlan",
        verbose_name=_("promotion plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    objects = ScopedByOrganisation.as_manager()

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["organisation__code", "start", "title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="measure_progress_at_most_100"
            ),
            models.CheckConstraint(
                condition=Q(start__isnull=True)
                | Q(end__isnull=True)
                | Q(end__gte=models.F("start")),
                name="measure_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("milestone"), max_length=300)
    due = models.DateField(_("due"))
    done = models.DateField(_("reached on"), null=True, blank=True)
    reminded = models.DateField(_("last reminder"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due", "pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.due})"


OCCUPATIONAL_GROUPS = [
    ("leadership", _("leaders")),
    ("hr", _("HR and selection")),
    ("front_office", _("staff with public contact")),
    ("casework", _("casework and administration")),
    ("teaching", _("teachers and educators")),
    ("police", _("police and public order")),
    ("health_care", _("health and care")),
    ("trainees", _("trainees and candidates")),
    ("other", _("other staff")),
]
"""The occupational groups that training plans and coverage are kept for (the resolution asks
for concepts per occupational group)."""


class TrainingOffer(models.Model):
    class Format(models.TextChoices):
        CLASSROOM = "classroom", _("in person")
        ONLINE = "online", _("online, live")
        SELF_STUDY = "self_study", _("e-learning (self-study)")
        BLENDED = "blended", _("blended")

    class Content(models.TextChoices):
        COMPETENCE = "competence", _("intercultural competence")
        ANTI_DISCRIMINATION = "anti_discrimination", _("anti-discrimination")
        LANGUAGE = "language", _("language")
        LAW = "law", _("legal basics")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="training_offers",
    )
    title = models.CharField(_("title"), max_length=300)
    provider = models.CharField(_("provider"), max_length=200)
    format = models.CharField(_("format"), max_length=16, choices=Format.choices)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    contents = models.JSONField(_("contents"), default=list)
    groups = models.JSONField(_("target occupational groups"), default=list)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    objects = ScopedByOrganisation.as_manager()

    class Meta:
        verbose_name = _("training offer")
        verbose_name_plural = _("training offers")
        ordering = ["organisation__code", "title", "pk"]

    def __str__(self) -> str:
        return self.title


class TrainingRecord(models.Model):
    """Per organisation, occupational group and year: staff, planned and trained (counts only,
    no names). Coverage = trained / staff."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="training_records",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    group = models.CharField(_("occupational group"), max_length=16, choices=OCCUPATIONAL_GROUPS)
    staff = models.PositiveIntegerField(_("staff (head count)"))
    planned = models.PositiveIntegerField(_("to be trained (plan)"), null=True, blank=True)
    # Empty until counted: the head counts may come first, from the personnel totals
    # (docs/measures.md, "Trainings").
    trained = models.PositiveIntegerField(_("trained"), null=True, blank=True)
    offer = models.ForeignKey(
        TrainingOffer,
        verbose_name=_("training offer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="records",
    )
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    objects = ScopedByOrganisation.as_manager()

    class Meta:
        verbose_name = _("training participation")
        verbose_name_plural = _("training participation")
        ordering = ["organisation__code", "-year", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "group"], name="one_training_record_per_group_year"
            ),
            models.CheckConstraint(
                condition=Q(trained__lte=models.F("staff")), name="trained_at_most_staff"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code} {self.year} {self.group}: {self.trained}/{self.staff}"


FUNDING_CRITERIA = (
    "languages",
    "migrant_organisations",
    "accessible_application",
    "reach_reported",
    "diverse_juries",
    "outreach",
)
"""The criteria a funding programme is checked against (docs/measures.md, "Funding programmes")."""


class FundingProgramme(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("awarding organisation"),
        on_delete=models.PROTECT,
        related_name="funding_programmes",
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("web page"), blank=True, max_length=500)
    annual_budget = models.DecimalField(
        _("annual budget (euros)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    objects = ScopedByOrganisation.as_manager()

    class Meta:
        verbose_name = _("funding programme")
        verbose_name_plural = _("funding programmes")
        ordering = ["organisation__code", "title", "pk"]

    def __str__(self) -> str:
        return self.title


class FundingCheckQuerySet(ScopedQuerySet["FundingCheck"]):
    land_field = "programme__organisation__land"
    agency_field = "programme__organisation"


class FundingCheck(models.Model):
    """One check of a programme against :data:`FUNDING_CRITERIA`; the history is the list of
    checks. ``answers`` maps each criterion to ``"yes"``, ``"partly"`` or ``"no"``."""

    programme = models.ForeignKey(
        FundingProgramme,
        verbose_name=_("funding programme"),
        on_delete=models.CASCADE,
        related_name="checks",
    )
    checked_on = models.DateField(_("checked on"), default=timezone.localdate)
    answers = models.JSONField(_("answers"), default=dict)
    score = models.FloatField(_("score (0–100)"))
    note = models.TextField(_("note"), blank=True)
    checked_by_name = models.CharField(_("checked by"), max_length=150, blank=True)

    objects = FundingCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("check of a funding programme")
        verbose_name_plural = _("checks of funding programmes")
        ordering = ["programme", "-checked_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.programme} {self.checked_on}: {self.score:.0f}"


class Provision(models.Model):
    """One provision of a law, decree, agreement, strategy or action plan that anchors the
    opening, per Land (or the federal level: ``land`` empty) and optionally one agency."""

    class Instrument(models.TextChoices):
        LAW = "law", _("law")
        DECREE = "decree", _("decree")
        AGREEMENT = "agreement", _("agreement")
        STRATEGY = "strategy", _("strategy")
        ACTION_PLAN = "action plan", _("action plan")

    region_code = models.CharField(_("region"), max_length=8)  # DE-BE … or DE-BUND
    land = models.ForeignKey(
        Organisation,
        verbose_name=_("Land"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="provisions",
        limit_choices_to={"kind": "land"},
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    instrument = models.CharField(_("instrument"), max_length=16, choices=Instrument.choices)
    official_name = models.CharField(_("official name"), max_length=500)
    short_name = models.CharField(_("short name"), max_length=100)
    in_force_since = models.CharField(_("in force since"), max_length=200, blank=True)
    since = models.DateField(_("in force since (date)"), null=True, blank=True)
    provision = models.CharField(_("provision"), max_length=300)
    paragraph = models.CharField(_("paragraph"), max_length=100, blank=True)
    requirement = models.TextField(_("what it requires"))
    source = models.CharField(_("source"), max_length=1000)
    shipped = models.BooleanField(_("shipped with the platform"), default=False)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("provision")
        verbose_name_plural = _("anchoring register")
        ordering = ["region_code", "short_name", "pk"]

    def __str__(self) -> str:
        return f"{self.short_name} {self.paragraph}".strip()


class Change(models.Model):
    """Who changed what when, for every registry row (the change history)."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        CHANGED = "changed", _("changed")
        DELETED = "deleted", _("deleted")
        IMPORTED = "imported", _("imported")

    registry = models.CharField(_("registry"), max_length=32)  # the model's name, e.g. "measure"
    object_id = models.PositiveIntegerField(_("row"))
    label = models.CharField(_("what"), max_length=300)
    land = models.ForeignKey(
        Organisation,
        verbose_name=_("Land"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    # {field: [old, new]} in the values users read
    fields = models.JSONField(_("changes"), default=dict)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_name = models.CharField(_("who"), max_length=150, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("change history")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["registry", "object_id"])]

    def __str__(self) -> str:
        return f"{self.registry} {self.object_id} {self.action} {self.at:%Y-%m-%d}"
