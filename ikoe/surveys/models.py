"""Staff surveys: their metadata, release history and protected cells.

The microdata of a survey live only in a restricted Parquet snapshot; the database holds
metadata, diagnostics and the cells that went through disclosure control.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ikoe.accounts.models import Role
from ikoe.accounts.scope import ScopedQuerySet


class SurveyPartQuerySet(ScopedQuerySet["SurveyPart"]):
    """The parts of the user's Land, and every released part."""

    land_field = "land"
    published_field = "published"


class SurveyQuerySet(ScopedQuerySet["Survey"]):
    """Surveys with a part in the user's Land, and every survey with a released part.

    A survey is found through its parts (:class:`SurveyPart`): a joint survey of several Länder
    is in the scope of each of them, and public as soon as one Land released its part (the
    figures of the parts not released stay out of reach, :mod:`ikoe.surveys.scope`).
    """

    def visible_to(self, user: Any, role: Role | str | None = None) -> QuerySet[Survey]:
        parts = SurveyPart.objects.visible_to(user, role).values("survey_id")
        return self.filter(pk__in=parts)

    def with_parts(self) -> SurveyQuerySet:
        """The surveys with their parts and Länder read in one query more for all of them
        (what :attr:`Survey.parts_list` reads one query per survey otherwise)."""
        parts = SurveyPart.objects.select_related("land").order_by("land__code")
        # Stored where parts_list keeps what it read (django-stubs sees a second definition).
        prefetch = models.Prefetch("parts", queryset=parts, to_attr="_parts_cache")
        return self.prefetch_related(prefetch)  # type: ignore[no-redef]


class SurveyReleaseQuerySet(ScopedQuerySet["SurveyRelease"]):
    """Who released a survey is never public, also when the survey is; a Land sees the
    records of its own part."""

    land_field = "land"


class Survey(models.Model):
    """A staff survey of one Land, or a joint survey of several Länder and the federal level.

    Its microdata live only in a restricted Parquet snapshot; the database holds metadata,
    diagnostics and protected indicator cells. Each Land it covers is a :class:`SurveyPart`,
    released by that Land's coordinator.
    """

    name = models.SlugField(_("name"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300)
    # The Land of a survey of one Land; empty for a joint survey (its Länder are its parts).
    land = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("Land"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="surveys",
        limit_choices_to={"kind": "land"},
    )
    year = models.PositiveSmallIntegerField(_("year"))
    population = models.CharField(
        _("surveyed population"),
        max_length=200,
        blank=True,
        help_text=_("Surveys of the same population in different years form a trend."),
    )
    fieldwork = models.CharField(_("fieldwork period"), max_length=100, blank=True)
    population_size = models.PositiveIntegerField(
        _("staff in the surveyed population"), null=True, blank=True
    )
    respondents = models.PositiveIntegerField(_("respondents"))
    weighted = models.BooleanField(_("weighted to personnel totals"), default=False)
    synthetic = models.BooleanField(
        _("synthetic demo data"),
        default=False,
        help_text=_("Generated data for trying the platform out."),
    )
    # Whether every part is released; kept by ikoe.surveys.release.set_release together with
    # the parts' flags, which the scope rules read.
    published = models.BooleanField(
        _("released for the public"),
        default=False,
        help_text=_("Set by the coordinators of its Länder: released when every part is."),
    )
    snapshot = models.CharField(_("snapshot file"), max_length=300, editable=False)
    totals_snapshot = models.CharField(
        _("personnel totals file"), max_length=300, blank=True, editable=False
    )
    snapshot_sha256 = models.CharField(max_length=64, editable=False)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    diagnostics = models.JSONField(
        _("import diagnostics"), default=dict, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    created_by = models.ForeignKey(
        "auth.User", verbose_name=_("imported by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff survey")
        verbose_name_plural = _("staff surveys")
        ordering = ["land__code", "-year", "name"]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"

    @property
    def parts_list(self) -> list[SurveyPart]:
        """The survey's parts with their Länder, ordered by Land code (read once)."""
        cached = getattr(self, "_parts_cache", None)
        if cached is None:
            # ``prefetch_related`` of the parts (ordered, with their Land) saves the query.
            prefetched = getattr(self, "_prefetched_objects_cache", {}).get("parts")
            if prefetched is not None:
                cached = list(prefetched)
            else:
                cached = list(self.parts.select_related("land").order_by("land__code"))
            self._parts_cache = cached
        return cached

    def forget_parts(self) -> None:
        """Read the parts again next time (after a release changed them)."""
        self.__dict__.pop("_parts_cache", None)
        getattr(self, "_prefetched_objects_cache", {}).pop("parts", None)

    @property
    def joint(self) -> bool:
        """Whether the survey covers more than one Land (or the federal level beside one)."""
        return len(self.parts_list) > 1

    @property
    def lands(self) -> list[Any]:
        """The Länder the survey covers (organisations of kind Land), by code."""
        return [p.land for p in self.parts_list]

    @property
    def land_names(self) -> str:
        """The names of its Länder, for headers and lists."""
        return ", ".join(p.land.name for p in self.parts_list)

    @property
    def released_names(self) -> str:
        """The names of the Länder whose part is released."""
        return ", ".join(p.land.name for p in self.parts_list if p.published)

    @property
    def partly_published(self) -> bool:
        """Whether some but not all of its parts are released."""
        flags = {p.published for p in self.parts_list}
        return flags == {True, False}

    @property
    def response_rate(self) -> float | None:
        if not self.population_size:
            return None
        return self.respondents / self.population_size


class SurveyPart(models.Model):
    """The part of a survey in one Land: its respondents, and whether the Land released it.

    Every survey has one part per Land it covers (a survey of one Land has one). A part's
    figures (the cells of its Land and of the organisations in it) are public once the Land's
    coordinator released it; figures across the Länder of a joint survey once every part is.
    """

    survey = models.ForeignKey(
        "Survey", verbose_name=_("staff survey"), on_delete=models.CASCADE, related_name="parts"
    )
    land = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("Land"),
        on_delete=models.PROTECT,
        related_name="survey_parts",
        limit_choices_to={"kind": "land"},
    )
    respondents = models.PositiveIntegerField(_("respondents"), default=0)
    # Changed only by ikoe.surveys.release.set_release, which records every change.
    published = models.BooleanField(_("released for the public"), default=False)

    objects = SurveyPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("part of a survey")
        verbose_name_plural = _("parts of surveys")
        ordering = ["survey", "land__code"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "land"], name="one_part_per_land"),
        ]

    def __str__(self) -> str:
        return f"{self.survey.name}: {self.land.code}"


class SurveyRelease(models.Model):
    """One release of a survey to the public, or one withdrawal: who, when, how, why.

    Written only by :mod:`ikoe.surveys.release` together with ``Survey.published``. A record
    outlives its survey (``survey`` becomes empty, ``survey_name`` stays); a new import under
    the same name in the same Land takes over the history of the survey it replaces.
    """

    class Action(models.TextChoices):
        RELEASE = "release", _("released")
        WITHDRAW = "withdraw", _("release withdrawn")

    class Channel(models.TextChoices):
        PAGE = "page", _("release page")
        COMMAND = "command", _("command line")
        IMPORT = "import", _("import")

    survey = models.ForeignKey(
        Survey,
        verbose_name=_("staff survey"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="releases",
    )
    survey_name = models.CharField(_("short name of the survey"), max_length=100)
    # The Land whose part was released or withdrawn.
    land = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("Land"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "land"},
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    channel = models.CharField(_("done through"), max_length=16, choices=Channel.choices)
    user = models.ForeignKey(
        "auth.User",
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The user name at the time, also when the account is renamed or deleted later; on the
    # command line without --user, the operating-system account that ran the command.
    username = models.CharField(_("who"), max_length=150, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    note = models.TextField(_("note"), blank=True)

    objects = SurveyReleaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey release")
        verbose_name_plural = _("survey releases")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.survey_name}: {self.get_action_display()} ({self.at:%Y-%m-%d %H:%M})"


class IndicatorCell(models.Model):
    """One protected cell of a published table: what dashboards, API and exports read.

    Suppressed cells keep their status, symbol and reason but no share, count of persons with
    a migration background, interval or shortfall; where the count of respondents (or of those
    who answered) is suppressed too, that count is empty as well. ``reason`` holds the codes of
    :data:`ikoe.surveys.publication.REASONS`, separated by commas.
    """

    class Status(models.TextChoices):
        PUBLISHED = "published", _("published")
        PRIMARY = "primary", _("suppressed (primary)")
        SECONDARY = "secondary", _("suppressed (secondary)")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="cells")
    table = models.CharField(_("table"), max_length=200)
    definition = models.CharField(_("definition"), max_length=40)
    weighted = models.BooleanField(_("weighted"), default=False)
    dims = models.JSONField(_("dimensions"), default=dict)
    respondents = models.PositiveIntegerField(_("respondents"), null=True, blank=True)
    declared = models.PositiveIntegerField(_("declared"), null=True, blank=True)
    yes = models.PositiveIntegerField(_("with migration background"), null=True, blank=True)
    share = models.FloatField(_("share"), null=True, blank=True)
    se = models.FloatField(_("standard error"), null=True, blank=True)
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    headcount = models.FloatField(_("staff (head count)"), null=True, blank=True)
    effective_n = models.FloatField(
        _("effective number of declared respondents"), null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    symbol = models.CharField(_("symbol"), max_length=4, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("indicator cell")
        verbose_name_plural = _("indicator cells")
        indexes = [models.Index(fields=["survey", "table", "definition", "weighted"])]

    def __str__(self) -> str:
        return f"{self.survey.name} {self.table} {self.dims}: {self.status}"

    @property
    def suppressed(self) -> bool:
        return self.status != self.Status.PUBLISHED
