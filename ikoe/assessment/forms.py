"""The forms of the IKÖ-Check pages: registering an outside organisation, starting an assessment,
answering the items of one dimension, the settings, and inviting a colleague."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.assessment.models import Answer, Assessment
from ikoe.assessment.questionnaire import Item, Questionnaire
from ikoe.formats import fmt
from ikoe.organisations.models import Organisation
from ikoe.regions import DISPLAY_NAMES, LAENDER
from ikoe.stats.assessment import MAX_LEVEL

NOT_APPLICABLE = "na"
"""The value of the radio button "not applicable" (an answer without a level)."""
EVIDENCE_TYPES = {
    ".pdf": (b"%PDF",),
    ".odt": (b"PK\x03\x04",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}
"""The kinds of evidence file accepted, by extension, with how such a file begins."""
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
NAME_MAX = 150


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def email_taken(email: str) -> bool:
    users = get_user_model().objects
    return users.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists()


class RegisterForm(forms.Form):
    """An organisation outside the Land administration registers itself and its first editor."""

    name = forms.CharField(label=gettext_lazy("Name of the organisation"), max_length=255)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of organisation"),
        choices=[(k.value, k.label) for k in Organisation.OUTSIDE_KINDS],
        widget=forms.RadioSelect,
    )
    land = forms.ChoiceField(
        label=gettext_lazy("Land"),
        help_text=gettext_lazy("The Land in which the organisation works (its seat)."),
    )
    size_class = forms.ChoiceField(
        label=gettext_lazy("Number of staff"),
        choices=Organisation.SizeClass.choices,
        widget=forms.RadioSelect,
    )
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=NAME_MAX)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=NAME_MAX)
    email = forms.EmailField(
        label=gettext_lazy("E-mail address"),
        max_length=150,
        help_text=gettext_lazy("You sign in with this address."),
    )
    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy(
            "At least 12 characters; not too similar to your name or address, not a common "
            "password, not only digits."
        ),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = sorted(((c, str(DISPLAY_NAMES[c])) for c in LAENDER), key=lambda c: c[1])
        _choices(self, "land").choices = [("", _("Choose the Land")), *choices]
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["name"].widget.attrs["autocomplete"] = "organization"

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if email_taken(email):
            raise ValidationError(
                _(
                    "There is already an account with this e-mail address. Sign in with it, or "
                    "ask for a new password on the sign-in page."
                ),
                code="taken",
            )
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = get_user_model()(
                username=(data.get("email") or "").lower(),
                email=data.get("email") or "",
                first_name=data.get("first_name") or "",
                last_name=data.get("last_name") or "",
            )
            try:
                password_validation.validate_password(first, candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


def level_label(found: Questionnaire, level: int) -> str:
    return f"{level} – {found.scale[level]}"


class OrganisationField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class StartForm(forms.Form):
    """Start an assessment: which organisation, which sector modules, size, target level."""

    organisation = OrganisationField(
        label=gettext_lazy("Organisation"),
        queryset=Organisation.objects.none(),
        to_field_name="code",
        widget=forms.RadioSelect,
        empty_label=None,
    )
    sectors = forms.MultipleChoiceField(
        label=gettext_lazy("Sector modules"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Further questions for organisations in these fields; choose those that fit your "
            "work, or none."
        ),
    )
    size_class = forms.ChoiceField(
        label=gettext_lazy("Number of staff"),
        required=False,
        help_text=gettext_lazy("Used to compare you with organisations of a similar size."),
    )
    target_level = forms.TypedChoiceField(
        label=gettext_lazy("Target level"),
        coerce=int,
        initial=3,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "The level every item should reach; the action plan lists the items below it. You "
            "can change it later, and set another one for single items."
        ),
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        questionnaire: Questionnaire,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations
        _choices(self, "sectors").choices = [(s, str(t)) for s, t in questionnaire.sectors]
        _choices(self, "size_class").choices = [
            ("", _("as recorded for the organisation")),
            *Organisation.SizeClass.choices,
        ]
        _choices(self, "target_level").choices = [
            (n, level_label(questionnaire, n)) for n in range(1, MAX_LEVEL + 1)
        ]


def stamp(answer: Answer | None) -> str:
    """When an answer was last changed, as the form carries it ('' for no answer)."""
    return answer.updated_at.isoformat() if answer is not None else ""


def _looks_like(head: bytes, extension: str) -> bool:
    return any(head.startswith(magic) for magic in EVIDENCE_TYPES[extension])


def check_evidence_file(upload: Any) -> Any:
    """The uploaded file if it is one of the accepted kinds (by its name and by how it begins)
    and at most 10 MB; a :class:`ValidationError` naming the problem otherwise. Also used for
    the attachments of a practice (:mod:`ikoe.exchange.practice_forms`)."""
    name = Path(upload.name).name
    extension = Path(name).suffix.lower()
    if extension not in EVIDENCE_TYPES:
        raise ValidationError(
            _("“%(file)s” cannot be attached: expected a PDF, ODT, DOCX, XLSX, PNG or JPG file.")
            % {"file": name},
            code="type",
        )
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError(
            _("“%(file)s” has %(size)s MB; an evidence file may have at most 10 MB.")
            % {"file": name, "size": fmt(upload.size / 1024 / 1024, 1)},
            code="size",
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not _looks_like(head, extension):
        raise ValidationError(
            _("“%(file)s” is not a %(kind)s file, although its name says so.")
            % {"file": name, "kind": extension[1:].upper()},
            code="content",
        )
    return upload


class ItemForm(forms.Form):
    """The answer to one item; its fields are prefixed with the item id."""

    level = forms.ChoiceField(label=gettext_lazy("Level"), required=False, widget=forms.RadioSelect)
    evidence_text = forms.CharField(
        label=gettext_lazy("Evidence"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence_link = forms.URLField(
        label=gettext_lazy("Link to evidence"),
        required=False,
        max_length=500,
        assume_scheme="https",
    )
    evidence_file = forms.FileField(
        label=gettext_lazy("Evidence file"),
        required=False,
        help_text=gettext_lazy("PDF, ODT, DOCX, XLSX, PNG or JPG, at most 10 MB."),
    )
    remove_file = forms.BooleanField(label=gettext_lazy("Remove the file"), required=False)
    target_level = forms.TypedChoiceField(
        label=gettext_lazy("Target level of this item"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    clear = forms.BooleanField(
        label=gettext_lazy("Take the answer back (the item counts as not answered again)"),
        required=False,
    )
    loaded = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        item: Item,
        answer: Answer | None,
        assessment: Assessment,
        questionnaire: Questionnaire,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", item.id)
        if answer is not None:
            kwargs.setdefault(
                "initial",
                {
                    "level": NOT_APPLICABLE if answer.level is None else str(answer.level),
                    "evidence_text": answer.evidence_text,
                    "evidence_link": answer.evidence_link,
                    "target_level": answer.target_level,
                },
            )
        super().__init__(*args, **kwargs)
        self.item = item
        self.answer = answer
        if not self.is_bound:
            self.initial["loaded"] = stamp(answer)
        _choices(self, "level").choices = [
            *((str(n), f"{level_label(questionnaire, n)}: {item.levels[n]}") for n in range(5)),
            (NOT_APPLICABLE, _("Not applicable to our organisation")),
        ]
        _choices(self, "target_level").choices = [
            (
                "",
                _("as for the whole assessment (%(level)s)")
                % {"level": level_label(questionnaire, assessment.target_level)},
            ),
            *((n, level_label(questionnaire, n)) for n in range(1, MAX_LEVEL + 1)),
        ]
        if answer is None or not answer.evidence_file:
            del self.fields["remove_file"]
        if answer is None:
            del self.fields["clear"]

    @property
    def file_name(self) -> str:
        if self.answer is None or not self.answer.evidence_file:
            return ""
        return Path(str(self.answer.evidence_file.name)).name

    def clean_evidence_file(self) -> Any:
        upload = self.cleaned_data.get("evidence_file")
        if not upload:
            return None
        return check_evidence_file(upload)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("clear"):
            return data
        if not data.get("level") and (
            (data.get("evidence_text") or "").strip()
            or (data.get("evidence_link") or "").strip()
            or data.get("evidence_file")
            or data.get("target_level")
        ):
            self.add_error(
                "level",
                _(
                    "Choose a level or “not applicable” to save the evidence or the target "
                    "level of this item."
                ),
            )
        return data

    # What the form asks for, compared with what is stored.

    @property
    def level_value(self) -> int | None:
        value = self.cleaned_data.get("level")
        return None if value in ("", NOT_APPLICABLE, None) else int(value)

    @property
    def answered(self) -> bool:
        return bool(self.cleaned_data.get("level"))

    def values(self) -> tuple[Any, ...]:
        """(answered, level, evidence, link, target) as the form asks for them."""
        if not self.answered:
            return (False, None, "", "", None)
        return (
            True,
            self.level_value,
            (self.cleaned_data.get("evidence_text") or "").strip(),
            (self.cleaned_data.get("evidence_link") or "").strip(),
            self.cleaned_data.get("target_level"),
        )

    @staticmethod
    def stored(answer: Answer | None) -> tuple[Any, ...]:
        if answer is None:
            return (False, None, "", "", None)
        return (
            True,
            answer.level,
            answer.evidence_text,
            answer.evidence_link,
            answer.target_level,
        )

    def wants_change(self, current: Answer | None) -> bool:
        """Whether saving the form changes the stored answer ``current``."""
        if self.cleaned_data.get("clear"):
            return current is not None
        if self.cleaned_data.get("evidence_file") or self.cleaned_data.get("remove_file"):
            return True
        return self.values() != self.stored(current)


class SettingsForm(forms.Form):
    sharing = forms.ChoiceField(
        label=gettext_lazy("Who may see the results"),
        choices=Assessment.Sharing.choices,
        widget=forms.RadioSelect,
    )
    in_comparison = forms.BooleanField(
        label=gettext_lazy("Include in anonymised comparisons"),
        required=False,
        help_text=gettext_lazy(
            "Other organisations see only distributions of groups of at least five "
            "organisations, never a name."
        ),
    )
    target_level = forms.TypedChoiceField(
        label=gettext_lazy("Target level"),
        coerce=int,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "The level every item should reach; the action plan lists the items below it."
        ),
    )

    def __init__(
        self, *args: Any, assessment: Assessment, questionnaire: Questionnaire, **kwargs: Any
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "sharing": assessment.sharing,
                "in_comparison": assessment.in_comparison,
                "target_level": assessment.target_level,
            },
        )
        super().__init__(*args, **kwargs)
        field = _choices(self, "target_level")
        field.choices = [(n, level_label(questionnaire, n)) for n in range(1, MAX_LEVEL + 1)]
        if assessment.finished:
            field.disabled = True
            field.help_text = _(
                "A finished assessment keeps the target level it was finished with."
            )


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail address"), max_length=150)
    first_name = forms.CharField(
        label=gettext_lazy("First name"), max_length=NAME_MAX, required=False
    )
    last_name = forms.CharField(
        label=gettext_lazy("Last name"), max_length=NAME_MAX, required=False
    )

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip()
