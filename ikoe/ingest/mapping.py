"""The canonical columns of a staff survey, their code lists, and mapping files.

A survey file is read under canonical column names with canonical codes (``docs/surveys.md``).
Files that use their own names and codes are read through, in this order:

1. a mapping file (YAML) that the data steward writes for one survey tool or HR system
   (:func:`load_mapping`), or the assignments made in the upload's mapping step,
2. the canonical names and codes themselves,
3. a documented table of German and English headings and spellings (:data:`HEADER_ALIASES`,
   :data:`VALUE_ALIASES`, :data:`YES_NO_ALIASES`).

Headers are compared after :func:`alias_key` (the table) or :func:`header_key` (mapping files):
case, surrounding and repeated spaces, ``_``/``-`` and the spelling of umlauts (``ü``/``ue``) do
not matter; for the table, spaces and punctuation (``Lfd. Nr.``, ``Laufbahn-Gruppe``) and a part
in brackets (``Geschlecht (w/m/d)``) do not matter either. Values are compared after :func:`value_key`.

Every canonical column has a name users read (:data:`ikoe.labels.COLUMN_LABELS`); messages name
columns by it, never by their code alone. Each German and English label is itself an accepted
heading.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from django.utils.translation import gettext as _

from ikoe.errors import MAX_PROBLEMS, ImportFailed, ProblemList, excerpt
from ikoe.ingest.text import fold as _fold
from ikoe.ingest.text import header_key
from ikoe.labels import COLUMN_LABELS

Kind = Literal["organisation", "code", "yes_no", "year", "id", "count"]


@dataclass(frozen=True)
class Column:
    """One canonical column: its name, what kind of values it holds and, for codes, the list.

    The name users read is in :data:`ikoe.labels.COLUMN_LABELS` (:func:`column_title`).
    """

    name: str
    kind: Kind
    codes: tuple[str, ...] = ()


CAREER_GROUPS = ("einfach", "mittel", "gehoben", "hoeher", "ausbildung")
EMPLOYMENT = ("beamte", "tarif", "ausbildung")
GENDERS = ("w", "m", "d")
AGE_GROUPS = ("unter 30", "30-39", "40-49", "50-59", "60+")

ORGANISATION = "organisation"
RESPONDENT_ID = "respondent_id"
HEADCOUNT = "headcount"
MIGRATION_BACKGROUND = "migration_background"

# Columns that classify respondents (and personnel totals).
CLASSIFYING: tuple[Column, ...] = (
    Column("career_group", "code", CAREER_GROUPS),
    Column("employment", "code", EMPLOYMENT),
    Column("gender", "code", GENDERS),
    Column("age_group", "code", AGE_GROUPS),
    Column("leadership", "yes_no"),
)

# The raw answers from which ikoe.stats derives the status under each definition (docs/domain.md §3).
RAW_ANSWERS: tuple[Column, ...] = (
    Column("german", "yes_no"),
    Column("german_since_birth", "yes_no"),
    Column("born_abroad", "yes_no"),
    Column("immigration_year", "year"),
    Column("mother_born_abroad", "yes_no"),
    Column("mother_immigration_year", "year"),
    Column("mother_german_since_birth", "yes_no"),
    Column("father_born_abroad", "yes_no"),
    Column("father_immigration_year", "year"),
    Column("father_german_since_birth", "yes_no"),
)

SURVEY_COLUMNS: dict[str, Column] = {
    c.name: c
    for c in (
        Column(ORGANISATION, "organisation"),
        *CLASSIFYING,
        *RAW_ANSWERS,
        Column(MIGRATION_BACKGROUND, "yes_no"),
    )
}
ID_COLUMN = Column(RESPONDENT_ID, "id")
HEADCOUNT_COLUMN = Column(HEADCOUNT, "count")

# Every name a mapping file may map to.
CANONICAL: dict[str, Column] = {
    **SURVEY_COLUMNS,
    RESPONDENT_ID: ID_COLUMN,
    HEADCOUNT: HEADCOUNT_COLUMN,
}


def column_title(name: str) -> str:
    """What users read for a canonical column: its label (the name itself for an unknown one).

    >>> from django.utils import translation
    >>> with translation.override("de"):
    ...     column_title("born_abroad"), column_title("nonsense")
    ('Im Ausland geboren', 'nonsense')
    """
    return str(COLUMN_LABELS.get(name, name))


def column_with_name(name: str) -> str:
    """The label followed by the canonical name, for messages about mapping files, which use it.

    >>> from django.utils import translation
    >>> with translation.override("de"):
    ...     column_with_name("career_group")
    'Laufbahngruppe (Spalte career_group)'
    """
    return _("%(label)s (column %(name)s)") % {"label": column_title(name), "name": name}


# Spellings of yes, no and "no answer" (compared by value_key).
YES = ("ja", "yes", "1", "true", "wahr")
NO = ("nein", "no", "0", "false", "falsch")
NO_ANSWER = ("k.a.", "k. a.", "keine angabe", "no answer")

YEAR_MIN = 1900


def value_key(value: str) -> str:
    """How values are compared.

    >>> value_key(" Höher ")
    'hoeher'
    >>> value_key("30 – 39")
    '30-39'
    >>> value_key("60 +")
    '60+'
    """
    text = _fold(value).replace("\u2013", "-").replace("\u2014", "-")
    text = " ".join(text.split())
    return re.sub(r"\s*([\-+])\s*", r"\1", text)


_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def alias_key(name: str) -> str:
    """How headings are compared with the table of accepted headings: case, umlauts, spaces
    and punctuation do not matter.

    >>> alias_key("Lfd. Nr."), alias_key("Befragten-ID"), alias_key("Besoldungsgruppe/Laufbahn")
    ('lfdnr', 'befragtenid', 'besoldungsgruppelaufbahn')
    >>> alias_key("Laufbahn-Gruppe") == alias_key("LAUFBAHNGRUPPE ")
    True
    """
    return re.sub(r"[\W_]+", "", _fold(name))


# German and English headings accepted besides the canonical names (compared by alias_key).
_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    ORGANISATION: (
        "Organisation",
        "Organization",
        "Organisationscode",
        "Organisationskennzeichen",
        "Organisationseinheit",
        "Dienststelle",
        "Dienststellen-Nr.",
        "Dienststellennummer",
        "Dienststellenschlüssel",
        "Behörde",
        "Behördennummer",
        "Behördenkennziffer",
        "Organisation code",
        "Organization code",
    ),
    RESPONDENT_ID: (
        "ID",
        "Respondent id",
        "Befragten-ID",
        "Befragten-Nr.",
        "Befragtennummer",
        "Fragebogen-ID",
        "Fragebogen-Nr.",
        "Fragebogennummer",
        "Lfd. Nr.",
        "Lfd Nr",
        "laufende Nummer",
        "Nr.",
    ),
    "career_group": (
        "Laufbahngruppe",
        "Laufbahngruppen",
        "Laufbahn",
        "Besoldungsgruppe/Laufbahn",
        "Laufbahn/Besoldungsgruppe",
        "Laufbahngruppe/Besoldungsgruppe",
        "Qualifikationsebene",
        "Career group",
    ),
    "employment": (
        "Beschäftigungsverhältnis",
        "Beschäftigungsart",
        "Beschäftigtengruppe",
        "Dienstverhältnis",
        "Statusgruppe",
        "Beamte/Tarif",
        "Employment",
        "Employment status",
    ),
    "gender": ("Geschlecht", "Gender", "Sex"),
    "age_group": ("Altersgruppe", "Altersgruppen", "Altersklasse", "Age group"),
    "leadership": (
        "Führungsposition",
        "Führungskraft",
        "Führungsfunktion",
        "Leitungsfunktion",
        "Vorgesetztenfunktion",
        "Leadership",
        "Leadership position",
        "Manager",
    ),
    "german": (
        "Deutsche Staatsangehörigkeit",
        "Staatsangehörigkeit",
        "Staatsangehörigkeit deutsch",
        "Deutsch",
        "German citizen",
        "German citizenship",
    ),
    "german_since_birth": (
        "Deutsche Staatsangehörigkeit seit Geburt",
        "Deutsch seit Geburt",
        "Staatsangehörigkeit deutsch seit Geburt",
        "German since birth",
    ),
    "born_abroad": (
        "Im Ausland geboren",
        "Geburtsland",
        "Geburtsland Ausland",
        "Geburt im Ausland",
        "Born abroad",
        "Country of birth",
    ),
    "immigration_year": (
        "Zuzugsjahr",
        "Jahr des Zuzugs",
        "Jahr der Einwanderung",
        "Einwanderungsjahr",
        "Einreisejahr",
        "Jahr der Einreise",
        "Zuwanderungsjahr",
        "Immigration year",
        "Year of immigration",
    ),
    "mother_born_abroad": (
        "Mutter im Ausland geboren",
        "Mutter im Ausland",
        "Geburtsland Mutter",
        "Geburtsland der Mutter",
        "Mother born abroad",
    ),
    "mother_immigration_year": (
        "Zuzugsjahr Mutter",
        "Zuzugsjahr der Mutter",
        "Jahr der Einwanderung der Mutter",
        "Mother immigration year",
        "Mother's year of immigration",
    ),
    "mother_german_since_birth": (
        "Mutter deutsch seit Geburt",
        "Mutter mit deutscher Staatsangehörigkeit seit Geburt",
        "Mother German since birth",
    ),
    "father_born_abroad": (
        "Vater im Ausland geboren",
        "Vater im Ausland",
        "Geburtsland Vater",
        "Geburtsland des Vaters",
        "Father born abroad",
    ),
    "father_immigration_year": (
        "Zuzugsjahr Vater",
        "Zuzugsjahr des Vaters",
        "Jahr der Einwanderung des Vaters",
        "Father immigration year",
        "Father's year of immigration",
    ),
    "father_german_since_birth": (
        "Vater deutsch seit Geburt",
        "Vater mit deutscher Staatsangehörigkeit seit Geburt",
        "Father German since birth",
    ),
    MIGRATION_BACKGROUND: (
        "Migrationshintergrund",
        "Migrationshintergrund, bereits abgeleitet",
        "Migration background",
        "Migration background, already derived",
    ),
    HEADCOUNT: (
        "Anzahl",
        "Anzahl Beschäftigte",
        "Zahl der Beschäftigten",
        "Personalbestand",
        "Beschäftigte",
        "Köpfe",
        "Kopfzahl",
        "Personenzahl",
        "Headcount",
        "Head count",
    ),
}
HEADER_ALIASES: dict[str, str] = {
    alias_key(alias): canonical
    for canonical, aliases in _HEADER_ALIASES.items()
    for alias in (canonical, *aliases)
}

# Spellings of codes accepted besides the canonical codes (compared by value_key). The first
# spelling of each code is the one messages show (:func:`expected_spellings`).
_VALUE_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "career_group": {
        "einfach": (
            "einfacher Dienst",
            "einfacher",
            "einf. Dienst",
            "ED",
            "LG 1.1",
            "LG1.1",
            "QE 1",
            "QE1",
            "1. QE",
        ),
        "mittel": (
            "mittlerer Dienst",
            "mittlerer",
            "mittl. Dienst",
            "MD",
            "LG 1.2",
            "LG1.2",
            "QE 2",
            "QE2",
            "2. QE",
        ),
        "gehoben": (
            "gehobener Dienst",
            "gehobener",
            "geh. Dienst",
            "GD",
            "LG 2.1",
            "LG2.1",
            "QE 3",
            "QE3",
            "3. QE",
        ),
        "hoeher": (
            "höherer Dienst",
            "höherer",
            "höh. Dienst",
            "HD",
            "LG 2.2",
            "LG2.2",
            "QE 4",
            "QE4",
            "4. QE",
        ),
        "ausbildung": (
            "in Ausbildung",
            "Auszubildende",
            "Azubi",
            "Anwärter",
            "Anwärterin",
            "Anwärterinnen und Anwärter",
            "trainees",
        ),
    },
    "employment": {
        "beamte": (
            "Beamte",
            "Beamtin",
            "Beamter",
            "Beamtinnen und Beamte",
            "Beamtin/Beamter",
            "civil servants",
        ),
        "tarif": (
            "Tarifbeschäftigte",
            "Tarifbeschäftigter",
            "Tarif",
            "Angestellte",
            "Angestellter",
            "Arbeitnehmer",
            "Arbeitnehmerin",
            "Arbeitnehmerinnen und Arbeitnehmer",
            "employees",
        ),
        "ausbildung": ("in Ausbildung", "Auszubildende", "Azubi"),
    },
    "gender": {
        "w": ("weiblich", "weibl.", "Frau", "Frauen", "female", "f", "women"),
        "m": ("männlich", "männl.", "Mann", "Männer", "male", "men"),
        "d": ("divers", "diverse"),
    },
    "age_group": {
        "unter 30": (
            "unter 30",
            "unter 30 Jahre",
            "<30",
            "bis 29",
            "bis 29 Jahre",
            "jünger als 30",
            "15-29",
            "16-29",
            "18-29",
            "20-29",
            "under 30",
        ),
        "30-39": ("30-39", "30 bis 39", "30 bis 39 Jahre", "30 to 39"),
        "40-49": ("40-49", "40 bis 49", "40 bis 49 Jahre", "40 to 49"),
        "50-59": ("50-59", "50 bis 59", "50 bis 59 Jahre", "50 to 59"),
        "60+": (
            "60+",
            "60 und älter",
            "60 Jahre und älter",
            "ab 60",
            "über 59",
            "60 and older",
            "60 and over",
            "60 or older",
        ),
    },
}
VALUE_ALIASES: dict[str, dict[str, str]] = {
    column: {value_key(alias): code for code, aliases in table.items() for alias in aliases}
    for column, table in _VALUE_ALIASES.items()
}

# Answers of yes/no columns in words that only this column gives a meaning (compared by
# value_key): a column "Staatsangehörigkeit" with "deutsch", a "Geburtsland" with "Ausland".
_BORN_ABROAD: dict[bool, tuple[str, ...]] = {
    True: ("Ausland", "im Ausland", "nicht in Deutschland"),
    False: ("Deutschland", "in Deutschland", "Inland"),
}
_YES_NO_ALIASES: dict[str, dict[bool, tuple[str, ...]]] = {
    "german": {
        True: ("deutsch", "deutsche", "deutsch und andere", "doppelte Staatsangehörigkeit"),
        False: (
            "nicht deutsch",
            "nichtdeutsch",
            "ausländisch",
            "andere",
            "andere Staatsangehörigkeit",
        ),
    },
    "born_abroad": _BORN_ABROAD,
    "mother_born_abroad": _BORN_ABROAD,
    "father_born_abroad": _BORN_ABROAD,
}
YES_NO_ALIASES: dict[str, dict[str, bool]] = {
    column: {value_key(alias): answer for answer, aliases in table.items() for alias in aliases}
    for column, table in _YES_NO_ALIASES.items()
}


def expected_spellings(column: Column) -> list[str]:
    """The spellings messages name for a column's codes: a German word where there is one.

    >>> expected_spellings(SURVEY_COLUMNS["career_group"])[-2:]
    ['höherer Dienst', 'in Ausbildung']
    """
    table = _VALUE_ALIASES.get(column.name, {})
    return [table[code][0] if code in table else code for code in column.codes]


Reading = Literal["standard", "alias", "no_answer", "unknown"]


def read_value(column: Column, value: str) -> tuple[Reading, str | bool | None]:
    """How a value of a code or yes/no column is read without a mapping.

    ``standard``: a canonical code or a standard yes/no spelling; ``alias``: another spelling
    of the tables above; ``no_answer``: empty or a spelling of "no answer"; ``unknown``.

    >>> career = SURVEY_COLUMNS["career_group"]
    >>> read_value(career, "gehoben"), read_value(career, "GD"), read_value(career, "3")
    (('standard', 'gehoben'), ('alias', 'gehoben'), ('unknown', None))
    >>> read_value(SURVEY_COLUMNS["born_abroad"], "Deutschland"), read_value(career, "k.A.")
    (('alias', False), ('no_answer', None))
    """
    key = value_key(value)
    if not key or key in NO_ANSWER:
        return "no_answer", None
    if column.kind == "yes_no":
        answer = yes_no(value)
        if answer is True or answer is False:
            return "standard", answer
        aliases: Mapping[str, Any] = YES_NO_ALIASES.get(column.name, {})
    else:
        if key in column.codes:
            return "standard", key
        aliases = VALUE_ALIASES.get(column.name, {})
    if key in aliases:
        return "alias", aliases[key]
    return "unknown", None


@dataclass(frozen=True)
class SurveyMapping:
    """How one file's own headers and codes translate to the canonical ones.

    ``columns``: their header → canonical name (``None``: ignore the column).
    ``values``: canonical column → their value → canonical value (``None``: no answer).
    Keys are stored as :func:`header_key` / :func:`value_key` of what the file says.
    """

    columns: dict[str, str | None] = field(default_factory=dict)
    values: dict[str, dict[str, str | bool | None]] = field(default_factory=dict)
    source: str = ""

    def column_for(self, header: str) -> tuple[bool, str | None]:
        """(mapped?, canonical name or None to ignore)."""
        key = header_key(header)
        if key in self.columns:
            return True, self.columns[key]
        return False, None


Recognised = Literal["mapping", "automatic", ""]


def recognise_header(header: str, mapping: SurveyMapping | None) -> tuple[str | None, Recognised]:
    """The canonical name a file header stands for and how it was found: through the mapping
    (``"mapping"``, also when it says to ignore the column), by its name (``"automatic"``), or
    not at all (``None, ""``).

    >>> recognise_header("Lfd. Nr.", None), recognise_header("Geschlecht (w/m/d)", None)
    (('respondent_id', 'automatic'), ('gender', 'automatic'))
    >>> recognise_header("F7", None)
    (None, '')
    """
    if mapping is not None:
        mapped, target = mapping.column_for(header)
        if mapped:
            return target, "mapping"
    found = HEADER_ALIASES.get(alias_key(header))
    if found is None:
        bare = _BRACKETS.sub(" ", header)
        found = HEADER_ALIASES.get(alias_key(bare)) if bare != header else None
    return (found, "automatic") if found is not None else (None, "")


def resolve_header(header: str, mapping: SurveyMapping | None) -> str | None:
    """The canonical name a file header stands for, or ``None`` when it is not recognised."""
    return recognise_header(header, mapping)[0]


def yes_no(value: str) -> bool | None | Literal["invalid"]:
    """Read one yes/no answer: ``True``, ``False``, ``None`` (no answer) or ``"invalid"``.

    >>> [yes_no(v) for v in ("Ja", "no", "1", "0", "k.A.", "", "vielleicht")]
    [True, False, True, False, None, None, 'invalid']
    """
    key = value_key(value)
    if key in YES:
        return True
    if key in NO:
        return False
    if not key or key in NO_ANSWER:
        return None
    return "invalid"


def yes_no_spellings() -> str:
    return "ja/nein, yes/no, 1/0"


def no_answer_spellings() -> str:
    return _("an empty cell, “k.A.” or “keine Angabe”")


def load_mapping(path: str | Path, *, limit: int = MAX_PROBLEMS) -> SurveyMapping:
    """Read and validate a mapping file; every problem is reported with its line.

    The file is read as YAML nodes, not with YAML's own type rules, so ``yes``, ``no``,
    ``1`` or ``0`` stay the text the survey file contains.
    """
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed.single(
            "encoding",
            _("The mapping file is not UTF-8 text. Save it as UTF-8 and try again."),
            file=name,
        ) from exc
    except OSError as exc:
        raise ImportFailed.single(
            "unreadable",
            _("The file cannot be read: %(reason)s") % {"reason": exc.strerror},
            file=name,
        ) from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ImportFailed.single(
            "yaml",
            _("The mapping file is not valid YAML: %(reason)s")
            % {"reason": excerpt(getattr(exc, "problem", None) or exc, 200)},
            file=name,
            row=mark.line + 1 if mark is not None else None,
        ) from exc
    problems = ProblemList(file=name, limit=limit)
    if root is None:
        raise ImportFailed.single(
            "empty",
            _("The mapping file is empty. It needs “columns:”, “values:” or both."),
            file=name,
        )
    columns: dict[str, str | None] = {}
    values: dict[str, dict[str, str | bool | None]] = {}
    top = _mapping_items(root, problems, _("the whole file"))
    for key, node in top:
        if key.value == "columns":
            _read_columns(node, problems, columns)
        elif key.value == "values":
            _read_values(node, problems, values)
        else:
            problems.add(
                "mapping_key",
                _("Unknown section “%(key)s”; a mapping file has only “columns:” and “values:”.")
                % {"key": excerpt(key.value)},
                row=_line(key),
            )
    problems.raise_if_any()
    return SurveyMapping(columns=columns, values=values, source=name)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _scalar(node: yaml.Node) -> str | None:
    """The text of a scalar node; ``None`` for YAML null (``~``, ``null`` or nothing)."""
    assert isinstance(node, yaml.ScalarNode)
    if node.tag == "tag:yaml.org,2002:null":
        return None
    return str(node.value)


def _mapping_items(
    node: yaml.Node, problems: ProblemList, where: str
) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        problems.add(
            "mapping_shape",
            _("%(where)s must be a list of “name: value” lines.") % {"where": where},
            row=_line(node),
        )
        return []
    items: list[tuple[yaml.ScalarNode, yaml.Node]] = []
    seen: dict[str, int] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or _scalar(key) is None:
            problems.add("mapping_shape", _("A key must be plain text."), row=_line(key))
            continue
        text = str(key.value)
        if text in seen:
            problems.add(
                "mapping_duplicate",
                _("“%(key)s” appears twice (first in line %(first)d).")
                % {"key": excerpt(text), "first": seen[text]},
                row=_line(key),
            )
            continue
        seen[text] = _line(key)
        items.append((key, value))
    return items


def _unknown_name(name: str, choices: Iterable[str]) -> str:
    """A name a mapping file uses that is not a column of the survey format, with the closest
    one (by its code, which the file uses, or by its label)."""
    message = _("“%(name)s” is not a column name of the survey format.") % {"name": excerpt(name)}
    names = list(choices)
    close = difflib.get_close_matches(name, names, n=1)
    if not close:
        by_heading = HEADER_ALIASES.get(alias_key(name))
        close = [by_heading] if by_heading in names else []
    if close:
        message += " " + _("Did you mean %(column)s?") % {"column": column_with_name(close[0])}
    return message


def _read_columns(node: yaml.Node, problems: ProblemList, columns: dict[str, str | None]) -> None:
    targets: dict[str, str] = {}
    for key, value in _mapping_items(node, problems, "“columns:”"):
        their = str(key.value)
        if not isinstance(value, yaml.ScalarNode):
            problems.add(
                "mapping_shape",
                _("The column “%(name)s” must be mapped to one column name of the survey format.")
                % {"name": excerpt(their)},
                row=_line(value),
            )
            continue
        target = _scalar(value)
        if target is not None and target not in CANONICAL:
            problems.add("mapping_column", _unknown_name(target, CANONICAL), row=_line(value))
            continue
        if target is not None and target in targets:
            problems.add(
                "mapping_column",
                _(
                    "“%(their)s” and “%(other)s” are both mapped to %(column)s; map only one of "
                    "them."
                )
                % {
                    "their": excerpt(their),
                    "other": excerpt(targets[target]),
                    "column": column_with_name(target),
                },
                row=_line(key),
            )
            continue
        if target is not None:
            targets[target] = their
        columns[header_key(their)] = target


def _read_values(
    node: yaml.Node, problems: ProblemList, values: dict[str, dict[str, str | bool | None]]
) -> None:
    for key, table in _mapping_items(node, problems, "“values:”"):
        name = str(key.value)
        column = CANONICAL.get(name)
        if column is None:
            problems.add("mapping_column", _unknown_name(name, CANONICAL), row=_line(key))
            continue
        if column.kind not in ("code", "yes_no", "organisation"):
            problems.add(
                "mapping_values",
                _(
                    "The column %(column)s holds numbers or ids; its values cannot be mapped. "
                    "Values can be mapped for: %(columns)s."
                )
                % {
                    "column": column_with_name(name),
                    "columns": ", ".join(
                        column_with_name(c.name)
                        for c in CANONICAL.values()
                        if c.kind in ("code", "yes_no", "organisation")
                    ),
                },
                row=_line(key),
            )
            continue
        entries: dict[str, str | bool | None] = {}
        for their_node, target_node in _mapping_items(table, problems, f"“{name}:”"):
            their = str(their_node.value)
            if not isinstance(target_node, yaml.ScalarNode):
                problems.add(
                    "mapping_shape",
                    _("The value “%(value)s” must be mapped to one value.")
                    % {"value": excerpt(their)},
                    row=_line(target_node),
                )
                continue
            raw = _scalar(target_node)
            target = _mapping_target(column, raw)
            if target == "invalid":
                problems.add(
                    "mapping_target", _target_error(column, raw or ""), row=_line(target_node)
                )
                continue
            entries[value_key(their)] = target
        values[name] = entries


def _mapping_target(column: Column, raw: str | None) -> str | bool | None | Literal["invalid"]:
    if raw is None or value_key(raw) in NO_ANSWER or not raw.strip():
        return None
    if column.kind == "yes_no":
        return yes_no(raw)
    if column.kind == "code":  # a code, or a spelling of one such as “höherer Dienst”
        reading, code = read_value(column, raw)
        return code if reading in ("standard", "alias") else "invalid"
    return raw.strip()  # organisation codes are checked against the hierarchy when a file is read


def quoted(values: Iterable[str]) -> str:
    """Values a message lists, each in the quotation marks of the language.

    >>> from django.utils import translation
    >>> with translation.override("de"):
    ...     quoted(["w", "m"])
    '„w“, „m“'
    """
    return ", ".join(_("“%(value)s”") % {"value": value} for value in values)


def expected_values(column: Column) -> str:
    """What a message says a column of codes or yes/no answers expects, in words a file may use.

    >>> from django.utils import translation
    >>> with translation.override("en"):
    ...     expected_values(SURVEY_COLUMNS["gender"]), expected_values(SURVEY_COLUMNS["german"])
    ('“weiblich”, “männlich”, “divers”', 'ja/nein, yes/no, 1/0')
    """
    if column.kind == "yes_no":
        return yes_no_spellings()
    return quoted(expected_spellings(column))


def _target_error(column: Column, raw: str) -> str:
    return _(
        "“%(value)s” is not a value of %(column)s; map to one of: %(expected)s, "
        "or to “keine Angabe” for no answer."
    ) % {
        "value": excerpt(raw),
        "column": column_with_name(column.name),
        "expected": expected_values(column),
    }
