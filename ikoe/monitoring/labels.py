"""Names users read for the codes stored with benchmark figures."""

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
    "migrationshintergrund_engerer_sinn": _("migration background in the narrow sense (Mikrozensus)"),
    "migrationshintergrund_weiterer_sinn": _("migration background in the broad sense (Mikrozensus)"),
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
