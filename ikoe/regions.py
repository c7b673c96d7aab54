"""The 16 Länder and Germany, keyed by ISO 3166-2 code."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

GERMANY = "DE"
FEDERAL = "DE-BUND"

# ISO 3166-2 code -> official German name, in the order Destatis lists the Länder.
LAENDER: dict[str, str] = {
    "DE-BW": "Baden-Württemberg",
    "DE-BY": "Bayern",
    "DE-BE": "Berlin",
    "DE-BB": "Brandenburg",
    "DE-HB": "Bremen",
    "DE-HH": "Hamburg",
    "DE-HE": "Hessen",
    "DE-MV": "Mecklenburg-Vorpommern",
    "DE-NI": "Niedersachsen",
    "DE-NW": "Nordrhein-Westfalen",
    "DE-RP": "Rheinland-Pfalz",
    "DE-SL": "Saarland",
    "DE-SN": "Sachsen",
    "DE-ST": "Sachsen-Anhalt",
    "DE-SH": "Schleswig-Holstein",
    "DE-TH": "Thüringen",
}

REGION_NAMES: dict[str, str] = {GERMANY: "Deutschland", FEDERAL: "Bund", **LAENDER}

# Display names in the active language (the German names are the official ones).
DISPLAY_NAMES = {
    GERMANY: _("Germany"),
    FEDERAL: _("Federal administration"),
    "DE-BW": _("Baden-Württemberg"),
    "DE-BY": _("Bavaria"),
    "DE-BE": _("Berlin"),
    "DE-BB": _("Brandenburg"),
    "DE-HB": _("Bremen"),
    "DE-HH": _("Hamburg"),
    "DE-HE": _("Hesse"),
    "DE-MV": _("Mecklenburg-Western Pomerania"),
    "DE-NI": _("Lower Saxony"),
    "DE-NW": _("North Rhine-Westphalia"),
    "DE-RP": _("Rhineland-Palatinate"),
    "DE-SL": _("Saarland"),
    "DE-SN": _("Saxony"),
    "DE-ST": _("Saxony-Anhalt"),
    "DE-SH": _("Schleswig-Holstein"),
    "DE-TH": _("Thuringia"),
}

_BY_NAME = {name.casefold(): code for code, name in REGION_NAMES.items()}


def code_for_name(name: str) -> str | None:
    """The ISO code for a German region name as GENESIS writes it, or ``None``.

    >>> code_for_name("Baden-Württemberg")
    'DE-BW'
    >>> code_for_name(" deutschland ")
    'DE'
    >>> code_for_name("Atlantis") is None
    True
    """
    return _BY_NAME.get(name.strip().casefold())


def display_name(code: str) -> str:
    return str(DISPLAY_NAMES.get(code, REGION_NAMES.get(code, code)))
