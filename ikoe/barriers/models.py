"""Selection data of a Land and the protected funnel cells published from it.

The applicants' counts are sensitive like survey answers (a group is a migration background):
the file's counts live only in a restricted snapshot, the database holds the cells that went
through disclosure control (:mod:`ikoe.barriers.pipeline`). Every finding on the pages is
computed from published cells only (:mod:`ikoe.barriers.figures`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ikoe.accounts.scope import ScopedQuerySet


class SelectionDataQuerySet(ScopedQuerySet["SelectionData"]):
    """The selection data of the user's Land, and every released set."""

    land_field = "land"
    published_field = "published"


class SelectionData(models.Model):
    """The selection procedures of one Land, imported from one file."""

    class Form(models.TextChoices):
        COUNTS = "counts", _("counts per stage and group")
        APPLICANTS = "applicants", _("one row per applicant")

    name = models.SlugField(_("name"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300)
    land = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("Land"),
        on_delete=models.PROTECT,
        related_name="selection_data",
        limit_choices_to={"kind": "land"},
    )
    form = models.CharField(_("form of the file"), max_length=12, choices=Form.choices)
    source_name = models.CharField(_("file"), max_length=300, blank=True)
    procedures = models.PositiveIntegerField(_("procedures"), default=0)
    applicants = models.PositiveIntegerField(_("applicants"), default=0)
    first_year = models.PositiveSmallIntegerField(_("first year"), null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(_("last year"), null=True, blank=True)
    # Changed only by ikoe.barriers.release.set_release, which records every change.
    published = models.BooleanField(_("released for the public"), default=False)
    snapshot = models.CharField(_("snapshot file"), max_length=300, editable=False)
    snapshot_sha256 = models.CharField(max_length=64, editable=False)
    diagnostics = models.JSONField(
        _("import diagnostics"), default=dict, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    created_by = models.ForeignKey(
        "auth.User", verbose_name=_("imported by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    objects = SelectionDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("selection data")
        verbose_name_plural = _("selection data")
        ordering = ["land__code", "-last_year", "name"]

    def __str__(self) -> str:
        return self.title

    @property
    def years(self) -> str:
        """The years of its procedures, e.g. "2023–2025" (empty when the file gives none)."""
        if self.first_year is None or self.last_year is None:
            return ""
        if self.first_year == self.last_year:
            return str(self.first_year)
        return f"{self.first_year}–{self.last_year}"


class FunnelCellQuerySet(ScopedQuerySet["FunnelCell"]):
    """Cells of the user's Land (of their agency for agency members) and of released data."""

    land_field = "data__land"
    agency_field = "organisation"
    published_field = "data__published"


class FunnelCell(models.Model):
    """One group at one stage of one funnel: a procedure, or procedures pooled.

    ``funnel`` numbers the funnels of a data set; ``pooling`` says what it is: ``procedure``
    (one procedure), ``organisation`` or ``year`` (the procedures of one organisation or year
    with the same stages, named by ``organisation`` or ``year``), ``all`` (every procedure with
    the same stages). ``group`` ``_T`` is every applicant. A suppressed count is empty and carries
    its Destatis symbol; why it is suppressed (``reason``) is shown to data stewards only,
    aggregated.
    """

    class Status(models.TextChoices):
        PUBLISHED = "published", _("published")
        PRIMARY = "primary", _("suppressed (primary)")
        SECONDARY = "secondary", _("suppressed (secondary)")

    data = models.ForeignKey(SelectionData, on_delete=models.CASCADE, related_name="cells")
    funnel = models.PositiveIntegerField(_("funnel"))
    pooling = models.CharField(_("pooled by"), max_length=40)
    procedures = models.PositiveIntegerField(_("procedures"), default=1)
    procedure = models.CharField(_("procedure"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="funnel_cells",
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    career_group = models.CharField(_("career group"), max_length=100, blank=True)
    stage = models.CharField(_("stage"), max_length=200)
    stage_index = models.PositiveSmallIntegerField(_("position of the stage"))
    group = models.CharField(_("group"), max_length=100)
    entered = models.PositiveIntegerField(_("entered"), null=True, blank=True)
    passed = models.PositiveIntegerField(_("passed"), null=True, blank=True)
    entered_status = models.CharField(max_length=12, choices=Status.choices)
    passed_status = models.CharField(max_length=12, choices=Status.choices)
    entered_symbol = models.CharField(max_length=4, blank=True)
    passed_symbol = models.CharField(max_length=4, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = FunnelCellQuerySet.as_manager()

    class Meta:
        verbose_name = _("funnel cell")
        verbose_name_plural = _("funnel cells")
        ordering = ["data", "funnel", "stage_index", "group"]
        indexes = [models.Index(fields=["data", "funnel"])]

    def __str__(self) -> str:
        return f"{self.data.name} {self.pooling} {self.procedure} {self.stage} {self.group}"


class SelectionReleaseQuerySet(ScopedQuerySet["SelectionRelease"]):
    """Who released selection data is never public; a Land sees the records of its data."""

    land_field = "land"


class SelectionRelease(models.Model):
    """One release of selection data to the public, or one withdrawal: who, when, why.

    Written only by :mod:`ikoe.barriers.release` together with ``SelectionData.published``. A
    record outlives its data (``data`` becomes empty, ``data_name`` stays).
    """

    class Action(models.TextChoices):
        RELEASE = "release", _("released")
        WITHDRAW = "withdraw", _("release withdrawn")

    class Channel(models.TextChoices):
        PAGE = "page", _("release page")
        COMMAND = "command", _("command line")
        IMPORT = "import", _("new import")

    data = models.ForeignKey(
        SelectionData, null=True, blank=True, on_delete=models.SET_NULL, related_name="releases"
    )
    data_name = models.CharField(_("name"), max_length=100)
    land = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("Land"), on_delete=models.PROTECT
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    channel = models.CharField(_("through"), max_length=10, choices=Channel.choices)
    user = models.ForeignKey(
        "auth.User", verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(_("by"), max_length=150, blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = SelectionReleaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("release of selection data")
        verbose_name_plural = _("releases of selection data")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.data_name}: {self.action}"
