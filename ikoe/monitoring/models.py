"""Organisations and public benchmark figures."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """A node of the hierarchy Land > ministry (Ressort) > agency (Behörde) > unit."""

    class Kind(models.TextChoices):
        LAND = "land", _("Land")
        MINISTRY = "ministry", _("Ministry")
        AGENCY = "agency", _("Agency")
        UNIT = "unit", _("Unit")

    # The level each kind sits on; a child must sit below its parent.
    LEVEL = {Kind.LAND: 0, Kind.MINISTRY: 1, Kind.AGENCY: 2, Kind.UNIT: 3}

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # The Land this organisation belongs to (itself for a Land): every scope check uses it.
    land = models.ForeignKey(
        "self",
        verbose_name=_("Land"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.kind == self.Kind.LAND:
            self.land = None if self.pk is None else self
        elif self.parent is not None:
            self.land = self.parent if self.parent.kind == self.Kind.LAND else self.parent.land
        super().save(*args, **kwargs)
        if self.kind == self.Kind.LAND and self.land_id != self.pk:
            Organisation.objects.filter(pk=self.pk).update(land=self.pk)
            self.land_id = self.pk

    def ancestors(self) -> list[Organisation]:
        """From the Land down to the parent of this organisation."""
        chain: list[Organisation] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class BenchmarkDataset(models.Model):
    """One imported file of public figures (reference CSV or a GENESIS table)."""

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        GENESIS = "genesis", _("GENESIS-Online table")
        GENESIS_FLAT = "genesis-flat", _("GENESIS-Online flat file")

    name = models.CharField(_("name"), max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    format = models.CharField(_("format"), max_length=16, choices=Format.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64)
    source = models.TextField(_("source"), blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        verbose_name = _("benchmark dataset")
        verbose_name_plural = _("benchmark datasets")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.title or self.name


class Benchmark(models.Model):
    """One public figure in long form: region × time × classification × measure."""

    dataset = models.ForeignKey(
        BenchmarkDataset, verbose_name=_("dataset"), on_delete=models.CASCADE, related_name="rows"
    )
    region_code = models.CharField(_("region code"), max_length=16, db_index=True)
    region_name = models.CharField(_("region"), max_length=100)
    year = models.IntegerField(_("year"), null=True, blank=True, db_index=True)
    period = models.CharField(_("period"), max_length=40, blank=True)
    measure = models.CharField(_("measure"), max_length=200, db_index=True)
    measure_label = models.CharField(_("measure (label)"), max_length=300, blank=True)
    definition = models.CharField(_("definition"), max_length=100, blank=True)
    classification = models.JSONField(_("classification"), default=dict, blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)
    symbol = models.CharField(_("symbol"), max_length=8, blank=True)
    derived = models.BooleanField(_("derived"), default=False)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        verbose_name = _("benchmark")
        verbose_name_plural = _("benchmarks")
        ordering = ["measure", "definition", "year", "region_code"]
        indexes = [models.Index(fields=["measure", "definition", "year"])]

    def __str__(self) -> str:
        shown = self.symbol if self.value is None else self.value
        return f"{self.region_code} {self.year} {self.measure}: {shown}"


class Survey(models.Model):
    """A staff survey of one Land. Its microdata live only in a restricted Parquet snapshot;
    the database holds metadata, diagnostics and protected indicator cells."""

    name = models.SlugField(_("name"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300)
    land = models.ForeignKey(
        Organisation,
        verbose_name=_("Land"),
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
    # The fast flag scope reads; changed only by ikoe.monitoring.release.set_release, which
    # records every change as a SurveyRelease.
    published = models.BooleanField(
        _("released for the public"), default=False, help_text=_("Set by the Land's coordinator.")
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

    class Meta:
        verbose_name = _("staff survey")
        verbose_name_plural = _("staff surveys")
        ordering = ["land__code", "-year", "name"]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"

    @property
    def response_rate(self) -> float | None:
        if not self.population_size:
            return None
        return self.respondents / self.population_size


class SurveyRelease(models.Model):
    """One release of a survey to the public, or one withdrawal: who, when, how, why.

    Written only by :mod:`ikoe.monitoring.release` together with ``Survey.published``. A record
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
    :data:`ikoe.monitoring.publication.REASONS`, separated by commas.
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
