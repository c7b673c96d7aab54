"""Import and export of the registries (ikoe.measures.io, ikoe import-measures/export-measures)."""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from ikoe.commands import export_measures, import_measures
from ikoe.errors import ImportFailed
from ikoe.measures.io import export_csv, export_xlsx, import_registry
from ikoe.measures.models import Change, FundingProgramme, Measure, TrainingOffer, TrainingRecord
from ikoe.reports.xlsx import Sheet, workbook_bytes

HEADER = (
    "organisation;title;description;type;dimension;anchoring;goal;indicator;target_value;owner;"
    "owner_email;start;end;status;progress;budget;funding_source;parent"
)


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the messages in English (the UI language IKOE_LANGUAGE=en); the German
    wording is checked in test_german_messages_name_file_row_and_column."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def write(tmp_path: Path, text: str, name: str = "massnahmen.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = (
    HEADER
    + "\n"
    + "A-AGY;Leitbild;Ein Leitbild;organisation;strategy;strategic;Leitbild beschlossen;Beschluss;1;"
    "Referat Z;z@example.de;2026-01-01;31.12.2026;in_progress;40;1.234,50;Landeshaushalt;\n"
    + "A-AGY;Workshop zum Leitbild;;organisation;strategy;;;;;;;01.02.2026;;planned;0;;;Leitbild\n"
    + "A-AGY2;Mehrsprachige Formulare;;access;services;organisational;;;;;;;;"
    "in progress;10;;;\n"
)


def problems_of(exc: pytest.ExceptionInfo[ImportFailed]) -> list[tuple[int | None, str | None]]:
    return [(p.row, p.column) for p in exc.value.problems]


def test_a_good_csv_creates_measures_with_parents_and_history(tmp_path, land_a, agency_a):
    result = import_registry(write(tmp_path, GOOD), land=land_a, user="operator")

    assert len(result.created) == 3 and not result.changed
    leitbild = Measure.objects.get(title="Leitbild")
    assert leitbild.organisation == agency_a
    assert leitbild.start == dt.date(2026, 1, 1) and leitbild.end == dt.date(2026, 12, 31)
    assert leitbild.budget == Decimal("1234.50")
    assert leitbild.status == "in_progress" and leitbild.progress == 40
    assert leitbild.owner_email == "z@example.de"
    workshop = Measure.objects.get(title="Workshop zum Leitbild")
    assert workshop.parent == leitbild and workshop.budget is None and workshop.end is None
    # "in progress" is the English name of the status
    assert Measure.objects.get(title="Mehrsprachige Formulare").status == "in_progress"
    changes = Change.objects.filter(registry="measure", action="imported")
    assert changes.count() == 3
    first = changes.get(object_id=leitbild.pk)
    assert first.user_name == "operator" and first.land == land_a
    assert first.fields["budget"] == [None, "1234.50"]
    assert first.fields["title"] == [None, "Leitbild"]


def test_a_second_import_updates_by_organisation_and_title(tmp_path, land_a):
    import_registry(write(tmp_path, GOOD), land=land_a, user="operator")
    again = GOOD.replace(";40;", ";60;")
    result = import_registry(write(tmp_path, again), land=land_a, user="operator")

    assert not result.created and len(result.changed) == 1 and len(result.unchanged) == 2
    assert Measure.objects.count() == 3
    leitbild = Measure.objects.get(title="Leitbild")
    assert leitbild.progress == 60
    change = Change.objects.filter(object_id=leitbild.pk).order_by("-pk").first()
    assert change is not None and change.fields == {"progress": [40, 60]}


def test_german_headings_and_only_some_columns(tmp_path, land_a, agency_a):
    text = "Organisation;Titel;Art;Beginn;Fortschritt;Teil von\nA-AGY;Leitbild;organisation;;5;\n"
    import_registry(write(tmp_path, text), land=land_a, user="op")
    measure = Measure.objects.get()
    assert measure.progress == 5 and measure.status == "planned"
    # the names of the choices are accepted too (also in German, once translated)
    text = "Organisation;Titel;Art;Stand\nA-AGY;Leitbild;Personnel Development;completed\n"
    import_registry(write(tmp_path, text), land=land_a, user="op")
    measure.refresh_from_db()
    assert measure.type == "personnel" and measure.status == "completed"
    assert measure.progress == 5  # the column was not in the file


def test_a_good_xlsx_imports(tmp_path, land_a):
    header = ["Organisation", "Titel", "Art", "Beginn", "Ende", "Fortschritt", "Budget"]
    rows = [["A-AGY", "Leitbild", "organisation", "2026-01-01", "31.03.2026", 25, 1500.5]]
    path = tmp_path / "m.xlsx"
    path.write_bytes(workbook_bytes([Sheet("M", header, rows)]))

    import_registry(path, land=land_a, user="op")

    m = Measure.objects.get()
    assert m.progress == 25 and m.budget == Decimal("1500.50")
    assert m.end == dt.date(2026, 3, 31)


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ("A-AGY;X;;wrong;;;;;;;;;;;;;;", (2, "type")),
        ("A-AGY;X;;access;;;;;;;;2026-13-01;;;;;;", (2, "start")),
        ("A-AGY;X;;access;;;;;;;;;2026/01/01;;;;;", (2, "end")),
        ("A-AGY;X;;access;;;;;;;;;;;101;;;", (2, "progress")),
        ("A-AGY;X;;access;;;;;;;;;;;-1;;;", (2, "progress")),
        ("A-AGY;X;;access;;;;;;;;;;;;1,234;;", (2, "budget")),
        ("A-AGY;X;;access;;;;;;;;;;;;-5;;", (2, "budget")),
        ("A-AGY;X;;access;;;;;;;kein-mail;;;;;;;", (2, "owner_email")),
        ("A-AGY;X;;access;;;;;;;;;;done;;;;", (2, "status")),
        ("A-AGY;X;;access;nope;;;;;;;;;;;;;", (2, "dimension")),
        ("A-AGY;;;access;;;;;;;;;;;;;;", (2, "title")),
        (";X;;access;;;;;;;;;;;;;;", (2, "organisation")),
        ("NOPE;X;;access;;;;;;;;;;;;;;", (2, "organisation")),
        ("A-AGY;X;;access;;;;;;;;2026-05-01;2026-04-01;;;;;", (2, "end")),
        ("A-AGY;X;;access;;;;;;;;;;;;;;Unbekannt", (2, "parent")),
        ("A-AGY;X;;access;;;;;;;;;;;;;;X", (2, "parent")),
        ("A-AGY;" + "x" * 301 + ";;access;;;;;;;;;;;;;;", (2, "title")),
    ],
)
def test_bad_cells_name_row_and_column_and_store_nothing(tmp_path, land_a, line, where):
    good = "A-AGY;Gut;;access;;;;;;;;;;;;;;"
    path = write(tmp_path, f"{HEADER}\n{line}\n{good}\n")
    with pytest.raises(ImportFailed) as exc:
        import_registry(path, land=land_a, user="op")

    assert where in problems_of(exc)
    assert all(p.file == str(path) for p in exc.value.problems)
    assert not Measure.objects.exists() and not Change.objects.exists()


def test_bad_files(tmp_path, land_a):
    cases = {
        "": [(None, None)],
        "organisation;title\nA-AGY;X\n": [(1, "type")],
        "organisation;title;type;typ\nA-AGY;X;access;access\n": [(1, "typ")],
        "organisation;title;type;colour\nA-AGY;X;access;red\n": [(1, "colour")],
        "organisation;title;type\n": [(1, None)],
    }
    for text, expected in cases.items():
        with pytest.raises(ImportFailed) as exc:
            import_registry(write(tmp_path, text), land=land_a, user="op")
        assert problems_of(exc) == expected, text
    assert not Measure.objects.exists()


def test_twice_in_the_file_and_parent_cycles_are_refused(tmp_path, land_a):
    text = "organisation;title;type;parent\nA-AGY;X;access;\nA-AGY;X;access;\n"
    with pytest.raises(ImportFailed) as exc:
        import_registry(write(tmp_path, text), land=land_a, user="op")
    assert problems_of(exc) == [(3, "title")]
    assert "row 2" in str(exc.value)  # the first time

    text = "organisation;title;type;parent\nA-AGY;X;access;Y\nA-AGY;Y;access;X\n"
    with pytest.raises(ImportFailed) as exc:
        import_registry(write(tmp_path, text), land=land_a, user="op")
    assert problems_of(exc) == [(2, "parent"), (3, "parent")]
    assert not Measure.objects.exists()


def test_a_parent_of_another_organisation_is_refused(tmp_path, land_a):
    text = "organisation;title;type;parent\nA-AGY;X;access;\nA-AGY2;Y;access;X\n"
    with pytest.raises(ImportFailed) as exc:
        import_registry(write(tmp_path, text), land=land_a, user="op")
    assert problems_of(exc) == [(3, "parent")]


def test_a_stored_parent_is_found(tmp_path, land_a, agency_a):
    stored = Measure.objects.create(organisation=agency_a, title="Dach", type="organisation")
    text = "organisation;title;type;parent\nA-AGY;Kind;access;Dach\n"
    import_registry(write(tmp_path, text), land=land_a, user="op")
    assert Measure.objects.get(title="Kind").parent == stored


def test_land_refuses_another_lands_organisation(tmp_path, land_a):
    text = "organisation;title;type\nA-AGY;X;access\nB-AGY;Y;access\n"
    with pytest.raises(ImportFailed) as exc:
        import_registry(write(tmp_path, text), land=land_a, user="op")
    assert problems_of(exc) == [(3, "organisation")]
    assert "is not an organisation of Land A" in str(exc.value)
    assert not Measure.objects.exists()


def test_a_user_may_import_only_organisations_they_edit(tmp_path, land_a, editor_a, viewer_b):
    text = "organisation;title;type\nA-UNIT;X;access\nA-AGY2;Y;access\n"
    with pytest.raises(ImportFailed) as exc:
        import_registry(write(tmp_path, text), land=land_a, user=editor_a)
    assert problems_of(exc) == [(3, "organisation")]
    import_registry(write(tmp_path, "organisation;title;type\nA-UNIT;X;access\n"), user=editor_a)
    change = Change.objects.get()
    assert change.user == editor_a and change.action == "imported"


def test_export_imports_again_unchanged(tmp_path, land_a, land_b, agency_a, agency_b):
    import_registry(write(tmp_path, GOOD), land=land_a, user="op")
    tricky = Measure.objects.create(
        organisation=agency_a,
        title="=HYPERLINK(1)",
        description="- erster Punkt\nzweite Zeile; mit Semikolon",
        type="access",
        budget=Decimal("12345678.90"),
        progress=100,
        status="completed",
    )
    Measure.objects.create(organisation=agency_b, title="Anderes Land", type="access")
    rows = Measure.objects.filter(organisation__land=land_a)
    before = {m.pk: _values(m) for m in rows}
    changes = Change.objects.count()

    for kind, data in (
        ("csv", export_csv("measures", rows)),
        ("xlsx", export_xlsx("measures", rows)),
    ):
        path = tmp_path / f"export.{kind}"
        path.write_bytes(data)
        if kind == "csv":
            assert data.startswith(b"\xef\xbb\xbf") and b"Anderes Land" not in data
            assert "'=HYPERLINK(1)" in data.decode("utf-8-sig")
            assert b"12345678,90" in data
        result = import_registry(path, land=land_a, user="op")
        assert not result.created and not result.changed, kind
        assert len(result.unchanged) == 4
        assert {m.pk: _values(m) for m in rows} == before
        assert Change.objects.count() == changes
    assert Measure.objects.get(pk=tricky.pk).title == "=HYPERLINK(1)"


def _values(m: Measure) -> tuple[object, ...]:
    return tuple(
        getattr(m, f)
        for f in ("title", "description", "type", "dimension", "anchoring", "goal", "start", "end")
    ) + (m.status, m.progress, m.budget, m.owner_email, m.parent_id, m.funding_source)


def test_training_records_and_funding_programmes(tmp_path, land_a, agency_a):
    TrainingOffer.objects.create(
        organisation=agency_a, title="Grundkurs", provider="LAF", format="online", hours=8
    )
    text = (
        "Organisation;Jahr;Berufsgruppe;Beschäftigte;geplant;geschult;Angebot\n"
        "A-AGY;2025;leadership;40;20;12;Grundkurs\n"
        "A-AGY;2025;Leaders;40;;5;\n"
    )
    with pytest.raises(ImportFailed) as exc:
        import_registry(write(tmp_path, text), "trainings", land=land_a, user="op")
    assert problems_of(exc) == [(3, "group")]  # "Leaders" is leadership: twice

    text = (
        "organisation;year;group;staff;planned;trained;offer\n"
        "A-AGY;2025;leadership;40;20;12;Grundkurs\n"
        "A-AGY;2025;hr;10;;11;\n"
        "A-AGY;2025;police;10;;1;Unbekannt\n"
    )
    with pytest.raises(ImportFailed) as exc:
        import_registry(write(tmp_path, text), "trainings", land=land_a, user="op")
    assert sorted(problems_of(exc)) == [(3, "trained"), (4, "offer")]

    good = "organisation;year;group;staff;planned;trained;offer\nA-AGY;2025;leadership;40;20;12;Grundkurs\n"
    import_registry(write(tmp_path, good), "trainings", land=land_a, user="op")
    record = TrainingRecord.objects.get()
    assert record.offer is not None and record.offer.title == "Grundkurs" and record.trained == 12
    data = export_csv("trainings", TrainingRecord.objects.all())
    assert import_registry(write(tmp_path, data.decode("utf-8-sig")), "trainings").unchanged

    text = (
        "Organisation;Titel;Webseite;Jahresbudget\n"
        "A-AGY;Integrationsfonds;https://example.de/fonds;250.000,00\n"
    )
    import_registry(write(tmp_path, text), "funding", land=land_a, user="op")
    programme = FundingProgramme.objects.get()
    assert programme.annual_budget == Decimal("250000.00")
    assert Change.objects.filter(registry="fundingprogramme", action="imported").count() == 1
    bad = "organisation;title;url\nA-AGY;Fonds 2;ftp://example.de\n"
    with pytest.raises(ImportFailed) as exc:
        import_registry(write(tmp_path, bad), "funding", land=land_a, user="op")
    assert problems_of(exc) == [(2, "url")]


def test_the_commands(tmp_path, land_a, capsys):
    path = write(tmp_path, GOOD)
    code = import_measures.run(
        argparse.Namespace(file=str(path), registry="measures", land="DE-HH", json=True)
    )
    assert code == 1 and '"ok": false' in capsys.readouterr().out
    assert not Measure.objects.exists()

    code = import_measures.run(
        argparse.Namespace(file=str(path), registry="measures", land="DE-BE", json=False)
    )
    assert code == 0 and "3 created" in capsys.readouterr().out
    assert "(ikoe import-measures)" in Change.objects.first().user_name  # type: ignore[union-attr]

    out = tmp_path / "out.xlsx"
    code = export_measures.run(
        argparse.Namespace(land="DE-BE", format="xlsx", registry="measures", out=str(out))
    )
    assert code == 0 and out.read_bytes()[:2] == b"PK"
    assert "3" in capsys.readouterr().out
    code = import_measures.run(
        argparse.Namespace(file=str(out), registry="measures", land="DE-BE", json=True)
    )
    assert code == 0 and '"unchanged": 3' in capsys.readouterr().out


def test_german_messages_name_file_row_and_column(cast, tmp_path):
    path = tmp_path / "massnahmen.csv"
    path.write_text("organisation;title;type\nA-AGY;Schulung;falsch\n", encoding="utf-8")
    with translation.override("de"), pytest.raises(ImportFailed) as failed:
        import_registry(path, "measures")
    text = str(failed.value)
    assert "massnahmen.csv, Zeile 2, Spalte „type“" in text
    assert "Es wurde nichts gespeichert." in text
    assert not Measure.objects.exists()


def test_head_counts_from_the_personnel_totals_come_first(tmp_path, land_a, agency_a):
    """The personnel totals give the head count per group; participation is counted later and
    keeps the head count; coverage and the gap follow."""
    from ikoe.measures.training import GAP_NOT_COUNTED, coverage_rows

    totals = (
        "Organisation;Jahr;Berufsgruppe;Beschäftigte\n"
        "A-AGY;2025;leadership;40\n"
        "A-AGY;2025;front_office;120\n"
    )
    import_registry(write(tmp_path, totals), "trainings", land=land_a, user="op")
    records = {r.group: r for r in TrainingRecord.objects.all()}
    assert {g: (r.staff, r.trained) for g, r in records.items()} == {
        "leadership": (40, None),
        "front_office": (120, None),
    }
    rows = coverage_rows(TrainingRecord.objects.all(), [])
    assert [(r.group, r.coverage, r.gap) for r in rows] == [
        ("leadership", None, GAP_NOT_COUNTED),
        ("front_office", None, GAP_NOT_COUNTED),
    ]
    counted = "Organisation;Jahr;Berufsgruppe;geschult\nA-AGY;2025;front_office;30\n"
    import_registry(write(tmp_path, counted), "trainings", land=land_a, user="op")
    front = TrainingRecord.objects.get(group="front_office")
    assert (front.staff, front.trained) == (120, 30)
    rows = {r.group: r for r in coverage_rows(TrainingRecord.objects.all(), [])}
    assert rows["front_office"].coverage == 0.25 and rows["front_office"].gap == ""
    # a new group needs its head count: the trained count alone does not make a record
    alone = "Organisation;Jahr;Berufsgruppe;geschult\nA-AGY;2025;police;3\n"
    with pytest.raises(ImportFailed) as exc:
        import_registry(write(tmp_path, alone), "trainings", land=land_a, user="op")
    assert problems_of(exc)[0][0] == 2
    # the export of such records imports again unchanged
    data = export_csv("trainings", TrainingRecord.objects.all())
    assert import_registry(write(tmp_path, data.decode("utf-8-sig")), "trainings").unchanged
