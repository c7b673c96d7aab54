"""Public reference figures (benchmarks), imported from CSV files and GENESIS-Online tables."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
