"""The forms of a practice: its record, an attachment, a step of the review, the comparison."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ikoe.assessment.forms import check_evidence_file
from ikoe.exchange import vocab
from ikoe.exchange.models import Practice, PracticeAttachment, ReviewEvent
from ikoe.exchange.services import CONTENT_FIELDS
from ikoe.measures.measure_forms import DateInput, OrganisationChoice
from ikoe.organisations.models import Organisation

FORM_FIELDS = [name for name in CONTENT_FIELDS if name != "region_code"]
"""The fields the form changes: the content without the Land, which follows the organisation."""
TEXT_FIELDS = [
    f.name
    for f in Practice._meta.get_fields()
    if isinstance(f, models.TextField) and f.name in FORM_FIELDS
]
"""The long texts, edited in text areas."""


MULTI_FIELDS = vocab.LIST_FIELDS
REQUIRED_MULTI = ("dimensions", "measure_types")
"""A practice names at least one dimension and one measure type: the search and the similar
practices find it through them."""


class RelatedChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Practice) -> str:  # type: ignore[override]
        return f"{obj.title} ({obj.region_code})"


class PracticeForm(forms.ModelForm):
    """The record of a practice. ``organisations`` are those the user may submit for (only when
    adding); ``federal`` lets the federal coordination leave the organisation empty for a practice
    of the federal level; ``related`` the practices it may name as related."""

    organisation = OrganisationChoice(
        queryset=Organisation.objects.none(),
        label=_("Submitting organisation"),
        help_text=_("The practice belongs to this organisation and its Land."),
    )
    related = RelatedChoice(
        queryset=Practice.objects.none(),
        required=False,
        label=_("related practices"),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )
    evaluation_link = forms.URLField(
        label=_("evaluation report (link)"), required=False, max_length=500, assume_scheme="https"
    )

    class Meta:
        model = Practice
        fields = FORM_FIELDS
        widgets = {
            "started": DateInput(),
            "ended": DateInput(),
            **{name: forms.Textarea(attrs={"rows": 3}) for name in TEXT_FIELDS},
        }
        help_texts = {
            "keywords": _("Separated by semicolons."),
            "sources": _("One a line, links or references."),
            "certainty": _("E.g. “[nicht verifiziert]” when a source could not be checked."),
        }

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation] | None,
        federal: bool = False,
        related: QuerySet[Practice],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in MULTI_FIELDS.items():
            self.fields[name] = forms.MultipleChoiceField(
                label=getattr(Practice._meta.get_field(name), "verbose_name", name),
                choices=list(choices),
                required=name in REQUIRED_MULTI,
                widget=forms.CheckboxSelectMultiple,
                initial=getattr(self.instance, name, None) or [],
            )
        if organisations is None:
            del self.fields["organisation"]
        else:
            field = self.fields["organisation"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = organisations
            if federal:
                field.required = False
                field.empty_label = str(_("The federal level (no Land)"))
                field.help_text = _(
                    "The practice belongs to this organisation and its Land; leave it empty "
                    "for a practice of the federal level."
                )
        related_field = self.fields["related"]
        assert isinstance(related_field, forms.ModelMultipleChoiceField)
        related_field.queryset = related
        if self.instance.pk:
            related_field.initial = list(
                self.instance.related.filter(pk__in=related.values("pk")).values_list(
                    "pk", flat=True
                )
            )
        self.fields["summary"].help_text = _(
            "Two or three sentences: what, for whom, with what result."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        started, ended = data.get("started"), data.get("ended")
        if started and ended and ended < started:
            self.add_error("ended", _("The end must not lie before the start."))
        return data


class AttachmentForm(forms.ModelForm):
    file = forms.FileField(
        label=_("file"), help_text=_("PDF, ODT, DOCX, XLSX, PNG or JPG, at most 10 MB.")
    )

    class Meta:
        model = PracticeAttachment
        fields = ["title", "file"]

    def clean_file(self) -> Any:
        return check_evidence_file(self.cleaned_data["file"])


class StepForm(forms.Form):
    """One step of the review (the button's value) with its comment."""

    action = forms.ChoiceField(choices=ReviewEvent.Action.choices)
    text = forms.CharField(
        label=_("Comment or reason"), required=False, max_length=4000, widget=forms.Textarea
    )
