"""The sample survey file that the upload page offers: German headings, a few invented rows.

It shows a data steward what a survey file looks like before they export their own: German CSV
conventions (semicolons, UTF-8 with byte-order mark, so that German Excel opens it with its
umlauts), headings that the mapping step recognises by themselves, and answers in the spellings
the import understands. Every row is invented; the organisation codes are those of the demo Land
“Musterland (synthetisch)” (``ikoe.ingest.demo``), so the file imports into the demo Land and
nowhere else.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ikoe.ingest.demo import LAND_CODE
from ikoe.ingest.mapping import column_title
from ikoe.ingest.text import UTF8_BOM

SAMPLE_FILE_NAME = "beispiel-befragung.csv"


@dataclass(frozen=True)
class SampleColumn:
    name: str  # the column of the survey format (docs/surveys.md)
    heading: str  # the heading of the sample file: German, recognised by the mapping step
    explanation: str | Promise  # what the column holds, for the upload page
    required: bool = False

    @property
    def title(self) -> str:
        """The name of the column of the survey format in the active language."""
        return column_title(self.name)


SAMPLE_COLUMNS: tuple[SampleColumn, ...] = (
    SampleColumn(
        "respondent_id",
        "Lfd. Nr.",
        _("a running number of the questionnaire, never a name or personnel number"),
    ),
    SampleColumn(
        "organisation",
        "Dienststelle",
        _(
            "the code of the ministry, agency or unit as in the organisation hierarchy of your "
            "Land; needed in every row"
        ),
        required=True,
    ),
    SampleColumn(
        "career_group",
        "Laufbahngruppe",
        _("einfacher, mittlerer, gehobener or höherer Dienst, or in Ausbildung"),
    ),
    SampleColumn(
        "employment",
        "Beschäftigungsverhältnis",
        _("Beamte, Tarifbeschäftigte or in Ausbildung"),
    ),
    SampleColumn("gender", "Geschlecht", _("weiblich, männlich or divers")),
    SampleColumn("age_group", "Altersgruppe", _("unter 30, 30-39, 40-49, 50-59 or 60+")),
    SampleColumn("leadership", "Führungsposition", _("ja or nein: leads staff")),
    SampleColumn(
        "german",
        "Deutsche Staatsangehörigkeit",
        _("ja or nein: has German citizenship"),
    ),
    SampleColumn(
        "german_since_birth", "Deutsch seit Geburt", _("ja or nein: has been German since birth")
    ),
    SampleColumn(
        "born_abroad",
        "Im Ausland geboren",
        _("ja or nein: born outside today's Germany"),
    ),
    SampleColumn("immigration_year", "Zuzugsjahr", _("the year of moving to Germany")),
    SampleColumn(
        "mother_born_abroad",
        "Mutter im Ausland geboren",
        _("ja or nein: the mother was born abroad"),
    ),
    SampleColumn(
        "mother_immigration_year", "Zuzugsjahr Mutter", _("the mother's year of moving to Germany")
    ),
    SampleColumn(
        "mother_german_since_birth",
        "Mutter deutsch seit Geburt",
        _("ja or nein: the mother has been German since birth"),
    ),
    SampleColumn(
        "father_born_abroad",
        "Vater im Ausland geboren",
        _("ja or nein: the father was born abroad"),
    ),
    SampleColumn(
        "father_immigration_year", "Zuzugsjahr Vater", _("the father's year of moving to Germany")
    ),
    SampleColumn(
        "father_german_since_birth",
        "Vater deutsch seit Geburt",
        _("ja or nein: the father has been German since birth"),
    ),
)

# The answers on citizenship and origin of invented respondents (german … father_german_since_
# birth, in the order of SAMPLE_COLUMNS); all but the first and the last give a migration
# background under every definition.
_ORIGINS = {
    "native": ("ja", "ja", "nein", "", "nein", "", "ja", "nein", "", "ja"),
    "mother": ("ja", "ja", "nein", "", "ja", "1989", "nein", "nein", "", "ja"),
    "father": ("ja", "ja", "nein", "", "nein", "", "ja", "ja", "1970", "nein"),
    "naturalised": ("ja", "nein", "ja", "1996", "ja", "1996", "nein", "ja", "1994", "nein"),
    "foreign": ("nein", "nein", "ja", "2015", "ja", "2015", "nein", "ja", "2015", "nein"),
    "no answer": ("k.A.",) * 3 + ("",) + ("k.A.", "", "k.A.") + ("k.A.", "", "k.A."),
}
_POLICE = f"{LAND_CODE}-02-01"  # Landespolizeipräsidium (Musterland, synthetisch)
_TAX = f"{LAND_CODE}-03-01"  # Finanzamt Nordstadt (Musterland, synthetisch)
_COURT = f"{LAND_CODE}-04-03"  # Amtsgericht Musterstadt (Musterland, synthetisch)
# Invented respondents: organisation, career group, employment, gender, age group, leadership
# and their origin. 24 of them, so that the disclosure control finds a pattern of secret cells
# and publishes a few figures (for a handful of respondents it finds none, and the import is
# refused).
_PEOPLE = (
    (_POLICE, "gehobener Dienst", "Beamte", "weiblich", "30-39", "nein", "native"),
    (_POLICE, "mittlerer Dienst", "Beamte", "männlich", "unter 30", "nein", "mother"),
    (_POLICE, "höherer Dienst", "Beamte", "männlich", "50-59", "ja", "native"),
    (_POLICE, "gehobener Dienst", "Beamte", "männlich", "40-49", "nein", "native"),
    (_POLICE, "mittlerer Dienst", "Tarifbeschäftigte", "weiblich", "40-49", "nein", "foreign"),
    (_POLICE, "mittlerer Dienst", "Beamte", "weiblich", "30-39", "nein", "native"),
    (_POLICE, "gehobener Dienst", "Beamte", "männlich", "60+", "ja", "native"),
    (_POLICE, "in Ausbildung", "in Ausbildung", "weiblich", "unter 30", "nein", "native"),
    (_TAX, "gehobener Dienst", "Tarifbeschäftigte", "weiblich", "40-49", "nein", "naturalised"),
    (_TAX, "mittlerer Dienst", "Tarifbeschäftigte", "divers", "30-39", "nein", "foreign"),
    (_TAX, "einfacher Dienst", "Tarifbeschäftigte", "männlich", "60+", "nein", "native"),
    (_TAX, "gehobener Dienst", "Beamte", "weiblich", "50-59", "ja", "native"),
    (_TAX, "mittlerer Dienst", "Tarifbeschäftigte", "weiblich", "50-59", "nein", "native"),
    (_TAX, "höherer Dienst", "Beamte", "männlich", "40-49", "nein", "native"),
    (_TAX, "gehobener Dienst", "Beamte", "weiblich", "unter 30", "nein", "father"),
    (_TAX, "mittlerer Dienst", "Tarifbeschäftigte", "männlich", "30-39", "nein", "native"),
    (_COURT, "in Ausbildung", "in Ausbildung", "weiblich", "unter 30", "nein", "mother"),
    (_COURT, "höherer Dienst", "Beamte", "weiblich", "40-49", "ja", "native"),
    (_COURT, "gehobener Dienst", "Beamte", "k.A.", "k.A.", "nein", "no answer"),
    (_COURT, "mittlerer Dienst", "Tarifbeschäftigte", "männlich", "50-59", "nein", "native"),
    (_COURT, "gehobener Dienst", "Beamte", "männlich", "30-39", "nein", "native"),
    (_COURT, "mittlerer Dienst", "Tarifbeschäftigte", "weiblich", "60+", "nein", "native"),
    (_COURT, "höherer Dienst", "Beamte", "männlich", "50-59", "ja", "native"),
    (_COURT, "einfacher Dienst", "Tarifbeschäftigte", "weiblich", "40-49", "nein", "native"),
)
SAMPLE_ROWS: tuple[tuple[str, ...], ...] = tuple(
    (str(number), *person[:-1], *_ORIGINS[person[-1]])
    for number, person in enumerate(_PEOPLE, start=1)
)


def sample_survey_csv() -> bytes:
    """The sample file: UTF-8 with byte-order mark, ``;`` between fields, CRLF line ends."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.heading for column in SAMPLE_COLUMNS])
    writer.writerows(SAMPLE_ROWS)
    return UTF8_BOM + text.getvalue().encode("utf-8")
