"""Admin for organisations, benchmark figures and (read-only) staff surveys."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.monitoring.models import Benchmark, BenchmarkDataset, Organisation, Survey, SurveyRelease
from ikoe.monitoring.organisations import (
    code_problem,
    land_code_problem,
    memberships_below,
    parent_kind_problem,
    refresh_land,
)


class OrganisationForm(forms.ModelForm):
    """The import's rules, applied to one organisation edited by hand."""

    class Meta:
        model = Organisation
        fields = ["code", "name", "kind", "parent"]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or self.cleaned_data
        kind, parent, code = data.get("kind"), data.get("parent"), data.get("code")
        if code and (message := code_problem(code)):
            self.add_error("code", message)
        if not kind:
            return data
        if kind == Organisation.Kind.LAND and code and (message := land_code_problem(code)):
            self.add_error("code", message)
        if message := parent_kind_problem(kind, parent.kind if parent else None):
            self.add_error("parent", message)
        stored = self.instance
        if stored.pk is not None:
            if stored.kind != kind and stored.children.exists():
                self.add_error(
                    "kind",
                    _("The kind cannot change while organisations sit below this one."),
                )
            node = parent
            while node is not None:
                if node.pk == stored.pk:
                    self.add_error("parent", _("An organisation cannot sit below itself."))
                    return data
                node = node.parent
            new_land = (
                None if parent is None else (parent if parent.kind == "land" else parent.land)
            )
            moves = kind != Organisation.Kind.LAND and stored.land_id != getattr(
                new_land, "pk", None
            )
            if moves and (count := memberships_below(stored)):
                self.add_error(
                    "parent",
                    _(
                        "This would move the organisation to another Land, but %(count)d "
                        "memberships name it or an organisation below it; change those "
                        "memberships first."
                    )
                    % {"count": count},
                )
        return data


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    form = OrganisationForm
    list_display = ["code", "name", "kind", "parent", "land"]
    list_filter = ["kind", ("land", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["land"]
    list_select_related = ["parent", "land"]
    ordering = ["land__code", "code"]

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        land_before = (
            Organisation.objects.filter(pk=obj.pk).values_list("land_id", flat=True).first()
        )
        super().save_model(request, obj, form, change)
        if change and obj.land_id != land_before:
            refresh_land([obj])


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


class _SuperuserReadOnly:
    """Only superusers see it, and nobody changes it here: surveys reach every Land, so they are
    not for staff with model permissions, and they change only through import and release."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SurveyReleaseInline(_SuperuserReadOnly, admin.TabularInline):
    model = SurveyRelease
    readonly_fields = ("at", "action", "username", "channel", "note")
    fields = readonly_fields
    extra = 0


@admin.register(Survey)
class SurveyAdmin(_SuperuserReadOnly, admin.ModelAdmin):
    list_display = [
        "name",
        "title",
        "land",
        "year",
        "respondents",
        "weighted",
        "synthetic",
        "published",
        "created_at",
    ]
    list_filter = [
        ("land", admin.RelatedOnlyFieldListFilter),
        "year",
        "published",
        "synthetic",
        "weighted",
    ]
    search_fields = ["name", "title", "population"]
    list_select_related = ["land"]
    readonly_fields = (
        "name",
        "title",
        "land",
        "year",
        "population",
        "fieldwork",
        "population_size",
        "respondents",
        "weighted",
        "synthetic",
        "published",
        "release_page",
        "created_at",
        "created_by",
    )
    fields = readonly_fields
    inlines = [SurveyReleaseInline]

    @admin.display(description=gettext_lazy("release"))
    def release_page(self, obj: Survey) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("survey-release", args=[obj.name]),
            _("Release or withdraw on the release page"),
        )
