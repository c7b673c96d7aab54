"""Admin for staff surveys: read-only, for superusers; releases happen on the release page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.surveys.models import Survey, SurveyPart, SurveyRelease


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


class SurveyPartInline(_SuperuserReadOnly, admin.TabularInline):
    model = SurveyPart
    readonly_fields = ("land", "respondents", "published")
    fields = readonly_fields
    extra = 0


class SurveyReleaseInline(_SuperuserReadOnly, admin.TabularInline):
    model = SurveyRelease
    readonly_fields = ("at", "land", "action", "username", "channel", "note")
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
        ("parts__land", admin.RelatedOnlyFieldListFilter),
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
    inlines = [SurveyPartInline, SurveyReleaseInline]

    @admin.display(description=gettext_lazy("release"))
    def release_page(self, obj: Survey) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("surveys:release", args=[obj.name]),
            _("Release or withdraw on the release page"),
        )
