"""Forms of the training pages: a training offer and the participation counts of one
organisation, occupational group and year (docs/measures.md, "Trainings").

Every message says what was expected, with an example.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.measures.measure_forms import OrganisationChoice
from ikoe.measures.models import OCCUPATIONAL_GROUPS, TrainingOffer
from ikoe.measures.training import check_counts
from ikoe.organisations.models import Organisation

YEARS = (2000, 2100)


class Radios(forms.RadioSelect):
    """Radio buttons whose field links to its first button (for the error summary)."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return super().id_for_label(id_, "0" if index is None else index)


class Checkboxes(forms.CheckboxSelectMultiple):
    """Checkboxes whose field links to its first box (for the error summary)."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return super().id_for_label(id_, "0" if index is None else index)


def organisation_field(label: Any, help_text: Any = "") -> forms.ModelChoiceField:
    """The organisation of a registry row: the organisations the view allows, by name and code."""
    return OrganisationChoice(
        queryset=Organisation.objects.none(),
        label=label,
        help_text=help_text,
        error_messages={
            "required": gettext_lazy("Choose the organisation."),
            "invalid_choice": gettext_lazy("Choose an organisation from the list."),
        },
    )


def _count(label: Any, required_message: Any, *, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=0,
        max_value=10_000_000,
        error_messages={
            "required": required_message,
            "invalid": gettext_lazy("Enter a whole number of persons, such as 120."),
            "min_value": gettext_lazy("Enter a number of persons of 0 or more, such as 120."),
            "max_value": gettext_lazy("Enter at most 10,000,000 persons."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 8}),
    )


class OfferForm(forms.Form):
    """A training offer: who offers it, its format, length, contents and the groups it is for."""

    organisation = organisation_field(
        gettext_lazy("Organisation"),
        gettext_lazy("The organisation whose staff the offer is meant for."),
    )
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=300,
        error_messages={"required": gettext_lazy("Enter the title of the offer.")},
    )
    provider = forms.CharField(
        label=gettext_lazy("Provider"),
        max_length=200,
        help_text=gettext_lazy("E.g. the Land's academy of administration or an association."),
        error_messages={"required": gettext_lazy("Name the provider of the offer.")},
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=TrainingOffer.Format.choices,
        widget=Radios,
        error_messages={"required": gettext_lazy("Choose the format of the offer.")},
    )
    hours = forms.DecimalField(
        label=gettext_lazy("Length in hours"),
        min_value=0.5,
        max_value=1000,
        max_digits=6,
        decimal_places=1,
        localize=True,
        error_messages={
            "required": gettext_lazy("Enter the length in hours, such as 7,5."),
            "invalid": gettext_lazy("Enter the length in hours as a number, such as 7,5."),
            "min_value": gettext_lazy("Enter a length of at least 0,5 hours."),
            "max_value": gettext_lazy("Enter a length of at most 1000 hours."),
            "max_decimal_places": gettext_lazy("Enter the hours with at most one decimal place."),
            "max_digits": gettext_lazy("Enter a length of at most 1000 hours."),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8}),
    )
    contents = forms.MultipleChoiceField(
        label=gettext_lazy("Contents"),
        choices=TrainingOffer.Content.choices,
        widget=Checkboxes,
        error_messages={"required": gettext_lazy("Choose at least one content.")},
    )
    groups = forms.MultipleChoiceField(
        label=gettext_lazy("Occupational groups the offer is meant for"),
        choices=OCCUPATIONAL_GROUPS,
        widget=Checkboxes,
        help_text=gettext_lazy(
            "A group chosen here without counts for the year shows as a gap in the coverage table."
        ),
        error_messages={"required": gettext_lazy("Choose at least one occupational group.")},
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations


class RecordForm(forms.Form):
    """The counts of one organisation, occupational group and year (no names)."""

    organisation = organisation_field(gettext_lazy("Organisation"))
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        min_value=YEARS[0],
        max_value=YEARS[1],
        error_messages={
            "required": gettext_lazy("Enter a year, such as 2025."),
            "invalid": gettext_lazy("Enter a year as a whole number, such as 2025."),
            "min_value": gettext_lazy("Enter a year from 2000 to 2100."),
            "max_value": gettext_lazy("Enter a year from 2000 to 2100."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 6}),
    )
    group = forms.ChoiceField(
        label=gettext_lazy("Occupational group"),
        choices=[("", "—"), *OCCUPATIONAL_GROUPS],
        error_messages={"required": gettext_lazy("Choose the occupational group.")},
    )
    staff = _count(
        gettext_lazy("Staff (head count)"),
        gettext_lazy("Enter the head count of the group, such as 120."),
    )
    planned = _count(
        gettext_lazy("To be trained (plan)"),
        "",
        required=False,
    )
    trained = _count(
        gettext_lazy("Trained"),
        gettext_lazy("Enter how many of the group were trained, such as 30; 0 if none."),
    )
    offer = forms.ModelChoiceField(
        queryset=TrainingOffer.objects.none(),
        label=gettext_lazy("Training offer"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose a training offer from the list.")},
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        offers: QuerySet[TrainingOffer],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        org_field = self.fields["organisation"]
        offer_field = self.fields["offer"]
        assert isinstance(org_field, forms.ModelChoiceField)
        assert isinstance(offer_field, forms.ModelChoiceField)
        org_field.queryset = organisations
        offer_field.queryset = offers
        self.fields["staff"].help_text = _(
            "Everyone in the group at the reference date of the year, trained or not."
        )
        self.fields["planned"].help_text = _(
            "How many of the group were to be trained in the year; leave empty without a plan."
        )
        self.fields["trained"].help_text = _(
            "How many of the group took part in a training in the year. Counts only, no names."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        staff, planned, trained = data.get("staff"), data.get("planned"), data.get("trained")
        if staff is not None and trained is not None:
            try:
                check_counts(staff, planned, trained)
            except forms.ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    for message in messages:
                        self.add_error(name, message)
        org, offer = data.get("organisation"), data.get("offer")
        if org is not None and offer is not None and offer.organisation.land_id != org.land_id:
            self.add_error("offer", _("Choose an offer of the organisation's own Land."))
        return data
