"""Admin for benchmark datasets and figures (read-only: they come from imports)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from ikoe.benchmarks.models import Benchmark, BenchmarkDataset


@admin.register(BenchmarkDataset)
class BenchmarkDatasetAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "format", "figure_count", "imported_at"]
    list_filter = ["format"]
    search_fields = ["name", "title", "source"]
    readonly_fields = ["name", "title", "format", "file_name", "sha256", "source", "imported_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[BenchmarkDataset]:
        return super().get_queryset(request).annotate(figure_count=Count("rows"))

    @admin.display(description=gettext_lazy("figures"), ordering="figure_count")
    def figure_count(self, obj: Any) -> int:
        return int(obj.figure_count)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # datasets come from imports


@admin.register(Benchmark)
class BenchmarkAdmin(admin.ModelAdmin):
    list_display = ["dataset", "region_code", "year", "measure", "definition", "value", "symbol"]
    list_filter = ["dataset", "measure", "definition", "year"]
    search_fields = ["region_code", "region_name", "measure", "measure_label"]
    list_select_related = ["dataset"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # figures are imported; correct the file and import again
