"""The exchange across Länder (docs/exchange.md): practices of intercultural opening that
agencies and Länder submit and their Land's coordinator reviews and publishes, and the federal
level's consultations of the Länder on programme drafts.

A practice belongs to its Land (``land``; none for practices of the federal level) and to the
organisation that submitted it. Published practices are public; the others are read through
the scope of their Land (:mod:`ikoe.accounts.scope`). The search masks and the full-text index
are derived from the record by :mod:`ikoe.exchange.services`, the only writer.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Lookup
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ikoe.accounts.scope import ScopedQuerySet
from ikoe.exchange import vocab
from ikoe.organisations.models import Organisation


class PracticeQuerySet(ScopedQuerySet["Practice"]):
    land_field = "land"
    agency_field = "organisation"
    published_field = "published"


class Practice(models.Model):
    """One practice, with the fields of the good-practice record (docs/exchange.md)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("sent back for revision")
        REVIEWED = "reviewed", _("reviewed")
        PUBLISHED = "published", _("published")

    # Identity
    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The key of a practice shipped with the platform (P01 …)."),
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"))
    language = models.CharField(_("language"), max_length=2, choices=vocab.LANGUAGES, default="de")
    region_code = models.CharField(
        _("Land"),
        max_length=8,
        db_index=True,
        help_text=_("ISO 3166-2 code of the Land, DE-BUND for the federal level."),
    )
    land = models.ForeignKey(
        Organisation,
        verbose_name=_("Land"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("submitted by (organisation)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="practices",
    )
    municipality = models.CharField(_("municipality"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=8, choices=vocab.LEVELS)
    lead_body = models.CharField(_("lead body"), max_length=500)
    lead_type = models.CharField(_("type of lead body"), max_length=16, choices=vocab.LEAD_TYPES)
    partners = models.TextField(_("partners"), blank=True)
    partners_migrant_org = models.BooleanField(
        _("a migrant organisation is a partner"), default=False
    )
    contact_role = models.CharField(_("contact (role)"), max_length=300, blank=True)
    contact = models.TextField(
        _("contact details"),
        blank=True,
        help_text=_("Shown to signed-in users only."),
    )
    # Classification: lists of codes (vocab.py); the masks below are derived for the search.
    dimensions = models.JSONField(_("IKÖ-Check dimensions"), default=list)
    sectors = models.JSONField(_("standard systems"), default=list)
    target_groups = models.JSONField(_("target groups"), default=list)
    occupational_groups = models.JSONField(_("occupational groups"), default=list, blank=True)
    measure_types = models.JSONField(_("measure types"), default=list)
    keywords = models.CharField(_("keywords"), max_length=500, blank=True)
    # Content
    starting_point = models.TextField(_("starting point"), blank=True)
    goals = models.TextField(_("goals (in numbers where possible)"), blank=True)
    activities = models.TextField(_("activities"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    started = models.DateField(_("started"), null=True, blank=True)
    ended = models.DateField(_("ended"), null=True, blank=True)
    period = models.CharField(_("period (as written)"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=vocab.STATUSES)
    # Resources
    cost_band = models.CharField(
        _("cost band"), max_length=10, choices=vocab.COST_BANDS, default="unknown"
    )
    funding_source = models.CharField(_("funding source"), max_length=500, blank=True)
    staff = models.CharField(_("staff"), max_length=500, blank=True)
    # Results and evidence
    outcomes = models.TextField(_("outcomes against the goals"), blank=True)
    indicators = models.TextField(_("indicators"), blank=True)
    evaluation = models.CharField(
        _("evaluation"), max_length=8, choices=vocab.EVALUATIONS, default="none"
    )
    evaluation_link = models.URLField(_("evaluation report (link)"), max_length=500, blank=True)
    challenges = models.TextField(_("challenges"), blank=True)
    success_conditions = models.TextField(_("conditions of success"), blank=True)
    # Transfer
    prerequisites = models.TextField(_("prerequisites"), blank=True)
    adaptations = models.TextField(_("adaptations for another place"), blank=True)
    reuses = models.TextField(_("known reuses"), blank=True)
    related = models.ManyToManyField(
        "self", verbose_name=_("related practices"), blank=True, symmetrical=True
    )
    # Meta
    licence = models.CharField(_("licence"), max_length=100, default="CC BY 4.0")
    certainty = models.CharField(_("certainty of the sources"), max_length=40, blank=True)
    sources = models.TextField(_("sources"), blank=True)
    shipped = models.BooleanField(_("shipped with the platform"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    published = models.BooleanField(_("published"), default=False, editable=False)
    published_at = models.DateTimeField(_("published on"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("last update"), default=timezone.now, db_index=True)
    # Search masks (vocab.MULTI), derived on save.
    dimensions_mask = models.IntegerField(default=0, editable=False)
    sectors_mask = models.IntegerField(default=0, editable=False)
    target_groups_mask = models.IntegerField(default=0, editable=False)
    measure_types_mask = models.IntegerField(default=0, editable=False)

    objects = PracticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        ordering = ["-updated_at", "pk"]
        indexes = [
            models.Index(fields=["state", "land"], name="practice_state_land"),
            # Every column the facets filter and count by, led by the id, so that the search
            # looks up the records that the full-text index found in this narrow index instead
            # of the wide rows with their texts (docs/performance.md).
            models.Index(
                fields=[
                    "id",
                    "published",
                    "region_code",
                    "level",
                    "status",
                    "evaluation",
                    "cost_band",
                    "state",
                    "dimensions_mask",
                    "sectors_mask",
                    "target_groups_mask",
                    "measure_types_mask",
                    "land",
                    "organisation",
                    "updated_at",
                ],
                name="practice_facets",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.published = self.state == self.State.PUBLISHED
        for field, choices in vocab.MULTI.items():
            setattr(self, f"{field}_mask", vocab.mask(choices, getattr(self, field) or []))
        super().save(*args, **kwargs)

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(";") if k.strip()]

    @property
    def source_list(self) -> list[str]:
        return [s.strip() for s in self.sources.replace("\n", ";").split(";") if s.strip()]


class AnyBits(Lookup):  # type: ignore[type-arg]
    """``mask__anybits=bits``: at least one of the bits is set."""

    lookup_name = "anybits"

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"({lhs} & {rhs}) <> 0", (*lhs_params, *rhs_params)


for _name in vocab.MULTI:
    Practice._meta.get_field(f"{_name}_mask").register_lookup(AnyBits)  # type: ignore[union-attr]


class PracticeVersion(models.Model):
    """A practice as it was saved: every save of its content is kept, numbered 1, 2, …"""

    practice = models.ForeignKey(
        Practice, verbose_name=_("practice"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    content = models.JSONField(_("content"))
    state = models.CharField(_("state"), max_length=10, choices=Practice.State.choices)
    changed_fields = models.JSONField(_("changed fields"), default=list)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("saved"), default=timezone.now)

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        ordering = ["practice", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "number"], name="practice_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.practice_id} v{self.number}"


class ReviewEvent(models.Model):
    """One step of the review: a comment, a submission, a return, a review, a publication."""

    class Action(models.TextChoices):
        COMMENT = "comment", _("commented")
        SUBMIT = "submit", _("submitted")
        RETURN = "return", _("sent back for revision")
        REVIEW = "review", _("marked as reviewed")
        PUBLISH = "publish", _("published")
        UNPUBLISH = "unpublish", _("withdrew the publication")

    practice = models.ForeignKey(
        Practice,
        verbose_name=_("practice"),
        on_delete=models.CASCADE,
        related_name="review_events",
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    text = models.TextField(_("comment"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")
        ordering = ["practice", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.practice_id} {self.action}"


def _attachment_path(instance: PracticeAttachment, filename: str) -> str:
    """Attachments lie in the upload folder, which no URL serves: the attachment view hands a
    file only to who may see its practice."""
    return f"practices/{instance.practice_id}/{filename}"


class PracticeAttachment(models.Model):
    practice = models.ForeignKey(
        Practice,
        verbose_name=_("practice"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=500)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["practice", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title


# --- programme consultations (docs/exchange.md, "Programme consultations") -----------------------


class Consultation(models.Model):
    """The federal level asks the Länder about a programme it drafts (resolution §2).

    A draft is seen by the federal level only; once opened, its questions are fixed and the
    Länder answer until the deadline (a date, answers accepted through that whole day). "Closed"
    is derived: open and the deadline passed (:mod:`ikoe.exchange.consultations`).
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")

    title = models.CharField(_("title"), max_length=300)
    programme = models.CharField(_("programme"), max_length=300)
    description = models.TextField(_("the programme draft"))
    federal_body = models.CharField(_("federal body"), max_length=300)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.DRAFT)
    deadline = models.DateField(_("deadline"))
    opened_at = models.DateTimeField(_("opened on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-deadline", "-pk"]

    def __str__(self) -> str:
        return self.title


class ConsultationQuestion(models.Model):
    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="questions",
    )
    number = models.PositiveIntegerField(_("number"))
    text = models.TextField(_("question"))
    guidance = models.TextField(_("guidance"), blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["consultation", "number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "number"], name="consultation_question_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:60]}"


class LandResponse(models.Model):
    """A Land's answer to a consultation: an answer per question and the three parts the
    resolution names. Saved as a draft until the Land's coordinator submits it."""

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="responses",
    )
    land = models.ForeignKey(
        Organisation, verbose_name=_("Land"), on_delete=models.PROTECT, related_name="+"
    )
    local_structures = models.TextField(_("structures in the Land"), blank=True)
    programmes = models.TextField(_("existing or tested programmes"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    submitted_at = models.DateTimeField(_("submitted on"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("last update"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("answer of a Land")
        verbose_name_plural = _("answers of the Länder")
        ordering = ["consultation", "land__code"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "land"], name="land_response_unique")
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} {self.land_id}"


class QuestionAnswer(models.Model):
    response = models.ForeignKey(
        LandResponse, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        ConsultationQuestion,
        verbose_name=_("question"),
        on_delete=models.CASCADE,
        related_name="answers",
    )
    text = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("answer to a question")
        verbose_name_plural = _("answers to questions")
        ordering = ["response", "question__number"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="question_answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.response_id} {self.question_id}"
