"""The forms of the measures registry: a measure, a milestone, the board's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ikoe.measures.models import DIMENSION_CHOICES, Measure
from ikoe.measures.services import EDITABLE_FIELDS
from ikoe.organisations.models import Organisation


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class OrganisationChoice(forms.ModelChoiceField):
    """An organisation by its name and code."""

    def label_from_instance(self, obj: Organisation) -> str:  # type: ignore[override]
        return f"{obj.name} ({obj.code})"


class ParentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Measure) -> str:  # type: ignore[override]
        return f"{obj.title} – {obj.organisation.name}"


class MeasureForm(forms.ModelForm):
    """A measure; ``organisations`` are those the user may keep measures of, ``parents`` the
    measures it may be part of."""

    organisation = OrganisationChoice(queryset=Organisation.objects.none(), label=_("Organisation"))
    parent = ParentChoice(
        queryset=Measure.objects.none(),
        required=False,
        label=_("Part of"),
        help_text=_(
            "A measure that has parts shows the mean progress of its parts instead of its own."
        ),
    )

    class Meta:
        model = Measure
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "start": DateInput(),
            "end": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
            "goal": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        parents: QuerySet[Measure],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["parent"].queryset = parents.select_related(  # type: ignore[attr-defined]
            "organisation"
        )
        self.fields["progress"].widget.attrs.update({"min": 0, "max": 100})
        self.fields["progress"].help_text = _("0 to 100; a measure with parts shows theirs.")
        self.fields["budget"].localize = True
        self.fields["budget"].widget.is_localized = True
        self.fields["budget"].widget.input_type = "text"  # type: ignore[attr-defined]
        self.fields["budget"].widget.attrs["inputmode"] = "decimal"
        self.fields["dimension"].help_text = _("The dimension of the IKÖ-Check it belongs to.")

    def clean_progress(self) -> int:
        value = self.cleaned_data["progress"]
        if value is not None and not 0 <= value <= 100:
            raise forms.ValidationError(_("Enter a progress from 0 to 100 %."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end must not lie before the start."))
        parent, organisation = data.get("parent"), data.get("organisation")
        if (
            parent is not None
            and organisation is not None
            and parent.organisation.land_id != organisation.land_id
        ):
            self.add_error("parent", _("A measure can only be part of a measure of the same Land."))
        return data


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("milestone"), max_length=300)
    due = forms.DateField(label=_("due"), widget=DateInput())


class DoneForm(forms.Form):
    milestone = forms.IntegerField(widget=forms.HiddenInput)
    done = forms.DateField(label=_("reached on"), widget=DateInput(), required=False)
    undo = forms.BooleanField(required=False, widget=forms.HiddenInput)


class FilterForm(forms.Form):
    """The filters of a board (GET): organisation, status, dimension, type."""

    organisation = forms.ChoiceField(label=_("organisation"), required=False)
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("all"))] + list(Measure.Status.choices),
    )
    dimension = forms.ChoiceField(
        label=_("IKÖ-Check dimension"),
        required=False,
        choices=[("", _("all"))] + DIMENSION_CHOICES,
    )
    type = forms.ChoiceField(
        label=_("type"), required=False, choices=[("", _("all"))] + list(Measure.Type.choices)
    )

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", _("all"))] + [  # type: ignore[attr-defined]
            (o.code, o.name) for o in organisations
        ]
