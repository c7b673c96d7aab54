"""Forms of the funding pages: a programme and a check against the criteria
(docs/measures.md, "Funding programmes")."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.measures.funding import ANSWER_LABELS, ANSWERS, CRITERIA
from ikoe.measures.training_forms import Radios, organisation_field
from ikoe.organisations.models import Organisation


class ProgrammeForm(forms.Form):
    organisation = organisation_field(
        gettext_lazy("Awarding organisation"),
        gettext_lazy("The ministry or agency that awards the funding."),
    )
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=300,
        error_messages={"required": gettext_lazy("Enter the title of the programme.")},
    )
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    url = forms.URLField(
        label=gettext_lazy("Web page"),
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={
            "invalid": gettext_lazy("Enter a web address, such as https://www.example.org/call.")
        },
    )
    annual_budget = forms.DecimalField(
        label=gettext_lazy("Annual budget (euros)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        localize=True,
        error_messages={
            "invalid": gettext_lazy("Enter the budget in euros as a number, such as 250000."),
            "min_value": gettext_lazy("Enter a budget of 0 euros or more."),
            "max_digits": gettext_lazy("Enter a budget below one trillion euros."),
            "max_decimal_places": gettext_lazy("Enter the budget with at most two decimal places."),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 14}),
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations


class CheckForm(forms.Form):
    """One radio group per criterion (yes, partly, no) with its question, the date and a note."""

    checked_on = forms.DateField(
        label=gettext_lazy("Checked on"),
        error_messages={
            "required": gettext_lazy("Enter the date of the check, such as 15.03.2025."),
            "invalid": gettext_lazy("Enter the date as day.month.year, such as 15.03.2025."),
        },
        widget=forms.DateInput(attrs={"size": 12}),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("E.g. the documents the check is based on."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(a, ANSWER_LABELS[a]) for a in ANSWERS]
        for c in CRITERIA:
            self.fields[c.key] = forms.ChoiceField(
                label=str(c.label),
                help_text=str(c.question),
                choices=choices,
                widget=Radios,
                error_messages={
                    "required": _("Answer with yes, partly or no."),
                    "invalid_choice": _("Answer with yes, partly or no."),
                },
            )
        # the criteria first, the date and note after them
        order = [c.key for c in CRITERIA] + ["checked_on", "note"]
        self.order_fields(order)

    def clean_checked_on(self) -> Any:
        value = self.cleaned_data.get("checked_on")
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError(_("The date of the check lies in the future."))
        return value

    @property
    def criteria_fields(self) -> list[forms.BoundField]:
        return [self[c.key] for c in CRITERIA]

    def answers(self) -> dict[str, str]:
        return {c.key: self.cleaned_data[c.key] for c in CRITERIA}
