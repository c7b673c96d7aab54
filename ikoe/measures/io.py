"""Import and export of the registries as CSV or XLSX: measures, training participation and
funding programmes (docs/measures.md, "Import and export").

Each registry has a list of columns (:data:`REGISTRIES`); headings are accepted in English (the
column names) and German. An import creates a row, or updates the stored row with the same key
(measures and funding programmes: organisation and title; training participation: organisation,
year and occupational group); only the columns the file has are changed. It is all or nothing:
every problem of the file is listed with file, row and column, and nothing is stored while there
is one. Every created or changed row is recorded in the history with the action *imported*.

An export writes the same columns, so that an exported file imports again unchanged.

Scope: the caller names the Land the import is limited to (``--land`` on the command line)
and, on a page, the user, who must be allowed to edit every organisation of the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ikoe.accounts.models import Role
from ikoe.accounts.scope import has_role
from ikoe.errors import ProblemList, excerpt
from ikoe.ingest.measures import (
    CHOICE,
    DATE,
    DECIMAL,
    EMAIL,
    INTEGER,
    URL,
    Column,
    RegistryFile,
    RegistryRow,
    choice_key,
    read_registry_file,
)
from ikoe.measures.history import record, snapshot
from ikoe.measures.models import (
    DIMENSION_CHOICES,
    OCCUPATIONAL_GROUPS,
    FundingProgramme,
    Measure,
    TrainingOffer,
    TrainingRecord,
)
from ikoe.organisations.models import Organisation
from ikoe.reports.csv import spreadsheet_csv
from ikoe.reports.xlsx import Sheet, workbook_bytes

CENT = Decimal("0.01")
BUDGET: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "minimum": 0}


def _choices(options: Iterable[tuple[str, Any]]) -> tuple[dict[str, str], str]:
    """Spellings → code for a list of choices (the code, the English and the German name),
    and the codes in words for messages."""
    options = list(options)
    spellings: dict[str, str] = {}
    for language in ("en", "de"):
        with translation.override(language):
            for code, label in options:
                spellings.setdefault(choice_key(str(label)), code)
    for code, _label in options:
        spellings[choice_key(code)] = code
    codes = ", ".join(code for code, _label in options)
    return spellings, _("one of %(codes)s (or its name)") % {"codes": codes}


def _choice(name: str, options: Iterable[tuple[str, Any]], **kwargs: Any) -> Column:
    spellings, expected = _choices(options)
    return Column(name, CHOICE, choices=spellings, expected=expected, **kwargs)


def measure_columns() -> list[Column]:
    return [
        Column("organisation", required=True, headings=("Organisation", "organization")),
        Column("title", required=True, headings=("Titel", "Maßnahme"), max_length=300),
        Column("description", headings=("Beschreibung",)),
        _choice("type", Measure.Type.choices, required=True, headings=("Art", "Typ")),
        _choice("dimension", DIMENSION_CHOICES, headings=("Dimension", "IKÖ-Check-Dimension")),
        _choice("anchoring", Measure.Anchoring.choices, headings=("Verankerung",)),
        Column("goal", headings=("Ziel",)),
        Column("indicator", headings=("Indikator",), max_length=300),
        Column("target_value", headings=("Zielwert", "target value"), max_length=100),
        Column("owner", headings=("Verantwortlich", "Verantwortliche Stelle"), max_length=200),
        Column(
            "owner_email",
            EMAIL,
            headings=("E-Mail", "owner e-mail", "E-Mail Verantwortlich"),
            max_length=254,
        ),
        Column("start", DATE, headings=("Beginn", "Start")),
        Column("end", DATE, headings=("Ende",)),
        _choice("status", Measure.Status.choices, headings=("Status", "Stand")),
        Column("progress", INTEGER, headings=("Fortschritt",), minimum=0, maximum=100),
        Column("budget", DECIMAL, headings=("Budget", "Budget (Euro)"), **BUDGET),
        Column("funding_source", headings=("Finanzierung", "Finanzierungsquelle"), max_length=200),
        Column("parent", headings=("Teil von", "übergeordnete Maßnahme"), max_length=300),
    ]


def training_columns() -> list[Column]:
    return [
        Column("organisation", required=True, headings=("Organisation", "organization")),
        Column("year", INTEGER, required=True, headings=("Jahr",), minimum=1990, maximum=2100),
        _choice(
            "group",
            OCCUPATIONAL_GROUPS,
            required=True,
            headings=("Berufsgruppe", "occupational group"),
        ),
        # required for a group not yet recorded (_check_counts): a file of participation
        # counts may leave out the head counts that the personnel totals gave
        Column("staff", INTEGER, headings=("Beschäftigte",), minimum=0),
        Column("planned", INTEGER, headings=("geplant", "Plan"), minimum=0),
        # optional: a file of personnel totals gives the head counts alone
        Column("trained", INTEGER, headings=("geschult",), minimum=0),
        Column("offer", headings=("Angebot", "Fortbildungsangebot"), max_length=300),
    ]


def funding_columns() -> list[Column]:
    return [
        Column("organisation", required=True, headings=("Organisation", "organization")),
        Column("title", required=True, headings=("Titel", "Programm"), max_length=300),
        Column("description", headings=("Beschreibung",)),
        Column("url", URL, headings=("Webseite", "web page", "Link"), max_length=500),
        Column(
            "annual_budget",
            DECIMAL,
            headings=("Jahresbudget", "annual budget", "Budget"),
            **BUDGET,
        ),
    ]


@dataclass(frozen=True)
class Registry:
    name: str  # measures, trainings, funding
    model: type[models.Model]
    columns: Callable[[], list[Column]]
    key: tuple[str, ...]  # the columns that find the stored row (organisation first)
    sheet: str  # the worksheet's name in an export


REGISTRIES: dict[str, Registry] = {
    "measures": Registry(
        "measures", Measure, measure_columns, ("organisation", "title"), "Maßnahmen"
    ),
    "trainings": Registry(
        "trainings",
        TrainingRecord,
        training_columns,
        ("organisation", "year", "group"),
        "Fortbildungen",
    ),
    "funding": Registry(
        "funding", FundingProgramme, funding_columns, ("organisation", "title"), "Förderprogramme"
    ),
}


@dataclass
class ImportResult:
    registry: str
    file: str
    created: list[models.Model] = field(default_factory=list)
    changed: list[models.Model] = field(default_factory=list)
    unchanged: list[models.Model] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "registry": self.registry,
            "file": self.file,
            "created": len(self.created),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
        }


@dataclass
class _Planned:
    row: RegistryRow
    organisation: Organisation
    existing: models.Model | None
    values: dict[str, Any]  # the model fields to set (parents and offers resolved later)


def import_registry(
    path: str | Path,
    registry: str = "measures",
    *,
    land: Organisation | None = None,
    user: Any = None,
) -> ImportResult:
    """Import the file into ``registry`` (see the module): all or nothing.

    ``land`` limits the organisations of the file to that Land; ``user``, when it is an
    account, must be allowed to edit each of them (an operator on the command line is named by
    a text, which :func:`ikoe.measures.history.record` keeps as the name)."""
    spec = REGISTRIES[registry]
    data = read_registry_file(path, spec.columns())
    problems = data.problems
    organisations = _organisations(data, problems, land, user)
    planned = _plan(spec, data, organisations, problems)
    if registry == "measures":
        parents = _measure_parents(data, planned, problems)
        _check_dates(planned, problems)
    elif registry == "trainings":
        offers = _training_offers(planned, problems)
        _check_counts(planned, problems)
    problems.raise_if_any()
    result = ImportResult(registry, data.file)
    fields = list(data.columns)
    with transaction.atomic():
        written: list[tuple[_Planned, Any, dict[str, Any]]] = []
        for plan in planned:
            row: Any = plan.existing or spec.model(organisation=plan.organisation)
            before = snapshot(row, fields) if plan.existing is not None else {}
            for name, value in plan.values.items():
                setattr(row, name, value)
            if registry == "trainings" and "offer" in data.columns:
                row.offer = offers[plan.row.row]
            if registry == "measures" and row.pk is None:
                row.save()  # a measure of the file can be another's parent
            written.append((plan, row, before))
        by_number = {plan.row.row: row for plan, row, _before in written}
        for plan, row, before in written:
            if registry == "measures" and "parent" in data.columns:
                parent = parents[plan.row.row]
                row.parent = by_number[parent.row] if isinstance(parent, _Pending) else parent
            _save(row, fields, before, result, user)
    return result


class _Pending:
    """A parent that is a row of the same file (its row number)."""

    def __init__(self, row: int) -> None:
        self.row = row


def _save(
    row: models.Model,
    fields: Sequence[str],
    before: dict[str, Any],
    result: ImportResult,
    user: Any,
) -> None:
    after = snapshot(row, fields)
    created = not before
    if not created and after == before:
        result.unchanged.append(row)
        return
    row.updated_at = timezone.now()  # type: ignore[attr-defined]
    row.save()
    record(row, "imported", user, before, after)
    (result.created if created else result.changed).append(row)


def _organisations(
    data: RegistryFile, problems: ProblemList, land: Organisation | None, user: Any
) -> dict[str, Organisation]:
    """The organisations the file names, each checked once: it exists, belongs to ``land`` and
    the user may edit it; a refused one is left out (its rows are not checked further)."""
    codes = {r.values.get("organisation") for r in data.rows} - {None}
    found = {o.code: o for o in Organisation.objects.filter(code__in=codes).select_related("land")}
    allowed: dict[str, Organisation] = {}
    reported: set[str] = set()
    for row in data.rows:
        code = row.values.get("organisation")
        if code is None or code in allowed or code in reported:
            continue
        org = found.get(code)
        message = ""
        if org is None:
            message = _(
                "There is no organisation with the code “%(code)s” in the hierarchy; expected "
                "the code of an organisation, e.g. as in the list of organisations."
            ) % {"code": excerpt(code)}
        elif land is not None and org.land_id != land.pk:
            message = _(
                "The organisation “%(code)s” is not an organisation of %(land)s; this import "
                "is limited to that Land."
            ) % {"code": excerpt(code), "land": land.name}
        elif getattr(user, "is_authenticated", False) and not has_role(
            user, Role.EDITOR, agency=org
        ):
            message = _(
                "You may not change the rows of the organisation “%(code)s”; expected an "
                "organisation you edit."
            ) % {"code": excerpt(code)}
        if message:
            problems.add("organisation", message, row=row.row, column="organisation")
            reported.add(code)
        else:
            assert org is not None
            allowed[code] = org
    return allowed


def _plan(
    spec: Registry,
    data: RegistryFile,
    organisations: dict[str, Organisation],
    problems: ProblemList,
) -> list[_Planned]:
    """Per row of the file: its organisation, the stored row with the same key and the values
    to set; a key twice in the file or twice among the stored rows is a problem."""
    planned: list[_Planned] = []
    seen: dict[tuple[Any, ...], int] = {}
    rows = [r for r in data.rows if r.ok and r.values.get("organisation") in organisations]
    keys = spec.key[1:]
    stored: dict[tuple[Any, ...], list[models.Model]] = {}
    org_ids = {organisations[r.values["organisation"]].pk for r in rows}
    for obj in spec.model._default_manager.filter(organisation_id__in=org_ids):
        stored.setdefault((obj.organisation_id, *(getattr(obj, k) for k in keys)), []).append(obj)  # type: ignore[attr-defined]
    for row in rows:
        org = organisations[row.values["organisation"]]
        key = (org.pk, *(row.values.get(k) for k in keys))
        described = ", ".join(f"{k} {excerpt(row.values.get(k))}" for k in keys)
        if key in seen:
            problems.add(
                "duplicate_row",
                _(
                    "The organisation %(code)s has a row with %(key)s already in row %(row)d; "
                    "expected each once."
                )
                % {"code": org.code, "key": described, "row": seen[key]},
                row=row.row,
                column=keys[-1],
            )
            continue
        seen[key] = row.row
        matches = stored.get(key, [])
        if len(matches) > 1:
            problems.add(
                "ambiguous_row",
                _(
                    "The organisation %(code)s has %(count)d stored rows with %(key)s; the row "
                    "to update is not clear. Give them different titles on their pages first."
                )
                % {"code": org.code, "count": len(matches), "key": described},
                row=row.row,
                column=keys[-1],
            )
            continue
        values = {
            k: v
            for k, v in row.values.items()
            if k not in ("organisation", "parent", "offer") and k in _model_fields(spec.model)
        }
        for name, value in list(values.items()):
            if value is None:
                values[name] = _empty(spec.model, name)
            elif isinstance(value, Decimal):
                values[name] = value.quantize(CENT)
        planned.append(_Planned(row, org, matches[0] if matches else None, values))
    return planned


def _model_fields(model: type[models.Model]) -> set[str]:
    return {f.name for f in model._meta.get_fields() if isinstance(f, models.Field)}


def _empty(model: type[models.Model], name: str) -> Any:
    """What an empty cell stores: null where the field allows it, else its default or ``""``."""
    f = model._meta.get_field(name)
    assert isinstance(f, models.Field)
    if f.null:
        return None
    if f.has_default():
        return f.get_default()
    return ""


def _merged(plan: _Planned, name: str) -> Any:
    if name in plan.values:
        return plan.values[name]
    return getattr(plan.existing, name) if plan.existing is not None else None


def _check_dates(planned: Sequence[_Planned], problems: ProblemList) -> None:
    for plan in planned:
        start, end = _merged(plan, "start"), _merged(plan, "end")
        if start is not None and end is not None and end < start:
            problems.add(
                "end_before_start",
                _(
                    "The measure ends (%(end)s) before it starts (%(start)s); expected an end on or after the start."
                )
                % {"end": end.isoformat(), "start": start.isoformat()},
                row=plan.row.row,
                column="end",
            )


def _check_counts(planned: Sequence[_Planned], problems: ProblemList) -> None:
    for plan in planned:
        staff, trained = _merged(plan, "staff"), _merged(plan, "trained")
        if staff is None:
            problems.add(
                "staff_missing",
                _(
                    "No head count for this group yet; expected the staff of the group (from the personnel totals)."
                ),
                row=plan.row.row,
                column="staff",
            )
            continue
        if staff is not None and trained is not None and trained > staff:
            problems.add(
                "trained_above_staff",
                _(
                    "%(trained)d trained but %(staff)d staff; expected at most as many trained as staff."
                )
                % {"trained": trained, "staff": staff},
                row=plan.row.row,
                column="trained",
            )


def _measure_parents(
    data: RegistryFile, planned: Sequence[_Planned], problems: ProblemList
) -> dict[int, Any]:
    """Row number → parent (a stored measure, a :class:`_Pending` row of the file, or ``None``)
    for every planned row, when the file has the column ``parent``. A parent is a measure of
    the same organisation, in the file or stored; a measure cannot be part of itself, not even
    through others."""
    if "parent" not in data.columns:
        return {}
    org_ids = {p.organisation.pk for p in planned}
    stored: dict[tuple[int, str], list[Measure]] = {}
    for m in Measure.objects.filter(organisation_id__in=org_ids).select_related("parent"):
        stored.setdefault((m.organisation_id, m.title), []).append(m)
    in_file = {(p.organisation.pk, p.values["title"]): p for p in planned}
    # The tree after the import, by (organisation, title): the file's rows override the stored.
    up: dict[tuple[int, str], tuple[int, str] | None] = {}
    for (org_id, stored_title), measures in stored.items():
        parent = measures[0].parent
        up[(org_id, stored_title)] = (parent.organisation_id, parent.title) if parent else None
    parents: dict[int, Any] = {}
    for plan in planned:
        title: str | None = plan.row.values.get("parent")
        org = plan.organisation
        if title is None:
            parents[plan.row.row] = None
            up[(org.pk, plan.values["title"])] = None
            continue
        key = (org.pk, title)
        message = ""
        if title == plan.values["title"]:
            message = _(
                "A measure cannot be part of itself; expected the title of another measure."
            )
        elif key in in_file:
            parents[plan.row.row] = _Pending(in_file[key].row.row)
        elif len(stored.get(key, [])) == 1:
            parents[plan.row.row] = stored[key][0]
        elif stored.get(key):
            message = _(
                "The organisation %(code)s has several measures titled “%(title)s”; the parent "
                "is not clear."
            ) % {"code": org.code, "title": excerpt(title)}
        else:
            message = _(
                "There is no measure “%(title)s” of the organisation %(code)s, in the file or "
                "stored; expected the title of another measure of the same organisation."
            ) % {"title": excerpt(title), "code": org.code}
        if message:
            problems.add("parent", message, row=plan.row.row, column="parent")
            continue
        up[(org.pk, plan.values["title"])] = key
    for plan in planned:
        start = (plan.organisation.pk, plan.values["title"])
        node, steps = up.get(start), 0
        while node is not None and node != start and steps <= len(up):
            node, steps = up.get(node), steps + 1
        if node == start:
            problems.add(
                "parent_cycle",
                _(
                    "The measure “%(title)s” would be part of itself through its parent "
                    "“%(parent)s”; expected a parent that is not below it."
                )
                % {"title": excerpt(start[1]), "parent": excerpt(plan.row.values.get("parent"))},
                row=plan.row.row,
                column="parent",
            )
    return parents


def _training_offers(planned: Sequence[_Planned], problems: ProblemList) -> dict[int, Any]:
    """Row number → the training offer of the same organisation with that title (or ``None``)."""
    org_ids = {p.organisation.pk for p in planned}
    offers: dict[tuple[int, str], list[TrainingOffer]] = {}
    for offer in TrainingOffer.objects.filter(organisation_id__in=org_ids):
        offers.setdefault((offer.organisation_id, offer.title), []).append(offer)
    found: dict[int, Any] = {}
    for plan in planned:
        title = plan.row.values.get("offer")
        if title is None:
            found[plan.row.row] = None
            continue
        matches = offers.get((plan.organisation.pk, title), [])
        if len(matches) == 1:
            found[plan.row.row] = matches[0]
        else:
            problems.add(
                "offer",
                _(
                    "The organisation %(code)s has no single training offer titled "
                    "“%(title)s”; expected the title of one of its training offers, or nothing."
                )
                % {"code": plan.organisation.code, "title": excerpt(title)},
                row=plan.row.row,
                column="offer",
            )
    return found


# ---------------------------------------------------------------------------------------------
# Export


def _cell(row: models.Model, name: str) -> Any:
    value = getattr(row, name)
    if name == "organisation":
        return value.code
    if isinstance(value, models.Model):
        return str(getattr(value, "title", value))
    return value


def export_table(registry: str, rows: QuerySet[Any]) -> tuple[list[str], list[list[Any]]]:
    """The header and the rows of an export of ``rows`` (in the registry's columns): dates as
    ISO text, choices as their codes, the parent or offer as its title, empty cells as None."""
    spec = REGISTRIES[registry]
    header = [c.name for c in spec.columns()]
    related = [n for n in ("organisation", "parent", "offer") if n in header]
    out = [[_cell(r, name) for name in header] for r in rows.select_related(*related)]
    return header, out


def _text(value: Any, decimal: str) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.quantize(CENT), "f").replace(".", decimal)
    return value


def export_csv(registry: str, rows: QuerySet[Any]) -> bytes:
    """A CSV file as German spreadsheets open it: UTF-8 with a byte-order mark, ``;`` between
    the fields and the decimal comma; cells that look like formulas are neutralised."""
    header, table = export_table(registry, rows)
    return spreadsheet_csv(header, ([_text(v, ",") for v in row] for row in table))


def export_xlsx(registry: str, rows: QuerySet[Any]) -> bytes:
    """An Excel workbook: numbers as numbers, dates and texts as text."""
    header, table = export_table(registry, rows)
    cells = [
        [
            float(v)
            if isinstance(v, Decimal)
            else (v.isoformat() if hasattr(v, "isoformat") else v)
            for v in row
        ]
        for row in table
    ]
    return workbook_bytes(
        [Sheet(REGISTRIES[registry].sheet, header, cells, number_format="#,##0.00")]
    )
