"""Forms of the survey upload: the files and facts of a survey, then the column mapping.

The mapping form is built from the header cells of the uploaded files only; no form here ever
sees a row of a survey.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import FileExtensionValidator, MaxValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe import labels
from ikoe.accounts.models import Role
from ikoe.accounts.scope import has_role
from ikoe.errors import excerpt
from ikoe.forms import refuse_reserved
from ikoe.ingest.mapping import (
    CANONICAL,
    CLASSIFYING,
    HEADCOUNT,
    MIGRATION_BACKGROUND,
    ORGANISATION,
    RAW_ANSWERS,
    RESPONDENT_ID,
    SurveyMapping,
    column_title,
    read_value,
    recognise_header,
    value_key,
)
from ikoe.ingest.survey import MAX_VALUES, ColumnValues
from ikoe.ingest.text import header_key
from ikoe.organisations.models import Organisation
from ikoe.surveys.models import Survey
from ikoe.surveys.pipeline import SURVEY_YEAR_MIN, latest_survey_year

SURVEY_EXTENSIONS = ["csv", "txt", "xlsx", "parquet"]
MAPPING_EXTENSIONS = ["yaml", "yml"]
MAX_UPLOAD_MB = 200
RESERVED_NAMES = frozenset({"hochladen"})  # /befragungen/hochladen/ is the upload page

# What a user reads for each canonical column (kept here under its old name for the views).
COLUMN_LABELS = labels.COLUMN_LABELS

FileRole = Literal["survey", "totals"]


def _option(name: str) -> tuple[str, str]:
    return name, column_title(name)


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
        required=False,  # when a file chosen before is kept; clean() asks for one otherwise
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
    drop_totals = forms.BooleanField(
        label=gettext_lazy("Do not use the kept personnel totals"), required=False
    )
    drop_mapping = forms.BooleanField(
        label=gettext_lazy("Do not use the kept mapping file"), required=False
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
        self,
        *args: Any,
        user: Any,
        lands: Sequence[Organisation] = (),
        kept: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.lands = list(lands)  # the Länder the user may import surveys for
        self.kept = set(kept)  # the files of an earlier try that are kept: survey, totals …
        year = self.fields["year"]
        assert isinstance(year, forms.IntegerField)
        year.max_value = latest_survey_year()
        year.validators.append(MaxValueValidator(year.max_value))
        year.widget.attrs["max"] = year.max_value

    def clean_name(self) -> str:
        return refuse_reserved(self.cleaned_data["name"], RESERVED_NAMES)

    def clean_survey_file(self) -> UploadedFile | None:
        return _check_size(self.cleaned_data.get("survey_file"))

    def clean_totals_file(self) -> UploadedFile | None:
        return _check_size(self.cleaned_data.get("totals_file"))

    def clean_mapping_file(self) -> UploadedFile | None:
        return _check_size(self.cleaned_data.get("mapping_file"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            not data.get("survey_file")
            and "survey" not in self.kept
            and not self.has_error("survey_file")
        ):
            self.add_error("survey_file", _("Choose the survey file."))
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
    positions: tuple[int, ...] = ()  # where they are in the file (0 = first column)


def header_fields(survey_header: Sequence[str], totals_header: Sequence[str]) -> list[HeaderField]:
    """One select per distinct heading (compared by :func:`header_key`), survey file first.

    A heading of the totals file that the survey file has too is mapped by the survey's select
    (a mapping holds one canonical name per heading). Columns without heading cannot be mapped.
    """
    fields: list[HeaderField] = []
    seen: set[str] = set()
    sources: tuple[tuple[FileRole, Sequence[str]], ...] = (
        ("survey", survey_header),
        ("totals", totals_header),
    )
    for role, header in sources:
        positions: dict[str, list[int]] = {}
        for index, cell in enumerate(header):
            if cell:
                positions.setdefault(header_key(cell), []).append(index)
        for cell in header:
            key = header_key(cell)
            if not cell or key in seen:
                continue
            seen.add(key)
            where = tuple(positions[key])
            fields.append(HeaderField(f"{role}_col_{len(fields)}", cell, role, len(where), where))
    return fields


def shared_headers(survey_header: Sequence[str], totals_header: Sequence[str]) -> list[str]:
    """Headings of the totals file that the survey file has too."""
    keys = {header_key(h) for h in survey_header if h}
    return [h for h in dict.fromkeys(totals_header) if h and header_key(h) in keys]


# How a column or a value came to be assigned, as the mapping step marks it.
Status = Literal["automatic", "mapping", "manual", "unrecognised"]
STATUS_TEXTS: dict[str, Any] = {
    "automatic": gettext_lazy("recognised automatically"),
    "mapping": gettext_lazy("from the mapping file"),
    "manual": gettext_lazy("chosen by hand"),
    "unrecognised": gettext_lazy("not recognised: ignored unless you choose"),
}
VALUE_STATUS_TEXTS: dict[str, Any] = {
    **STATUS_TEXTS,
    "unrecognised": gettext_lazy("not recognised: please choose"),
}

NO_ANSWER = "none"  # the choice “no answer” of a value select
YES_NO_CHOICES = {"yes": True, "no": False}


@dataclass(frozen=True)
class ValueRow:
    """One distinct entry of a column of categories, with the select that says what it means."""

    text: str  # the entry as the file writes it
    field: str  # the form field's name
    status: Status


@dataclass
class ValueTable:
    """The distinct entries of the file's column(s) assigned to one column of categories."""

    column: str  # canonical name
    headings: list[str]  # the file's headings whose entries these are
    rows: list[ValueRow]
    more: int = 0  # distinct entries beyond those listed
    too_many: int = 0  # > 0: so many distinct entries that the column cannot hold categories
    filled: int = 0  # rows with an entry

    @property
    def label(self) -> str:
        return column_title(self.column)

    @property
    def named_as_label(self) -> bool:
        """Whether the file's heading is the column's own name, so the legend names it once."""
        return [header_key(h) for h in self.headings] == [header_key(self.label)]

    @property
    def needs_choice(self) -> bool:
        """Whether an entry is not recognised, so the table is shown open."""
        return any(row.status == "unrecognised" for row in self.rows) or bool(self.too_many)


def value_field_name(column: str, text: str) -> str:
    """The name of the select of one entry: the same entry of the same column gets the same
    name whichever file column it was found in, so a choice survives a change of assignment."""
    digest = hashlib.sha256(value_key(text).encode("utf-8")).hexdigest()[:12]
    return f"value_{column}_{digest}"


def value_choices(column: str) -> list[tuple[str, Any]]:
    """The choices of a value select: the categories of the column in words, and no answer."""
    choose = ("", _("– please choose –"))
    none = (NO_ANSWER, labels.NO_ANSWER_LABEL)
    canonical = CANONICAL[column]
    if canonical.kind == "yes_no":
        return [
            choose,
            ("yes", labels.YES_NO_LABELS[True]),
            ("no", labels.YES_NO_LABELS[False]),
            none,
        ]
    words = labels.CODE_LABELS.get(column, {})
    return [choose, *((code, words.get(code, code)) for code in canonical.codes), none]


def _choice_of(target: str | bool | None) -> str:
    """The choice of a value select that stands for a canonical value."""
    if target is None:
        return NO_ANSWER
    if isinstance(target, bool):
        return "yes" if target else "no"
    return target


def _target_of(choice: str, kind: str) -> str | bool | None:
    if choice == NO_ANSWER:
        return None
    if kind == "yes_no":
        return YES_NO_CHOICES[choice]
    return choice


def value_tables(
    assigned: dict[str, list[tuple[HeaderField, ColumnValues]]],
    preset: SurveyMapping | None,
) -> list[ValueTable]:
    """The tables of the value step: for each column of categories (code or yes/no) that the
    file's columns are assigned to, its distinct entries, when one of them is not a standard
    code or yes/no spelling (then the data steward sees what each is read as, and says what
    the unrecognised ones stand for). ``assigned``: canonical name → the assigned headings and
    their distinct entries. Never for ids, years, head counts or organisation codes; and a
    column with more than :data:`MAX_VALUES` distinct entries in fewer than twice as many rows
    lists none: it holds ids or free text, whatever it was assigned to.
    """
    tables = []
    for column, found in assigned.items():
        canonical = CANONICAL[column]
        if canonical.kind not in ("code", "yes_no") or not found:
            continue
        mapped = preset.values.get(column, {}) if preset else {}
        texts: dict[str, str] = {}
        more = too_many = filled = 0
        for _heading, values in found:
            filled += values.filled
            distinct = len(values.values) + values.more
            if distinct > MAX_VALUES and 2 * distinct > values.filled:
                too_many += distinct  # ids or free text, not categories: list none of them
                continue
            more += values.more
            for text in values.values:
                texts.setdefault(value_key(text), text)
        rows = []
        plain = True
        for key, text in texts.items():
            reading, _target = read_value(canonical, text)
            status: Status
            if key in mapped:
                status = "mapping"
            elif reading == "unknown":
                status = "unrecognised"
            else:
                status = "automatic"
            plain &= status == "automatic" and reading in ("standard", "no_answer")
            rows.append(ValueRow(text, value_field_name(column, text), status))
        if plain and not too_many:
            continue
        tables.append(
            ValueTable(
                column,
                [heading.header for heading, _values in found],
                rows if not too_many else [],
                more,
                too_many,
                filled,
            )
        )
    return tables


class ColumnMappingForm(forms.Form):
    """For each heading of the uploaded files, the canonical column it stands for, or none;
    and, for the columns of categories whose entries are not all standard codes, what each
    distinct entry stands for (:meth:`add_value_tables`)."""

    def __init__(
        self,
        *args: Any,
        headers: list[HeaderField],
        preset: SurveyMapping | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        self.preset = preset
        # field name -> number of import problems in its column (set by the view)
        self.problem_counts: dict[str, int] = {}
        self.guesses: dict[str, tuple[str, str]] = {}  # field -> (canonical or "", how)
        self.value_tables: list[ValueTable] = []
        for item in headers:
            choices = column_choices(item.file)
            guess, how = recognise_header(item.header, preset)
            if guess not in _canonical_names(choices):
                guess = None
            self.guesses[item.field] = (guess or "", how if guess or how == "mapping" else "")
            self.fields[item.field] = forms.ChoiceField(
                label=item.header,
                choices=choices,
                required=False,
                initial=guess or "",
            )
        for item in headers:
            self.fields[item.field].help_text = STATUS_TEXTS[self.column_status(item)]

    def chosen_now(self, item: HeaderField) -> str:
        """What the select of a heading holds, before validation: what was sent, when it is a
        choice of the select, else what was recognised."""
        field = self.fields[item.field]
        assert isinstance(field, forms.ChoiceField)
        if not self.is_bound:
            return str(field.initial or "")
        sent = self.data.get(self.add_prefix(item.field))
        if sent is None:
            return str(field.initial or "")
        return sent if sent in _canonical_names(column_choices(item.file)) else ""

    def column_status(self, item: HeaderField) -> Status:
        guess, how = self.guesses[item.field]
        chosen = self.chosen_now(item)
        if chosen != guess:
            return "manual"
        if how == "mapping":
            return "mapping"
        return "automatic" if guess else "unrecognised"

    def assignment(self) -> dict[str, list[HeaderField]]:
        """Canonical name → the headings assigned to it (before validation)."""
        found: dict[str, list[HeaderField]] = {}
        for item in self.headers:
            chosen = self.chosen_now(item)
            if chosen:
                found.setdefault(chosen, []).append(item)
        return found

    def add_value_tables(self, tables: list[ValueTable]) -> None:
        """Add a select for each listed entry, preset with what it is read as: through the
        mapping file, a standard spelling, or nothing (then a choice is required). An entry
        that the sent form did not list yet takes its preset."""
        self.value_tables = tables
        copied = False
        for table in tables:
            mapped = self.preset.values.get(table.column, {}) if self.preset else {}
            for row in table.rows:
                key = value_key(row.text)
                if key in mapped:
                    initial = _choice_of(mapped[key])
                elif row.status == "unrecognised":
                    initial = ""
                else:
                    initial = _choice_of(read_value(CANONICAL[table.column], row.text)[1])
                field = forms.ChoiceField(
                    label=_("“%(value)s” in the column “%(column)s”")
                    % {"value": excerpt(row.text), "column": table.label},
                    choices=value_choices(table.column),
                    initial=initial,
                    error_messages={
                        "required": _("Choose what this entry of the file stands for.")
                    },
                    help_text=VALUE_STATUS_TEXTS[row.status],
                )
                self.fields[row.field] = field
                name = self.add_prefix(row.field)
                if self.is_bound and name not in self.data:
                    if not copied:  # a QueryDict of a request cannot be changed; its copy can
                        self.data, copied = self.data.copy(), True  # type: ignore[attr-defined]
                    self.data[name] = initial  # type: ignore[index]

    def value_rows(self, table: ValueTable) -> list[tuple[ValueRow, forms.BoundField]]:
        return [(row, self[row.field]) for row in table.rows]

    def bound(self, file: FileRole) -> list[tuple[HeaderField, forms.BoundField, int, Status]]:
        """(heading, bound field, number of import problems in the column, how it was
        assigned) of one file."""
        return [
            (h, self[h.field], self.problem_counts.get(h.field, 0), self.column_status(h))
            for h in self.headers
            if h.file == file
        ]

    @property
    def survey_fields(self) -> list[tuple[HeaderField, forms.BoundField, int, Status]]:
        return self.bound("survey")

    @property
    def totals_fields(self) -> list[tuple[HeaderField, forms.BoundField, int, Status]]:
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
                        % {"first": taken[target], "name": column_title(target)},
                    )
                else:
                    taken[target] = item.header
            if file == "survey" and ORGANISATION not in taken:
                self.add_error(
                    None,
                    _("Choose “%(name)s” for the column that holds the codes of the organisations.")
                    % {"name": column_title(ORGANISATION)},
                )
        return data

    def chosen(self) -> dict[str, str | None]:
        """The file's heading → canonical name, ``None`` to ignore (after validation)."""
        return {h.header: (self.cleaned_data.get(h.field) or None) for h in self.headers}

    def chosen_values(self) -> dict[str, dict[str, str | bool | None]]:
        """Canonical column → the file's entry (as :func:`value_key`) → canonical value, as
        chosen in the value step (after validation)."""
        values: dict[str, dict[str, str | bool | None]] = {}
        for table in self.value_tables:
            kind = CANONICAL[table.column].kind
            entries = values.setdefault(table.column, {})
            for row in table.rows:
                choice = self.cleaned_data.get(row.field) or ""
                if choice:
                    entries[value_key(row.text)] = _target_of(choice, kind)
        return {column: entries for column, entries in values.items() if entries}

    def mapping(self, values: SurveyMapping | None, source: str) -> SurveyMapping:
        """The mapping the import reads through: the chosen columns, the values of the mapping
        file and, above them, those chosen on the page."""
        columns = {header_key(header): target for header, target in self.chosen().items()}
        merged = {
            column: dict(entries) for column, entries in (values.values if values else {}).items()
        }
        for column, entries in self.chosen_values().items():
            merged.setdefault(column, {}).update(entries)
        return SurveyMapping(columns=columns, values=merged, source=source)
