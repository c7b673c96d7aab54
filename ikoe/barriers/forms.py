"""The form of the upload of selection data: the file, its name and title, the Land and,
if the stage names do not tell it, the order of the stages, and the further groups the file
holds besides the three standard ones."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.barriers.models import SelectionData
from ikoe.forms import refuse_reserved
from ikoe.organisations.models import Organisation

SELECTION_EXTENSIONS = ["csv", "txt", "xlsx", "parquet"]
MAX_UPLOAD_MB = 50
RESERVED_NAMES = frozenset({"hochladen"})  # /auswahlverfahren/hochladen/ is the upload page
MAX_STAGES = 50
MAX_GROUPS = 20


def name_prefix(land: Organisation) -> str:
    """The beginning of the names of a Land's uploaded selection data.

    >>> name_prefix(Organisation(code="DE-BE", kind="land"))
    'be-'
    """
    return land.code.rpartition("-")[2].lower() + "-"


def split_stages(text: str) -> list[str]:
    """The stages as the user wrote them: one per line, or on one line separated by commas or
    semicolons; empty entries are dropped.

    >>> split_stages("Bewerbung\\r\\n schriftlicher Test \\n\\nAuswahlgespräch")
    ['Bewerbung', 'schriftlicher Test', 'Auswahlgespräch']
    >>> split_stages("Bewerbung, Test; Interview")
    ['Bewerbung', 'Test', 'Interview']
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) == 1:
        lines = re.split(r"[,;]", lines[0])
    return [stage.strip() for stage in lines if stage.strip()]


def split_groups(text: str) -> list[str]:
    """The further groups as the user wrote them, one per line (a group's name may hold a
    comma); empty lines and repetitions are dropped.

    >>> split_groups("Spätaussiedler\\r\\n\\n EU-Ausland, Schweiz \\nSpätaussiedler")
    ['Spätaussiedler', 'EU-Ausland, Schweiz']
    """
    return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


class SelectionUploadForm(forms.Form):
    """The selection file and what the data set is called; the Land when the user is data
    steward of several."""

    file = forms.FileField(
        label=gettext_lazy("Selection file"),
        help_text=gettext_lazy(
            "CSV, XLSX or Parquet with a header row: counts per stage and group, or one row per "
            "applicant (see the columns above). German and English conventions (semicolon or "
            "comma, Windows-1252 or UTF-8) are recognised."
        ),
        validators=[FileExtensionValidator(SELECTION_EXTENSIONS)],
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx,.parquet"}),
    )
    land = forms.ChoiceField(label=gettext_lazy("Land"))
    name = forms.SlugField(
        label=gettext_lazy("Short name"),
        max_length=100,
    )
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Shown to users; the short name when left empty."),
    )
    stages = forms.CharField(
        label=gettext_lazy("Order of the stages"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 40}),
        help_text=gettext_lazy(
            "Only needed when the order follows neither from a column Reihenfolge nor from "
            "the usual stage names (Bewerbung, schriftlicher Test, Auswahlgespräch, "
            "Einstellungsangebot …): the stages as in the file, one per line, first stage first."
        ),
    )
    groups = forms.CharField(
        label=gettext_lazy("Further groups, one per line"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40}),
        help_text=gettext_lazy(
            "Only needed when the column Gruppe holds groups besides mit "
            "Migrationshintergrund, ohne Migrationshintergrund and keine Angabe, such as "
            "Spätaussiedler or EU-Ausland: each such group as it is written in the file. A "
            "further group is compared with the others and its counts are protected like theirs; "
            "any other group in the file is refused."
        ),
    )
    replace = forms.BooleanField(
        label=gettext_lazy("Replace the existing selection data of this short name"),
        required=False,
        help_text=gettext_lazy(
            "Only needed when the Land has selection data of this short name already. The new "
            "import replaces them and is not public until the Land's coordination releases it."
        ),
    )

    def __init__(self, *args: Any, lands: Sequence[Organisation] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lands = {land.code: land for land in lands}  # the Länder the user may upload for
        prefixes = sorted({name_prefix(o) for o in lands}) or ["be-"]
        self.fields["name"].help_text = _(
            "Letters without umlauts, digits, hyphens and underscores, used in the page "
            "address; it begins with the abbreviation of the Land and a hyphen (%(prefixes)s), "
            "e.g. %(example)s."
        ) % {"prefixes": ", ".join(prefixes), "example": f"{prefixes[0]}auswahl-2024"}
        land = self.fields["land"]
        assert isinstance(land, forms.ChoiceField)
        land.choices = [(code, o.name) for code, o in self.lands.items()]
        if len(self.lands) == 1:
            # The only Land: a hidden field, taken when the form does not send it.
            land.widget = forms.HiddenInput()
            land.initial = next(iter(self.lands))
            land.required = False
        else:
            land.choices = [("", _("– choose the Land –")), *land.choices]
            land.help_text = gettext_lazy("The Land whose selection procedures the file holds.")

    @property
    def chosen_land(self) -> Organisation | None:
        return self.lands.get(self.cleaned_data.get("land") or "")

    def clean_land(self) -> str:
        code = self.cleaned_data.get("land") or ""
        if not code and len(self.lands) == 1:
            return next(iter(self.lands))
        return code

    def clean_file(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("file")
        if upload is not None and (upload.size or 0) > MAX_UPLOAD_MB * 1024 * 1024:
            raise ValidationError(
                _("The file is larger than %(size)d MB.") % {"size": MAX_UPLOAD_MB},
                code="too_large",
            )
        return upload

    def clean_name(self) -> str:
        return refuse_reserved(self.cleaned_data["name"], RESERVED_NAMES)

    def clean_stages(self) -> list[str] | None:
        stages = split_stages(self.cleaned_data.get("stages") or "")
        if len(stages) > MAX_STAGES:
            raise ValidationError(
                _("At most %(count)d stages can be given.") % {"count": MAX_STAGES},
                code="too_many",
            )
        return stages or None

    def clean_groups(self) -> list[str]:
        groups = split_groups(self.cleaned_data.get("groups") or "")
        if len(groups) > MAX_GROUPS:
            raise ValidationError(
                _("At most %(count)d further groups can be given.") % {"count": MAX_GROUPS},
                code="too_many",
            )
        return groups

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        land, name = self.chosen_land, data.get("name")
        if land is not None and name:
            problem = name_problem(name, bool(data.get("replace")), land)
            if problem is not None:
                self.add_error(*problem)
        return data


def name_problem(name: str, replace: bool, land: Organisation) -> tuple[str, str] | None:
    """Why selection data of ``land`` may not be stored under ``name``: (field, message), or
    ``None``.

    Names are unique on the whole platform, but unreleased data of another Land must not become
    known through them: an uploaded data set's name begins with its Land's abbreviation
    (``be-auswahl-2024``), so names of other Länder are refused for their form, whether data
    have them or not. A name of the right form that is taken all the same (data imported on the
    command line) gets a neutral refusal. Data of the Land itself are replaced only when asked
    for (:func:`ikoe.barriers.pipeline.import_selection` replaces data of the same name).
    """
    prefix = name_prefix(land)
    if not (name.startswith(prefix) and len(name) > len(prefix)):
        return "name", _(
            "The short name begins with the abbreviation of the Land and a hyphen: %(prefix)s, "
            "e.g. %(example)s."
        ) % {"prefix": prefix, "example": f"{prefix}auswahl-2024"}
    existing = SelectionData.objects.filter(name=name).only("land_id").first()
    if existing is None:
        return None
    if existing.land_id == land.pk:
        if replace:
            return None
        return "replace", _(
            "%(land)s has selection data with the short name “%(name)s” already. Tick the box "
            "to replace them, or choose another short name."
        ) % {"land": land.name, "name": name}
    return "name", _(
        "This short name cannot be used. Choose another one, for example with a suffix such as "
        "%(example)s."
    ) % {"example": f"{name}-2"}
