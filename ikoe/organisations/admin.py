"""Admin for organisations: the import's rules applied to one organisation edited by hand."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ikoe.organisations.models import Organisation
from ikoe.organisations.services import (
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
