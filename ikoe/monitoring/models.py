"""Organisations and public benchmark figures."""

from __future__ import annotations

from django.db import models
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

    def ancestors(self) -> list[Organisation]:
        """From the Land down to the parent of this organisation."""
        chain: list[Organisation] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.kind == self.Kind.LAND:
            self.land = None if self.pk is None else self
        elif self.parent is not None:
            self.land = self.parent if self.parent.kind == self.Kind.LAND else self.parent.land
        super().save(*args, **kwargs)
        if self.kind == self.Kind.LAND and self.land_id != self.pk:
            Organisation.objects.filter(pk=self.pk).update(land=self.pk)
            self.land_id = self.pk


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
