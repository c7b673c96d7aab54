"""Forms of the survey upload: the files and facts of a survey, then the column mapping.

The mapping form is built from the header cells of the uploaded files only; no form here ever
sees a row of a survey.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import FileExtensionValidator, MaxValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.accounts.models import Role
from ikoe.accounts.scope import has_role
from ikoe.ingest.mapping import (
    CLASSIFYING,
    HEADCOUNT,
    MIGRATION_BACKGROUND,
    ORGANISATION,
    RAW_ANSWERS,
    RESPONDENT_ID,
    SurveyMapping,
    resolve_header,
)
from ikoe.ingest.text import header_key
from ikoe.organisations.models import Organisation
from ikoe.surveys.models import Survey
from ikoe.surveys.pipeline import SURVEY_YEAR_MIN, latest_survey_year

SURVEY_EXTENSIONS = ["csv", "txt", "xlsx", "parquet"]
MAPPING_EXTENSIONS = ["yaml", "yml"]
MAX_UPLOAD_MB = 200
RESERVED_NAMES = frozenset({"hochladen"})  # /befragungen/hochladen/ is the upload page

# What a user reads for each canonical column in the mapping step.
COLUMN_LABELS = {
    ORGANISATION: gettext_lazy("Organisation code"),
    RESPONDENT_ID: gettext_lazy("Respondent id"),
    "career_group": gettext_lazy("Career group"),
    "employment": gettext_lazy("Employment"),
    "gender": gettext_lazy("Gender"),
    "age_group": gettext_lazy("Age group"),
    "leadership": gettext_lazy("Leadership position"),
    "german": gettext_lazy("German citizen"),
    "german_since_birth": gettext_lazy("German since birth"),
    "born_abroad": gettext_lazy("Born abroad"),
    "immigration_year": gettext_lazy("Year of immigration"),
    "mother_born_abroad": gettext_lazy("Mother born abroad"),
    "mother_immigration_year": gettext_lazy("Mother's year of immigration"),
    "mother_german_since_birth": gettext_lazy("Mother German since birth"),
    "father_born_abroad": gettext_lazy("Father born abroad"),
    "father_immigration_year": gettext_lazy("Father's year of immigration"),
    "father_german_since_birth": gettext_lazy("Father German since birth"),
    MIGRATION_BACKGROUND: gettext_lazy("Migration background, already derived"),
    HEADCOUNT: gettext_lazy("Head count"),
}

FileRole = Literal["survey", "totals"]


def _option(name: str) -> tuple[str, str]:
    return name, _("%(label)s (%(name)s)") % {"label": COLUMN_LABELS[name], "name": name}


def column_choices(file: FileRole) -> list[Any]:
    """The choices of one column's select: ignore, or a canonical column (grouped)."""
    ignore = ("", _("ignore this column"))
    classifying = [_option(c.name) for c in CLASSIFYING]
    if file == "totals":
        return [
            ignore,
            (_("Organisation and head count"), [_option(ORGANISATION), _option(HEADCOUNT)]),
            (_("Breakdown"), classifying),
        ]
    return [
        ignore,
        (_("Organisation and respondent"), [_option(ORGANISATION), _option(RESPONDENT_ID)]),
        (_("Breakdown"), classifying),
        (
            _("Answers on migration background"),
            [_option(c.name) for c in RAW_ANSWERS] + [_option(MIGRATION_BACKGROUND)],
        ),
    ]


def _canonical_names(choices: list[Any]) -> set[str]:
    names: set[str] = set()
    for value, label in choices:
        if isinstance(label, list):
            names.update(v for v, _label in label)
        elif value:
            names.add(value)
    return names


# ---------------------------------------------------------------------------------------------
# Step 1: files and facts


def _check_size(upload: UploadedFile | None) -> UploadedFile | None:
    if upload is not None and (upload.size or 0) > MAX_UPLOAD_MB * 1024 * 1024:
        raise ValidationError(
            _("The file is larger than %(size)d MB.") % {"size": MAX_UPLOAD_MB}, code="too_large"
        )
    return upload


class SurveyUploadForm(forms.Form):
    """The survey file, the optional personnel totals and mapping file, and the survey's facts."""

    survey_file = forms.FileField(
        label=gettext_lazy("Survey file"),
        help_text=gettext_lazy(
            "CSV, XLSX or Parquet; one row per respondent, with a header row. German and "
            "English conventions (semicolon or comma, Windows-1252 or UTF-8) are recognised."
        ),
        validators=[FileExtensionValidator(SURVEY_EXTENSIONS)],
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx,.parquet"}),
    )
    totals_file = forms.FileField(
        label=gettext_lazy("Personnel totals"),
        required=False,
        help_text=gettext_lazy(
            "CSV, XLSX or Parquet with the head count per organisation (and, if you like, per "
            "career group, gender …); the survey is then weighted to these totals."
        ),
        validators=[FileExtensionValidator(SURVEY_EXTENSIONS)],
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx,.parquet"}),
    )
    mapping_file = forms.FileField(
        label=gettext_lazy("Mapping file"),
        required=False,
        help_text=gettext_lazy(
            "A YAML file with “columns:” and “values:” for the file's own names and codes. "
            "Its column assignments are preselected in the next step; its value assignments apply."
        ),
        validators=[FileExtensionValidator(MAPPING_EXTENSIONS)],
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml"}),
    )
    name = forms.SlugField(
        label=gettext_lazy("Short name"),
        max_length=100,
        help_text=gettext_lazy(
            "Letters without umlauts, digits, hyphens and underscores, used in the page address; "
            "it begins with your Land's abbreviation and a hyphen, e.g. be-2024."
        ),
    )
    year = forms.IntegerField(label=gettext_lazy("Survey year"), min_value=SURVEY_YEAR_MIN)
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Shown to users; the short name when left empty."),
    )
    population = forms.CharField(
        label=gettext_lazy("Surveyed population"),
        max_length=200,
        required=False,
        help_text=gettext_lazy(
            "Surveys of the same population in different years form a trend, e.g. "
            "“Landesverwaltung ohne Schulen”."
        ),
    )
    fieldwork = forms.CharField(
        label=gettext_lazy("Fieldwork period"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("For example 03/2024–05/2024."),
    )
    replace = forms.BooleanField(
        label=gettext_lazy("Replace the existing survey of this short name"),
        required=False,
        help_text=gettext_lazy(
            "Only needed when your Land has a survey of this short name already. The new import "
            "replaces it and is not released until a coordinator releases it."
        ),
    )

    def __init__(
        self, *args: Any, user: Any, lands: Sequence[Organisation] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.lands = list(lands)  # the Länder the user may import surveys for
        year = self.fields["year"]
        assert isinstance(year, forms.IntegerField)
        year.max_value = latest_survey_year()
        year.validators.append(MaxValueValidator(year.max_value))
        year.widget.attrs["max"] = year.max_value

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if name in RESERVED_NAMES:
            raise ValidationError(
                _("“%(name)s” is a reserved word of the page addresses; choose another short name.")
                % {"name": name},
                code="reserved",
            )
        return name

    def clean_survey_file(self) -> UploadedFile | None:
        return _check_size(self.cleaned_data.get("survey_file"))

    def clean_totals_file(self) -> UploadedFile | None:
        return _check_size(self.cleaned_data.get("totals_file"))

    def clean_mapping_file(self) -> UploadedFile | None:
        return _check_size(self.cleaned_data.get("mapping_file"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = data.get("name")
        if name:
            problem = name_problem(self.user, name, bool(data.get("replace")), self.lands)
            if problem is not None:
                field, message = problem
                self.add_error(field, message)
        return data


def name_prefix(land: Organisation) -> str:
    """The beginning of the short names of a Land's uploaded surveys.

    >>> name_prefix(Organisation(code="DE-BE", kind="land"))
    'be-'
    """
    return land.code.rpartition("-")[2].lower() + "-"


def name_problem(
    user: Any, name: str, replace: bool, lands: Sequence[Organisation]
) -> tuple[str, str] | None:
    """Why a survey may not be stored under ``name``: (field, message), or ``None``.

    ``lands`` are the Länder the survey may belong to (the user's Länder, or the file's Land).

    :func:`ikoe.surveys.pipeline.import_survey` replaces a survey of the same name; that is
    allowed only for a survey whose every Land the user is data steward for, and only when asked
    for.
    Short names are unique on the whole platform, but an unreleased survey of another Land must
    not become known through them: an uploaded survey's short name begins with its Land's
    abbreviation (``be-2024``), so names of other Länder are refused for their form, whether a
    survey has them or not. A name of the right form that is taken elsewhere all the same (a
    survey imported on the command line) gets a neutral refusal that says neither where nor why.
    """
    existing = Survey.objects.filter(name=name).first()
    if existing is not None and all(
        has_role(user, Role.DATA_STEWARD, land=land) for land in existing.lands
    ):
        if not replace:
            return "replace", _(
                "Your Land has a survey with the short name “%(name)s” already. Tick the box to "
                "replace it, or choose another short name."
            ) % {"name": name}
        return None
    prefixes = sorted({name_prefix(land) for land in lands})
    if not any(name.startswith(prefix) and len(name) > len(prefix) for prefix in prefixes):
        return "name", _(
            "The short name begins with the abbreviation of the Land of the survey and a "
            "hyphen: %(prefixes)s, e.g. %(example)s."
        ) % {
            "prefixes": ", ".join(prefixes) or "–",
            "example": f"{prefixes[0] if prefixes else 'be-'}2024",
        }
    if existing is not None:
        return "name", _(
            "This short name cannot be used. Choose another one, for example with a suffix "
            "such as %(example)s."
        ) % {"example": f"{name}-2"}
    return None


# ---------------------------------------------------------------------------------------------
# Step 2: column mapping


@dataclass(frozen=True)
class HeaderField:
    """One select of the mapping form: a heading of an uploaded file."""

    field: str  # the form field's name
    header: str  # the heading as in the file
    file: FileRole
    repeated: int = 1  # how many columns of the file carry this heading


def header_fields(survey_header: Sequence[str], totals_header: Sequence[str]) -> list[HeaderField]:
    """One select per distinct heading (compared by :func:`header_key`), survey file first.

    A heading of the totals file that the survey file has too is mapped by the survey's select
    (a mapping holds one canonical name per heading). Columns without heading cannot be mapped.
    """
    fields: list[HeaderField] = []
    seen: dict[str, int] = {}
    sources: tuple[tuple[FileRole, Sequence[str]], ...] = (
        ("survey", survey_header),
        ("totals", totals_header),
    )
    for role, header in sources:
        counts: dict[str, int] = {}
        for cell in header:
            if cell:
                counts[header_key(cell)] = counts.get(header_key(cell), 0) + 1
        for cell in header:
            key = header_key(cell)
            if not cell or key in seen:
                continue
            seen[key] = len(fields)
            fields.append(HeaderField(f"{role}_col_{len(fields)}", cell, role, counts[key]))
    return fields


def shared_headers(survey_header: Sequence[str], totals_header: Sequence[str]) -> list[str]:
    """Headings of the totals file that the survey file has too."""
    keys = {header_key(h) for h in survey_header if h}
    return [h for h in dict.fromkeys(totals_header) if h and header_key(h) in keys]


class ColumnMappingForm(forms.Form):
    """For each heading of the uploaded files, the canonical column it stands for, or none."""

    def __init__(
        self,
        *args: Any,
        headers: list[HeaderField],
        preset: SurveyMapping | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        # field name -> number of import problems in its column (set by the view)
        self.problem_counts: dict[str, int] = {}
        for item in headers:
            choices = column_choices(item.file)
            guess = resolve_header(item.header, preset)
            self.fields[item.field] = forms.ChoiceField(
                label=item.header,
                choices=choices,
                required=False,
                initial=guess if guess in _canonical_names(choices) else "",
            )

    def bound(self, file: FileRole) -> list[tuple[HeaderField, forms.BoundField, int]]:
        """(heading, bound field, number of import problems in the column) of one file."""
        return [
            (h, self[h.field], self.problem_counts.get(h.field, 0))
            for h in self.headers
            if h.file == file
        ]

    @property
    def survey_fields(self) -> list[tuple[HeaderField, forms.BoundField, int]]:
        return self.bound("survey")

    @property
    def totals_fields(self) -> list[tuple[HeaderField, forms.BoundField, int]]:
        return self.bound("totals")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for file in ("survey", "totals"):
            taken: dict[str, str] = {}
            for item in self.headers:
                if item.file != file:
                    continue
                target = data.get(item.field) or ""
                if not target:
                    continue
                if target in taken:
                    self.add_error(
                        item.field,
                        _(
                            "“%(first)s” is assigned to “%(name)s” already; assign only one "
                            "column to it."
                        )
                        % {"first": taken[target], "name": target},
                    )
                else:
                    taken[target] = item.header
            if file == "survey" and ORGANISATION not in taken:
                self.add_error(
                    None,
                    _("Assign the column that holds the organisation code to “%(name)s”.")
                    % {"name": ORGANISATION},
                )
        return data

    def chosen(self) -> dict[str, str | None]:
        """The file's heading → canonical name, ``None`` to ignore (after validation)."""
        return {h.header: (self.cleaned_data.get(h.field) or None) for h in self.headers}

    def mapping(self, values: SurveyMapping | None, source: str) -> SurveyMapping:
        """The mapping the import reads through: the chosen columns, the uploaded values."""
        columns = {header_key(header): target for header, target in self.chosen().items()}
        return SurveyMapping(
            columns=columns, values=dict(values.values) if values else {}, source=source
        )
