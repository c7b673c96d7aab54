"""The anchoring register: the shipped file, its loader, the pages, the comparison, who may add
and change provisions, the CSV import and export and the API."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from ikoe.errors import ImportFailed
from ikoe.measures import anchoring
from ikoe.measures.models import Change, Provision
from ikoe.startup import load_shipped_data

pytestmark = pytest.mark.django_db

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "anchoring" / "anchoring.csv"


def _file_rows() -> list[dict[str, str]]:
    with SHIPPED.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=anchoring.COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


ROW = {
    "region_code": "DE-BE",
    "instrument_type": "decree",
    "official_name": "Verwaltungsvorschrift zur Vielfalt in Auswahlverfahren",
    "short_name": "VV Vielfalt",
    "in_force_since": "2024-03 (Tag unverifiziert)",
    "provision": "Auswahlkommissionen",
    "paragraph": "Nr. 3",
    "requirement_summary_de": "Auswahlkommissionen sind divers zu besetzen [unverifiziert].",
    "source": "https://example.org/vv ; https://example.org/vv2",
}


# --- the file and the loader ---------------------------------------------------------------------


def test_the_loader_loads_every_row_of_the_shipped_file_once(cast):
    rows = _file_rows()
    assert len(rows) == 131  # data/anchoring/SOURCES.md counts them
    assert anchoring.load_shipped_provisions() == 131
    assert Provision.objects.filter(shipped=True).count() == 131
    assert anchoring.load_shipped_provisions() is None  # twice: nothing changes, no duplicates
    assert Provision.objects.count() == 131
    assert Provision.objects.filter(region_code="DE-BE").count() == 31
    assert Provision.objects.filter(region_code="DE-BUND").count() == 17
    # Länder map to their organisation, the federal level to none
    assert set(Provision.objects.filter(region_code="DE-BE").values_list("land__code", flat=True)) == {"DE-BE"}  # fmt: skip
    assert not Provision.objects.filter(region_code="DE-BUND", land__isnull=False).exists()
    assert Change.objects.filter(registry="provision", action="imported").count() == 131


def test_the_date_in_force_is_read_from_the_start_of_the_text(cast):
    anchoring.load_shipped_provisions()
    assert anchoring.parse_since("2021-07-16") == date(2021, 7, 16)
    assert anchoring.parse_since("2006") == date(2006, 1, 1)
    assert anchoring.parse_since("(Datum unverifiziert)") is None
    partmig = Provision.objects.filter(in_force_since="2021-07-16").first()
    assert partmig is not None and partmig.since == date(2021, 7, 16)
    assert Provision.objects.filter(in_force_since__startswith="nicht in Kraft", since=None).count() == 2  # fmt: skip


def test_a_changed_file_replaces_the_shipped_rows_and_keeps_those_of_users(cast, tmp_path):
    anchoring.load_shipped_provisions()
    own = Provision.objects.create(
        region_code="DE-BE",
        land=cast.orgs["DE-BE"],
        instrument="decree",
        official_name="x",
        short_name="Own",
        provision="p",
        requirement="r",
        source="s",
    )
    rows = _file_rows()
    kept = Provision.objects.get(
        shipped=True,
        region_code=rows[1]["region_code"],
        short_name=rows[1]["short_name"],
        provision=rows[1]["provision"],
        paragraph=rows[1]["paragraph"],
    )
    rows[1]["requirement_summary_de"] += " Geändert."
    changed = tmp_path / "anchoring.csv"
    changed.write_bytes(_csv(rows[1:]))  # the first row is gone, the second changed
    assert anchoring.load_shipped_provisions(changed) == 130
    assert Provision.objects.filter(shipped=True).count() == 130
    kept.refresh_from_db()  # same row, same address, new text
    assert kept.requirement.endswith("Geändert.")
    assert Provision.objects.filter(pk=own.pk).exists()
    assert Change.objects.filter(registry="provision", action="changed", object_id=kept.pk).exists()
    assert Change.objects.filter(registry="provision", action="deleted").count() == 1


def test_the_start_log_names_the_register(cast):
    # German (“Verankerungsregister geladen: 131 Regelungen aus anchoring.csv.”) once the
    # catalogue has the msgid (T_m-anchoring.py)
    with translation.override("en"):
        log = list(load_shipped_data())
    assert "Loaded the anchoring register: 131 provisions from anchoring.csv." in log
    with translation.override("en"):
        again = list(load_shipped_data())
    assert not any("Verankerungsregister" in line for line in again)


# --- the pages -----------------------------------------------------------------------------------


def test_the_register_is_public_and_shows_the_certainty_markers(cast, client_anonymous):
    anchoring.load_shipped_provisions()
    text = _text(client_anonymous.get(reverse("measures:anchoring"), **EN))
    assert '<mark class="certainty">[unverifiziert]</mark>' in text
    assert '<mark class="certainty">[nur Überschrift verifiziert]</mark>' in text
    # a source with two addresses gives two links
    assert 'href="http://www.juramagazin.de/99529.html"' in text
    assert "131 of 131 provisions shown" in text
    # every marked summary of the file appears whole
    for row in _file_rows():
        if "[unverifiziert]" in row["requirement_summary_de"]:
            plain = re.sub(r"<[^>]+>", "", text)
            assert row["requirement_summary_de"].replace("'", "&#x27;").replace('"', "&quot;") in plain  # fmt: skip


def test_the_filters_narrow_the_register(cast, client_anonymous):
    anchoring.load_shipped_provisions()
    url = reverse("measures:anchoring")
    be = _text(client_anonymous.get(url, {"land": "DE-BE"}, **EN))
    assert "31 of 131 provisions shown" in be and "PartMigG" in be and "PartIntG BW" not in be
    bund = _text(client_anonymous.get(url, {"land": "DE-BUND", "instrument": "decree"}, **EN))
    assert "7 of 131 provisions shown" in bund
    found = _text(client_anonymous.get(url, {"q": "Förderpl"}, **EN))
    count = sum("förderpl" in r["requirement_summary_de"].casefold() for r in _file_rows())
    assert count >= 1 and f"{count} of 131 provisions shown" in found
    wrong = client_anonymous.get(url, {"land": "DE-XX"})
    assert wrong.status_code == 200 and "error-summary" in wrong.content.decode()
    land = _text(client_anonymous.get(reverse("measures:anchoring-land", args=["DE-HH"]), **EN))
    assert "3 of 3 provisions shown" in land
    assert client_anonymous.get(reverse("measures:anchoring-land", args=["DE-XX"])).status_code == 404  # fmt: skip


def test_the_comparison_counts_per_land_by_hand(cast, client_anonymous):
    anchoring.load_shipped_provisions()
    rows = {r.code: r for r in anchoring.comparison(Provision.objects.all())}
    # by hand from the file: Berlin 31 laws; the federal level 4 laws, 7 decrees, 4 strategies,
    # 2 action plans; its earliest date 2010-10-13; Berlin's 2010-12-29
    assert rows["DE-BE"].total == 31 and rows["DE-BE"].by_instrument == [31, 0, 0, 0, 0]
    assert rows["DE-BUND"].total == 17 and rows["DE-BUND"].by_instrument == [4, 7, 0, 4, 2]
    assert rows["DE-BE"].earliest == "2010-12-29" and rows["DE-BUND"].earliest == "2010-10-13"
    assert rows["DE-BE"].has_law and not rows["DE-HH"].has_law
    assert sum(r.total for r in rows.values()) == 131
    targets = anchoring.FLAGS[0]
    assert rows["DE-BE"].flags[0].state == "yes"  # PartMigG: Zielvorgaben and Förderpläne
    assert rows["DE-BY"].flags[0].state == "no"
    assert targets.key == "targets"
    page = _text(client_anonymous.get(reverse("measures:anchoring-comparison"), **EN))
    assert "Zielvorgabe, Zielquote, Zielwert, Förderplan" in page  # the rule is on the page
    assert "<svg" in page and 'class="symbol-legend"' in page
    assert re.search(r">Berlin</a></th> <td class=\"num\">31</td>", page)


def test_a_land_coordinator_adds_for_the_own_land_only(cast, client_coordinator_a):
    anchoring.load_shipped_provisions()
    add_hh = reverse("measures:anchoring-add", args=["DE-HH"])
    assert client_coordinator_a.get(add_hh).status_code == 403
    assert client_coordinator_a.post(add_hh, {}).status_code == 403
    assert client_coordinator_a.get(reverse("measures:anchoring-add", args=["DE-BUND"])).status_code == 403  # fmt: skip
    data = {
        "instrument": "decree",
        "official_name": ROW["official_name"],
        "short_name": "VV Vielfalt",
        "in_force_since": "2024-03",
        "provision": "Auswahlkommissionen",
        "paragraph": "Nr. 3",
        "requirement": ROW["requirement_summary_de"],
        "source": ROW["source"],
        "organisation": "",
    }
    response = client_coordinator_a.post(reverse("measures:anchoring-add", args=["DE-BE"]), data)
    assert response.status_code == 302
    row = Provision.objects.get(short_name="VV Vielfalt")
    assert row.land == cast.orgs["DE-BE"] and not row.shipped and row.since == date(2024, 3, 1)
    created = Change.objects.get(registry="provision", object_id=row.pk)
    assert created.action == "created" and created.user == cast.users["coordinator_a"]
    edit = reverse("measures:anchoring-edit", args=[row.pk])
    data["paragraph"] = "Nr. 4"
    assert client_coordinator_a.post(edit, data).status_code == 302
    change = Change.objects.filter(registry="provision", object_id=row.pk, action="changed").get()
    assert change.fields == {"paragraph": ["Nr. 3", "Nr. 4"]}
    assert "Nr. 3 → Nr. 4" in _text(client_coordinator_a.get(edit, **EN))
    shipped = Provision.objects.filter(shipped=True, region_code="DE-BE").first()
    assert client_coordinator_a.get(reverse("measures:anchoring-edit", args=[shipped.pk])).status_code == 403  # fmt: skip
    hh = Provision.objects.create(region_code="DE-HH", land=cast.orgs["DE-HH"], instrument="law",
                                  official_name="x", short_name="x", provision="p",
                                  requirement="r", source="s")  # fmt: skip
    assert client_coordinator_a.get(reverse("measures:anchoring-edit", args=[hh.pk])).status_code == 403  # fmt: skip


def test_who_else_may_change_the_register(
    cast, client_anonymous, client_viewer_b, client_editor_a, client_federal
):
    add_be = reverse("measures:anchoring-add", args=["DE-BE"])
    assert client_anonymous.get(add_be).status_code == 302  # to the login page
    assert client_viewer_b.get(add_be).status_code == 403
    assert client_editor_a.get(add_be).status_code == 403  # an editor is no coordinator
    assert client_federal.get(reverse("measures:anchoring-add", args=["DE-BUND"])).status_code == 200  # fmt: skip
    assert client_federal.get(add_be).status_code == 200


def test_the_import_is_all_or_nothing_and_checks_the_region(cast, client_coordinator_a):
    url = reverse("measures:anchoring-import")
    bad = _csv([ROW, {**ROW, "region_code": "DE-HH"}, {**ROW, "instrument_type": "Gesetz"}])
    response = client_coordinator_a.post(url, {"file": SimpleUploadedFile("neu.csv", bad)}, **EN)
    text = _text(response)
    assert "You may not add provisions of Hamburg (DE-HH)." in text
    assert "neu.csv, row 3, column “region_code”" in text
    assert "“Gesetz” is no instrument" in text and "row 4" in text
    assert not Provision.objects.exists()
    good = _csv([ROW, {**ROW, "paragraph": "Nr. 5"}])
    response = client_coordinator_a.post(url, {"file": SimpleUploadedFile("neu.csv", good)})
    assert response.status_code == 302
    assert Provision.objects.filter(shipped=False, region_code="DE-BE").count() == 2
    assert Change.objects.filter(action="imported").count() == 2
    # the same file again adds nothing
    client_coordinator_a.post(url, {"file": SimpleUploadedFile("neu.csv", good)})
    assert Provision.objects.count() == 2
    with pytest.raises(ImportFailed):
        anchoring.read_rows(b"region_code;x\n", "leer.csv", user=cast.users["coordinator_a"])


def test_the_export_has_the_columns_of_the_shipped_file(cast, client_anonymous):
    anchoring.load_shipped_provisions()
    response = client_anonymous.get(reverse("measures:anchoring-export"), {"land": "DE-BUND"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 17 and list(rows[0]) == list(anchoring.COLUMNS)
    shipped = {tuple(r.values()) for r in _file_rows() if r["region_code"] == "DE-BUND"}
    assert {tuple(r.values()) for r in rows} == shipped


# --- the API -------------------------------------------------------------------------------------


def test_the_api_lists_and_filters_the_register(cast, client_anonymous):
    anchoring.load_shipped_provisions()
    everything = client_anonymous.get("/api/v1/anchoring").json()
    assert len(everything) == 131
    be = client_anonymous.get("/api/v1/anchoring", {"land": "DE-BE"}).json()
    assert len(be) == 31 and {p["region_code"] for p in be} == {"DE-BE"}
    decrees = client_anonymous.get("/api/v1/anchoring", {"land": "DE-BUND", "instrument": "decree"}).json()  # fmt: skip
    assert len(decrees) == 7
    marked = [p for p in everything if "[unverifiziert]" in p["requirement"]]
    assert marked and all(p["uncertain"] for p in marked)
    searched = client_anonymous.get("/api/v1/anchoring", {"q": "PartMigG"}).json()
    assert searched and all("PartMigG" in (p["short_name"] + p["official_name"] + p["requirement"] + p["provision"]) for p in searched)  # fmt: skip
    one = client_anonymous.get(f"/api/v1/anchoring/{be[0]['id']}").json()
    assert one == be[0]
    multi = [p for p in everything if len(p["sources"]) > 1]
    assert multi and all(s.startswith("http") for p in multi for s in p["sources"])
    assert client_anonymous.get("/api/v1/anchoring/999999").status_code == 404
    wrong = client_anonymous.get("/api/v1/anchoring", {"instrument": "Gesetz"})
    assert wrong.status_code == 422 and "instrument=Gesetz" in wrong.json()["message"]


def test_an_xlsx_export_imports_again_and_a_bad_cell_names_its_row(cast, client_anonymous):
    from ikoe.reports.xlsx import Sheet, workbook_bytes

    anchoring.load_shipped_provisions()
    response = client_anonymous.get(reverse("measures:anchoring-export-xlsx"), {"land": "DE-BE"})
    assert response.status_code == 200 and response.content[:2] == b"PK"
    rows = anchoring.read_rows(response.content, "verankerung.xlsx", shipped=True)
    shipped = [r for r in _file_rows() if r["region_code"] == "DE-BE"]
    assert len(rows) == len(shipped) == 31
    assert {tuple(r.values()) for r in rows} == {tuple(r.values()) for r in shipped}
    bad = workbook_bytes(
        [Sheet("Verankerung", anchoring.COLUMNS, [[ROW[c] for c in anchoring.COLUMNS]] * 1
               + [[{**ROW, "instrument_type": "Gesetz"}[c] for c in anchoring.COLUMNS]])]
    )  # fmt: skip
    with translation.override("de"), pytest.raises(ImportFailed) as failed:
        anchoring.read_rows(bad, "neu.xlsx", user=cast.users["coordinator_a"])
    assert "neu.xlsx, Zeile 3, Spalte „instrument_type“" in str(failed.value)
