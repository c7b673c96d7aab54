"""The canonical columns of a staff survey, their code lists, and mapping files.

A survey file is read under canonical column names with canonical codes (``docs/surveys.md``).
Files that use their own names and codes are read through, in this order:

1. a mapping file (YAML) that the data steward writes for one survey tool or HR system
   (:func:`load_mapping`),
2. the canonical names and codes themselves,
3. a small, documented table of German and English aliases (:data:`HEADER_ALIASES`,
   :data:`VALUE_ALIASES`).

Headers and values are compared after :func:`header_key` / :func:`value_key`: case, surrounding
and repeated spaces, ``_``/``-`` in headers and the spelling of umlauts (``ü``/``ue``) do not matter.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from django.utils.translation import gettext as _

from ikoe.errors import MAX_PROBLEMS, ImportFailed, ProblemList, excerpt
from ikoe.ingest.text import fold as _fold
from ikoe.ingest.text import header_key

Kind = Literal["organisation", "code", "yes_no", "year", "id", "count"]


@dataclass(frozen=True)
class Column:
    """One canonical column: its name, what kind of values it holds and, for codes, the list."""

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


# German and English headers accepted besides the canonical names (compared by header_key).
HEADER_ALIASES: dict[str, str] = {
    header_key(alias): canonical
    for canonical, aliases in {
        ORGANISATION: (
            "Organisation",
            "Organization",
            "Dienststelle",
            "Behörde",
            "Organisationscode",
        ),
        "career_group": ("Laufbahngruppe", "Laufbahn", "Career group"),
        "employment": (
            "Beschäftigungsverhältnis",
            "Statusgruppe",
            "Employment",
            "Employment status",
        ),
        "gender": ("Geschlecht", "Gender"),
        "age_group": ("Altersgruppe", "Age group"),
        "leadership": ("Führungskraft", "Führungsposition", "Leadership", "Manager"),
        "german": ("Deutsche Staatsangehörigkeit", "Deutsch", "German citizen"),
        "german_since_birth": ("Deutsch seit Geburt", "German since birth"),
        "born_abroad": ("Im Ausland geboren", "Born abroad"),
        "immigration_year": ("Zuzugsjahr", "Jahr des Zuzugs", "Immigration year"),
        "mother_born_abroad": ("Mutter im Ausland geboren", "Mother born abroad"),
        "mother_immigration_year": ("Zuzugsjahr Mutter", "Mother immigration year"),
        "mother_german_since_birth": ("Mutter deutsch seit Geburt", "Mother German since birth"),
        "father_born_abroad": ("Vater im Ausland geboren", "Father born abroad"),
        "father_immigration_year": ("Zuzugsjahr Vater", "Father immigration year"),
        "father_german_since_birth": ("Vater deutsch seit Geburt", "Father German since birth"),
        MIGRATION_BACKGROUND: ("Migrationshintergrund", "Migration background"),
        RESPONDENT_ID: ("id", "Respondent id", "Fragebogen-ID", "Befragten-ID", "Laufende Nummer"),
        HEADCOUNT: ("Headcount", "Anzahl", "Personalbestand", "Beschäftigte", "Köpfe"),
    }.items()
    for alias in (canonical, *aliases)
}

# Spellings of codes accepted besides the canonical codes (compared by value_key).
_VALUE_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "career_group": {
        "einfach": ("einfacher Dienst", "ED"),
        "mittel": ("mittlerer Dienst", "MD"),
        "gehoben": ("gehobener Dienst", "GD"),
        "hoeher": ("höherer Dienst", "HD"),
        "ausbildung": ("in Ausbildung", "Auszubildende", "Anwärter"),
    },
    "employment": {
        "beamte": ("Beamtin", "Beamter", "Beamtinnen und Beamte"),
        "tarif": ("Tarifbeschäftigte", "Tarifbeschäftigter", "Angestellte"),
        "ausbildung": ("in Ausbildung", "Auszubildende"),
    },
    "gender": {
        "w": ("weiblich", "female", "f"),
        "m": ("männlich", "male"),
        "d": ("divers", "diverse"),
    },
    "age_group": {
        "unter 30": ("<30", "under 30", "bis 29"),
        "60+": ("60 und älter", "60 and over", "60 or older"),
    },
}
VALUE_ALIASES: dict[str, dict[str, str]] = {
    column: {value_key(alias): code for code, aliases in table.items() for alias in aliases}
    for column, table in _VALUE_ALIASES.items()
}


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


def resolve_header(header: str, mapping: SurveyMapping | None) -> str | None:
    """The canonical name a file header stands for, or ``None`` when it is not recognised."""
    if mapping is not None:
        mapped, target = mapping.column_for(header)
        if mapped:
            return target
    return HEADER_ALIASES.get(header_key(header))


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
    message = _("“%(name)s” is not a canonical column name.") % {"name": excerpt(name)}
    close = difflib.get_close_matches(name, list(choices), n=1)
    if close:
        message += " " + _("Did you mean “%(name)s”?") % {"name": close[0]}
    return message


def _read_columns(node: yaml.Node, problems: ProblemList, columns: dict[str, str | None]) -> None:
    targets: dict[str, str] = {}
    for key, value in _mapping_items(node, problems, "“columns:”"):
        their = str(key.value)
        if not isinstance(value, yaml.ScalarNode):
            problems.add(
                "mapping_shape",
                _("The column “%(name)s” must be mapped to one canonical name.")
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
                    "“%(their)s” and “%(other)s” are both mapped to “%(name)s”; map only one of them."
                )
                % {"their": excerpt(their), "other": excerpt(targets[target]), "name": target},
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
                    "The column “%(name)s” holds numbers or ids; its values cannot be mapped. "
                    "Values can be mapped for: %(columns)s."
                )
                % {
                    "name": name,
                    "columns": ", ".join(
                        c.name
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
    if column.kind == "code":
        key = value_key(raw)
        return key if key in column.codes else "invalid"
    return raw.strip()  # organisation codes are checked against the hierarchy when a file is read


def _target_error(column: Column, raw: str) -> str:
    expected = yes_no_spellings() if column.kind == "yes_no" else ", ".join(column.codes)
    return _(
        "“%(value)s” is not a value of “%(name)s”; map to one of: %(expected)s, "
        "or to “keine Angabe” for no answer."
    ) % {"value": excerpt(raw), "name": column.name, "expected": expected}
