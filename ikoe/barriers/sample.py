"""The sample selection files of the upload page, and the columns the page explains.

Two files show the two forms :func:`ikoe.ingest.selection.read_selection` reads: counts per
stage and group, and one row per applicant. Both are German CSV (semicolons, UTF-8 with
byte-order mark, so that German Excel opens them with their umlauts) with German headings and
the known German stage names, so their order needs no column. The counts are the invented 2024
procedures of the demo Land (``data/demo/auswahlverfahren-musterland.csv``) without its
organisation column, so that either file can be uploaded as it is for any Land; the file of
applicants is the second of them, one invented applicant per row. Nothing here describes a real
procedure or a real person.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ikoe.ingest.text import UTF8_BOM

COUNTS_FILE_NAME = "beispiel-auswahlverfahren.csv"
APPLICANTS_FILE_NAME = "beispiel-bewerbende.csv"


@dataclass(frozen=True)
class SampleColumn:
    heading: str  # the heading of the sample file (German; other spellings are accepted too)
    english: str  # the heading an English file uses
    explanation: str | Promise  # what the column holds, for the upload page
    required: bool = False
    in_sample: bool = True  # whether the sample file has the column


_PROCEDURE = SampleColumn(
    "Verfahren",
    "procedure",
    _(
        "the name or code of the selection procedure; the rows of a procedure have the same "
        "entries here and in the columns Dienststelle, Jahr and Laufbahngruppe"
    ),
    required=True,
)
_ORGANISATION = SampleColumn(
    "Dienststelle",
    "organisation",
    _(
        "the code (or the name) of the agency as in the organisation hierarchy of the Land; the "
        "procedures are then also shown together per agency. Not in the sample, so that it can "
        "be uploaded for any Land"
    ),
    in_sample=False,
)
_YEAR = SampleColumn(
    "Jahr",
    "year",
    _("the year of the procedure, such as 2024; the procedures are then also shown per year"),
)
_CAREER = SampleColumn(
    "Laufbahngruppe", "career_group", _("for example mittlerer or gehobener Dienst")
)
_GROUP = SampleColumn(
    "Gruppe",
    "group",
    _(
        "mit Migrationshintergrund, ohne Migrationshintergrund or keine Angabe (also: mit, "
        "ohne, k.A.), or a further group named in the field Further groups"
    ),
    required=True,
)

COUNT_COLUMNS: tuple[SampleColumn, ...] = (
    _PROCEDURE,
    _ORGANISATION,
    _YEAR,
    _CAREER,
    SampleColumn(
        "Stufe",
        "stage",
        _(
            "the stage of the procedure, such as Bewerbung, schriftlicher Test, "
            "Auswahlgespräch, Einstellungsangebot"
        ),
        required=True,
    ),
    SampleColumn(
        "Reihenfolge",
        "stage_order",
        _(
            "the number of the stage in its procedure, 1 for the first; only needed when the "
            "stage names do not tell the order. Not in the sample"
        ),
        in_sample=False,
    ),
    _GROUP,
    SampleColumn(
        "Beworben",
        "entered",
        _("how many applicants of the group entered the stage: a whole number"),
        required=True,
    ),
    SampleColumn(
        "Bestanden",
        "passed",
        _("how many of them passed the stage: a whole number, at most as many as entered"),
        required=True,
    ),
)

APPLICANT_COLUMNS: tuple[SampleColumn, ...] = (
    SampleColumn(
        "Bewerber-ID",
        "applicant_id",
        _(
            "a running number of the application, never a name or personnel number; each "
            "appears once per procedure"
        ),
    ),
    _PROCEDURE,
    _ORGANISATION,
    _YEAR,
    _CAREER,
    _GROUP,
    SampleColumn(
        "Letzte Stufe",
        "last_stage",
        _("the last stage the applicant reached, such as schriftlicher Test"),
        required=True,
    ),
    SampleColumn(
        "Reihenfolge",
        "stage_order",
        _(
            "the number of the last stage reached in its procedure, 1 for the first; only "
            "needed when the stage names do not tell the order. Not in the sample"
        ),
        in_sample=False,
    ),
    SampleColumn(
        "Bestanden",
        "passed",
        _("ja or nein: whether the applicant passed the last stage reached"),
        required=True,
    ),
)

STAGES = ("Bewerbung", "schriftlicher Test", "Auswahlgespräch", "Einstellungsangebot")
GROUPS = ("mit Migrationshintergrund", "ohne Migrationshintergrund", "keine Angabe")

# Invented procedures: name, year, career group, and per group how many applied and how many
# passed each stage in turn (whoever passed a stage entered the next one).
PROCEDURES: tuple[tuple[str, str, str, tuple[tuple[int, ...], ...]], ...] = (
    (
        "Ausbildung Verwaltungsfachangestellte 2024",
        "2024",
        "mittlerer Dienst",
        ((450, 410, 250, 130, 110), (760, 700, 510, 280, 240), (55, 48, 30, 15, 12)),
    ),
    (
        "Duales Studium Public Management 2024",
        "2024",
        "gehobener Dienst",
        ((170, 150, 95, 45, 36), (400, 370, 250, 130, 105), (20, 17, 10, 6, 4)),
    ),
)
APPLICANTS_PROCEDURE = PROCEDURES[1]


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    """UTF-8 with byte-order mark, ``;`` between fields, CRLF line ends."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return UTF8_BOM + text.getvalue().encode("utf-8")


def count_rows() -> list[list[str]]:
    """One row per procedure, stage and group."""
    rows = []
    for name, year, career, funnels in PROCEDURES:
        for index, stage in enumerate(STAGES):
            for group, funnel in zip(GROUPS, funnels, strict=True):
                rows.append(
                    [name, year, career, stage, group, str(funnel[index]), str(funnel[index + 1])]
                )
    return rows


def applicant_rows() -> list[list[str]]:
    """One row per invented applicant of :data:`APPLICANTS_PROCEDURE`: those who failed a stage
    with that stage and “nein”, those who passed the last one with it and “ja”; in a shuffled
    order with running numbers."""
    name, year, career, funnels = APPLICANTS_PROCEDURE
    people: list[tuple[str, str, str]] = []
    for group, funnel in zip(GROUPS, funnels, strict=True):
        for index, stage in enumerate(STAGES):
            people += [(group, stage, "nein")] * (funnel[index] - funnel[index + 1])
        people += [(group, STAGES[-1], "ja")] * funnel[-1]
    random.Random(2024).shuffle(people)
    return [
        [f"B-{number:04d}", name, year, career, group, stage, passed]
        for number, (group, stage, passed) in enumerate(people, start=1)
    ]


def sample_counts_csv() -> bytes:
    """The sample file of counts per stage and group."""
    header = [c.heading for c in COUNT_COLUMNS if c.in_sample]
    return _csv(header, count_rows())


def sample_applicants_csv() -> bytes:
    """The sample file of one row per applicant."""
    header = [c.heading for c in APPLICANT_COLUMNS if c.in_sample]
    return _csv(header, applicant_rows())
