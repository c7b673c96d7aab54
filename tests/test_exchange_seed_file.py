"""The shipped seed of the practice exchange (data/practices/practices.csv), checked as a file:
its format, the code lists, dates, sources and the marks of unconfirmed facts."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

from ikoe.exchange import vocab

SEED = Path(__file__).resolve().parents[1] / "data" / "practices" / "practices.csv"

HEADER = [
    "id",
    "title",
    "summary",
    "language",
    "region_code",
    "municipality",
    "level",
    "lead_body",
    "lead_type",
    "partners",
    "partners_migrant_org",
    "contact_role",
    "contact",
    "dimensions",
    "sectors",
    "target_groups",
    "occupational_groups",
    "measure_types",
    "keywords",
    "starting_point",
    "goals",
    "activities",
    "legal_basis",
    "started",
    "ended",
    "period",
    "status",
    "cost_band",
    "funding_source",
    "staff",
    "outcomes",
    "indicators",
    "evaluation",
    "evaluation_link",
    "challenges",
    "success_conditions",
    "prerequisites",
    "adaptations",
    "reuses",
    "related",
    "licence",
    "certainty",
    "sources",
]

LAENDER = {
    "DE-BW", "DE-BY", "DE-BE", "DE-BB", "DE-HB", "DE-HH", "DE-HE", "DE-MV",
    "DE-NI", "DE-NW", "DE-RP", "DE-SL", "DE-SN", "DE-ST", "DE-SH", "DE-TH",
}  # fmt: skip

# The rows whose research notes mark a fact as unconfirmed ("NICHT VERIFIZIERT", "NICHT EXAKT
# VERIFIZIERT", "genaues Datum nicht geprüft") plus P29, whose notes leave a discrepancy between
# two figures unexplained ("NICHT GEKLÄRT"). Exactly these rows carry the mark in their texts.
MARKED = {
    "P06", "P08", "P10", "P14", "P21", "P24", "P25", "P29",
    "P30", "P31", "P35", "P36", "P37", "P39",
}  # fmt: skip
MARK = "[nicht verifiziert]"

CODE_LISTS = {
    "dimensions": vocab.DIMENSIONS,
    "sectors": vocab.SECTORS,
    "target_groups": vocab.TARGET_GROUPS,
    "occupational_groups": vocab.OCCUPATIONS,
    "measure_types": vocab.MEASURE_TYPES,
}
REQUIRED_LISTS = ("dimensions", "sectors", "target_groups", "measure_types")
SINGLE_CODES = {
    "language": vocab.LANGUAGES,
    "level": vocab.LEVELS,
    "lead_type": vocab.LEAD_TYPES,
    "status": vocab.STATUSES,
    "evaluation": vocab.EVALUATIONS,
    "cost_band": vocab.COST_BANDS,
}
URL = re.compile(r"https?://[^\s,;()]+")


def _raw() -> str:
    return SEED.read_bytes().decode("utf-8")


def _rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_raw())))


def _split(value: str) -> list[str]:
    return [part for part in value.split("; ") if part]


def _parse_date(value: str) -> date:
    if re.fullmatch(r"\d{4}", value):
        return date(int(value), 1, 1)
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return date.fromisoformat(value + "-01")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), value
    return date.fromisoformat(value)


def test_format_is_utf8_without_bom_every_field_quoted():
    raw = _raw()
    assert not raw.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(raw)))
    assert rows[0] == HEADER
    rewritten = io.StringIO()
    csv.writer(rewritten, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    assert rewritten.getvalue() == raw
    assert all(len(row) == len(HEADER) for row in rows)


def test_forty_rows_with_ids_p01_to_p40():
    ids = [row["id"] for row in _rows()]
    assert ids == [f"P{i:02d}" for i in range(1, 41)]


def test_codes_come_from_the_code_lists():
    for row in _rows():
        for column, choices in CODE_LISTS.items():
            values = _split(row[column])
            assert len(values) == len(set(values)), (row["id"], column)
            unknown = set(values) - set(vocab.codes(choices))
            assert not unknown, (row["id"], column, unknown)
        for column in REQUIRED_LISTS:
            assert _split(row[column]), (row["id"], column)
        for column, choices in SINGLE_CODES.items():
            assert row[column] in vocab.codes(choices), (row["id"], column, row[column])
        assert row["partners_migrant_org"] in {"ja", "nein"}, row["id"]
        assert row["certainty"] in {"belegt", "teilweise belegt", "dünn"}, row["id"]
        assert row["licence"] == "CC BY 4.0", row["id"]


def test_regions_levels_and_municipalities():
    rows = _rows()
    regions = {row["region_code"] for row in rows}
    assert regions == LAENDER | {"DE-BUND"}
    for row in rows:
        if row["region_code"] != "DE-BUND":
            assert row["level"] != "bund", row["id"]
        if row["municipality"]:
            assert row["level"] == "kommune", row["id"]
    assert {row["municipality"] for row in rows} == {"", "München"}


def test_dates_parse_and_end_after_start():
    for row in _rows():
        started = _parse_date(row["started"]) if row["started"] else None
        ended = _parse_date(row["ended"]) if row["ended"] else None
        if started and ended:
            assert started <= ended, row["id"]
        if ended:
            assert row["status"] in {"ended", "pilot"}, row["id"]
        assert row["period"], row["id"]


def test_every_source_names_an_address():
    for row in _rows():
        parts = row["sources"].split(" ; ")
        assert parts and all(URL.search(part) for part in parts), row["id"]
        if row["evaluation_link"]:
            assert row["evaluation_link"] in URL.findall(row["sources"]), row["id"]
            assert row["evaluation"] != "none", row["id"]
        if row["contact"]:
            assert URL.fullmatch(row["contact"]), row["id"]
            assert row["contact"] in URL.findall(row["sources"]), row["id"]
        assert "@" not in row["contact"] + row["contact_role"], row["id"]


def test_texts_keywords_and_links_between_rows():
    rows = _rows()
    ids = {row["id"] for row in rows}
    for row in rows:
        for column in ("title", "summary", "lead_body", "contact_role", "goals", "activities"):
            assert row[column].strip(), (row["id"], column)
        assert 3 <= len(_split(row["keywords"])) <= 8, row["id"]
        related = _split(row["related"])
        assert set(related) <= ids - {row["id"]}, row["id"]


def test_unconfirmed_facts_keep_their_mark():
    for row in _rows():
        texts = " ".join(value for key, value in row.items() if key != "sources")
        assert (MARK in texts) == (row["id"] in MARKED), row["id"]
        if row["id"] in MARKED:
            assert row["certainty"] != "belegt", row["id"]
