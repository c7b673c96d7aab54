"""Names users read for codes: of benchmark figures, survey columns and their values, definitions,
flags and symbols. One place for them: pages, forms, the command line and the messages of the
file readers (``ikoe.ingest``) take them from here, so no code name reaches a user."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MEASURE_LABELS = {
    "population_share": _("Population with a migration background (share of the population)"),
    "public_service_employed_share": _(
        "Employed persons in the public service with a migration background (IntMK indicator I1)"
    ),
    "civil_servants_share": _("Civil servants (Beamte) with a migration background"),
    "administration_staff_survey_share": _(
        "Staff of the administration with a migration background (staff survey)"
    ),
}

DEFINITION_LABELS = {
    "migrationshintergrund": _("migration background (Mikrozensus)"),
    "migrationshintergrund_engerer_sinn": _(
        "migration background in the narrow sense (Mikrozensus)"
    ),
    "migrationshintergrund_weiterer_sinn": _(
        "migration background in the broad sense (Mikrozensus)"
    ),
    "einwanderungsgeschichte": _("immigration history (Einwanderungsgeschichte, Destatis)"),
    "mighev": _("migration background, short form (MighEV §6)"),
}

# Measures that describe the public service and are compared with the population share.
PUBLIC_SERVICE_MEASURES = frozenset(
    {"public_service_employed_share", "civil_servants_share", "administration_staff_survey_share"}
)
POPULATION_MEASURE = "population_share"


def measure_label(code: str, fallback: str = "") -> str:
    return str(MEASURE_LABELS.get(code, fallback or code))


def definition_label(code: str) -> str:
    return str(DEFINITION_LABELS.get(code, code))


SURVEY_DEFINITION_LABELS = {
    "mighev_short": _("migration background, short form (MighEV §6)"),
    "mikrozensus_wide": _("migration background in the broad sense (Mikrozensus)"),
    "einwanderungsgeschichte": _("immigration history (Einwanderungsgeschichte, Destatis)"),
    "precomputed": _("migration background as delivered in the file"),
}

COMPARABLE_DEFINITIONS = {
    "mighev_short": frozenset({"mighev"}),
    "mikrozensus_wide": frozenset({"migrationshintergrund_weiterer_sinn"}),
    "einwanderungsgeschichte": frozenset({"einwanderungsgeschichte"}),
}
"""For each definition of a survey, the definitions of public figures that draw the same line."""


def definition_warning(survey_definition: str, benchmark_definition: str) -> str:
    """A sentence when a survey's definition and its benchmark's draw different lines, else "".

    >>> definition_warning("einwanderungsgeschichte", "einwanderungsgeschichte")
    ''
    """
    if benchmark_definition in COMPARABLE_DEFINITIONS.get(survey_definition, frozenset()):
        return ""
    return _(
        "The survey counts “%(survey)s”, the benchmark “%(benchmark)s”: the two draw the line "
        "differently, so the gap is only roughly comparable."
    ) % {
        "survey": SURVEY_DEFINITION_LABELS.get(survey_definition, survey_definition),
        "benchmark": definition_label(benchmark_definition),
    }


# The columns of a survey file and of personnel totals (docs/surveys.md), by their code. Each
# German and English label is also accepted as a heading (ikoe.ingest.mapping.HEADER_ALIASES).
COLUMN_LABELS = {
    "organisation": _("Organisation code"),
    "respondent_id": _("Respondent id"),
    "career_group": _("Career group"),
    "employment": _("Employment"),
    "gender": _("Gender"),
    "age_group": _("Age group"),
    "leadership": _("Leadership position"),
    "german": _("German citizen"),
    "german_since_birth": _("German since birth"),
    "born_abroad": _("Born abroad"),
    "immigration_year": _("Year of immigration"),
    "mother_born_abroad": _("Mother born abroad"),
    "mother_immigration_year": _("Mother's year of immigration"),
    "mother_german_since_birth": _("Mother German since birth"),
    "father_born_abroad": _("Father born abroad"),
    "father_immigration_year": _("Father's year of immigration"),
    "father_german_since_birth": _("Father German since birth"),
    "migration_background": _("Migration background, already derived"),
    "headcount": _("Head count"),
}

# The answers of a yes/no column, and "no answer" of any column, as a choice in the upload.
YES_NO_LABELS = {True: _("yes"), False: _("no")}
NO_ANSWER_LABEL = _("no answer")

DIMENSION_LABELS = {
    "land": _("Land"),
    "ministry": _("Ministry"),
    "agency": _("Agency"),
    "unit": _("Unit"),
    "career_group": _("Career group"),
    "employment": _("Employment"),
    "gender": _("Gender"),
    "age_group": _("Age group"),
    "leadership": _("Leadership position"),
}

CODE_LABELS = {
    "career_group": {
        "einfach": _("lower service (einfacher Dienst)"),
        "mittel": _("middle service (mittlerer Dienst)"),
        "gehoben": _("upper service (gehobener Dienst)"),
        "hoeher": _("higher service (höherer Dienst)"),
        "ausbildung": _("trainees"),
    },
    "employment": {
        "beamte": _("civil servants (Beamte)"),
        "tarif": _("employees (Tarifbeschäftigte)"),
        "ausbildung": _("in training"),
    },
    "gender": {"w": _("women"), "m": _("men"), "d": _("diverse")},
    "age_group": {
        "unter 30": _("under 30"),
        "30-39": _("30 to 39"),
        "40-49": _("40 to 49"),
        "50-59": _("50 to 59"),
        "60+": _("60 and older"),
    },
    "leadership": {
        "true": _("with leadership position"),
        "false": _("without leadership position"),
    },
}

# The order in which codes are shown (the career-group ladder from bottom to top).
CODE_ORDER = {
    "career_group": ["einfach", "mittel", "gehoben", "hoeher", "ausbildung"],
    "employment": ["beamte", "tarif", "ausbildung"],
    "gender": ["w", "m", "d"],
    "age_group": ["unter 30", "30-39", "40-49", "50-59", "60+"],
    "leadership": ["true", "false"],
}

FLAG_LABELS = {
    "80_percent": _("four-fifths rule: share below 80 percent of the benchmark"),
    "whole_person": _("at least one whole person short of the benchmark"),
    "z_score": _("statistically below the benchmark (z ≤ −2)"),
    "binomial": _("statistically below the benchmark (exact binomial test)"),
}

FLAG_SHORT = {
    "80_percent": _("four-fifths rule"),
    "whole_person": _("whole person"),
    "z_score": _("z test"),
    "binomial": _("binomial test"),
}

SYMBOL_LABELS = {
    "-": _("nothing"),
    ".": _("secret (suppressed to protect respondents)"),
    "/": _("not reliable enough (too few answers)"),
    "x": _("not meaningful"),
    "...": _("not yet available"),
}


def code_label(dimension: str, code: str | None) -> str:
    if code is None or code == "_U":
        return str(_("no answer"))
    return str(
        CODE_LABELS.get(dimension, {}).get(
            str(code).lower() if dimension == "leadership" else code, code
        )
    )
