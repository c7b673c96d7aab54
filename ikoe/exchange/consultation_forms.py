"""Forms of the programme consultations: the consultation, its deadline, a question and a Land's
answer (docs/exchange.md, "Programme consultations")."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.exchange.consultations import PARTS
from ikoe.exchange.models import Consultation, ConsultationQuestion
from ikoe.measures.measure_forms import DateInput

DEADLINE_ERRORS = {
    "required": gettext_lazy("Enter the deadline, such as 30.06.2026."),
    "invalid": gettext_lazy("Enter the deadline as a date, such as 30.06.2026."),
}


class ConsultationForm(forms.ModelForm):
    """A consultation while it is a draft."""

    class Meta:
        model = Consultation
        fields = ["title", "programme", "federal_body", "description", "deadline"]
        labels = {
            "title": gettext_lazy("Title of the consultation"),
            "programme": gettext_lazy("Name of the programme"),
            "federal_body": gettext_lazy("Federal body"),
            "description": gettext_lazy("The programme draft"),
            "deadline": gettext_lazy("Deadline for the Länder"),
        }
        help_texts = {
            "federal_body": gettext_lazy("The ministry or office that develops the programme."),
            "description": gettext_lazy(
                "What the programme is to achieve, for whom, with which means – as far as the "
                "draft says."
            ),
            "deadline": gettext_lazy("The Länder can answer through the whole of this day."),
        }
        error_messages = {
            "title": {"required": gettext_lazy("Enter the title of the consultation.")},
            "programme": {"required": gettext_lazy("Enter the name of the programme.")},
            "federal_body": {"required": gettext_lazy("Enter the federal body.")},
            "description": {"required": gettext_lazy("Describe the programme draft.")},
            "deadline": DEADLINE_ERRORS,
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "deadline": DateInput(),
        }

    def clean_deadline(self) -> date:
        value: date = self.cleaned_data["deadline"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return value


class DeadlineForm(forms.Form):
    """The deadline of an open consultation: it may only move later."""

    deadline = forms.DateField(
        label=gettext_lazy("Deadline for the Länder"),
        help_text=gettext_lazy(
            "The questions are fixed; the deadline can be extended. The Länder can answer "
            "through the whole of this day."
        ),
        error_messages=DEADLINE_ERRORS,
        widget=DateInput(),
    )

    def __init__(self, *args: Any, current: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current

    def clean_deadline(self) -> date:
        value: date = self.cleaned_data["deadline"]
        if value < self.current:
            raise forms.ValidationError(
                _("The deadline can only be extended, not moved earlier than %(date)s.")
                % {"date": self.current.strftime("%d.%m.%Y")}
            )
        if value < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return value


class QuestionForm(forms.ModelForm):
    class Meta:
        model = ConsultationQuestion
        fields = ["text", "guidance"]
        labels = {
            "text": gettext_lazy("Question"),
            "guidance": gettext_lazy("Guidance for answering"),
        }
        help_texts = {
            "guidance": gettext_lazy("E.g. what the answer should cover, or how long it may be."),
        }
        error_messages = {"text": {"required": gettext_lazy("Enter the question.")}}
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "guidance": forms.Textarea(attrs={"rows": 2}),
        }


class AnswerForm(forms.Form):
    """A Land's answer: a text per question and the three parts the resolution names. Saving a
    draft accepts gaps; submitting needs an answer to every question."""

    def __init__(
        self, *args: Any, questions: list[ConsultationQuestion], submit: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.submit = submit
        for q in questions:
            self.fields[f"q{q.pk}"] = forms.CharField(
                label=_("Question %(number)s: %(text)s") % {"number": q.number, "text": q.text},
                help_text=q.guidance,
                required=False,
                widget=forms.Textarea(attrs={"rows": 5}),
            )
        helps = {
            "local_structures": _(
                "Which offices, networks and procedures in the Land deal with the subject."
            ),
            "programmes": _(
                "Programmes of the Land that exist or were tested, with their results."
            ),
            "recommendations": _("What the Land recommends for the federal programme."),
        }
        for name, label in PARTS:
            self.fields[name] = forms.CharField(
                label=label,
                help_text=helps[name],
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for key in list(data):
            if isinstance(data[key], str):
                data[key] = data[key].strip()
        if self.submit:
            for q in self.questions:
                if not data.get(f"q{q.pk}"):
                    self.add_error(
                        f"q{q.pk}", _("Answer the question before submitting, or save a draft.")
                    )
        return data

    @property
    def question_fields(self) -> list[forms.BoundField]:
        return [self[f"q{q.pk}"] for q in self.questions]

    @property
    def part_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, _label in PARTS]

    def answers(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}", "") for q in self.questions}

    def parts(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name, _label in PARTS}
