"""Further groups besides "mit Migrationshintergrund", "ohne Migrationshintergrund" and "keine
Angabe" (issue 12), end to end: imported through the function, the command line and the upload
page; protected like the standard groups (the independent attacker of tests/funnel_attacker.py
against what the public API serves); shown on the pages; and refused, with row, column and the
groups expected, when they are not named.

The file (tests/data/selection/auswahl_weitere_gruppen.csv, Land A of tests/conftest.py) has a
further group “Spätaussiedler” in both procedures of 2024 – in A-AGY only 2 of 16 of them passed
the written test and 1 of those 2 the interview – and a further group “EU-Ausland” in a
procedure of 2025 whose interview nobody without a migration background reached.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from ikoe import cli
from ikoe.barriers.models import FunnelCell, SelectionData
from ikoe.barriers.pipeline import import_selection, restricted_dir
from ikoe.barriers.release import Channel, set_release
from ikoe.disclosure_rules import current_rules
from ikoe.errors import ImportFailed
from ikoe.stats.barrier_tables import FunnelCounts, protect_funnels
from tests.funnel_attacker import (
    ENTERED,
    PASSED,
    Count,
    FunnelAttacker,
    is_shown,
    sensitive_counts,
    shown_from_api,
    true_counts,
)
from tests.test_barrier_disclosure_api import (
    check_analyses,
    fetch_everything,
    rate_equations,
    read_truth,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "selection"
FILE = DATA / "auswahl_weitere_gruppen.csv"
WITH, WITHOUT, NOT_DECLARED = (
    "mit Migrationshintergrund",
    "ohne Migrationshintergrund",
    "keine Angabe",
)
LATE, EU = "Spätaussiedler", "EU-Ausland"
FURTHER = [LATE, EU]
ALWAYS = (WITH, WITHOUT)  # the groups every funnel lists, also without applicants
UPLOAD = "/auswahlverfahren/hochladen/"


def import_file(land: Any, name: str = "be-gruppen-2024", **kwargs: Any) -> SelectionData:
    return import_selection(FILE, name=name, land=land, groups=FURTHER, **kwargs)


def procedure_cells(data: SelectionData, organisation: str, year: int = 2024) -> dict:
    cells = FunnelCell.objects.filter(
        data=data, pooling="procedure", organisation__code=organisation, year=year
    )
    return {(c.stage, c.group): c for c in cells}


def stored_nothing() -> bool:
    folder = restricted_dir()
    return (
        not SelectionData.objects.exists()
        and not FunnelCell.objects.exists()
        and not (folder.exists() and any(p.is_file() for p in folder.rglob("*")))
    )


def text(response) -> str:  # type: ignore[no-untyped-def]
    """The visible text of a page, tags removed and whitespace collapsed."""
    page = re.sub(r"(?s)<(script|style|title)\b.*?</\1>", " ", response.content.decode())
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


# --- the function ----------------------------------------------------------------------------


def test_the_function_imports_further_groups_and_keeps_their_small_counts_secret(cast, land_a):
    data = import_file(land_a)

    assert data.diagnostics["further_groups"] == [LATE, EU]
    assert data.procedures == 3
    agy = procedure_cells(data, "A-AGY")
    # Published where the counts are large enough and nothing gives a small one away …
    assert (agy[("Bewerbung", LATE)].entered, agy[("Bewerbung", WITH)].entered) == (20, 60)
    # … and the 2 Spätaussiedler who passed the test (entered the interview), the 1 who passed
    # the interview, are kept secret: empty, with the symbol “.”, for the frequency rule.
    test, interview = agy[("schriftlicher Test", LATE)], agy[("Auswahlgespräch", LATE)]
    for cell, count in ((test, "passed"), (interview, "entered"), (interview, "passed")):
        assert getattr(cell, count) is None
        assert getattr(cell, f"{count}_symbol") == "."
        assert getattr(cell, f"{count}_status") == "primary"
    assert "frequency" in interview.reason
    # The further group is a group of every funnel where it has applicants: of each procedure
    # and of the pooled funnels, and only there (A-AGY2 has no “keine Angabe”, 2025 no
    # Spätaussiedler).
    groups = {
        (c.pooling, c.organisation.code if c.organisation else "", c.year): set()
        for c in FunnelCell.objects.filter(data=data)
    }
    for c in FunnelCell.objects.filter(data=data):
        groups[(c.pooling, c.organisation.code if c.organisation else "", c.year)].add(c.group)
    assert groups[("procedure", "A-AGY", 2024)] == {WITH, WITHOUT, NOT_DECLARED, LATE}
    assert groups[("procedure", "A-AGY2", 2024)] == {WITH, WITHOUT, LATE}
    assert groups[("procedure", "A-AGY", 2025)] == {WITH, WITHOUT, EU}
    assert groups[("year", "", 2024)] == {WITH, WITHOUT, NOT_DECLARED, LATE}
    assert LATE in groups[("organisation", "A-AGY2", None)]
    # Every count stored is the file's (or withheld).
    truth = {(p.organisation, p.year): p for p in read_truth(FILE)}
    for c in FunnelCell.objects.filter(data=data, pooling="procedure"):
        entered, passed = truth[(c.organisation.code, c.year)].count(c.stage, c.group)
        assert c.entered in (None, entered) and c.passed in (None, passed)


def test_a_stage_that_only_applicants_of_further_groups_and_with_a_migration_background_reached_is_group_disclosure(
    cast, land_a
):
    # In “Laufbahn 2025” nobody without a migration background passed the application: at the
    # interview everybody whose group is known is “mit Migrationshintergrund” (6) or
    # “EU-Ausland” (5). Knowing that someone reached the interview tells that they are one or the
    # other, so those counts are secret although none is below 3.
    data = import_file(land_a)
    cells = procedure_cells(data, "A-AGY", 2025)
    for group in (WITH, EU):
        cell = cells[("Auswahlgespräch", group)]
        assert cell.entered is None and cell.entered_status == "primary"
        assert "group-disclosure" in cell.reason
    # Were only “mit Migrationshintergrund” sensitive, the engine would publish them: the rule
    # reaches the interview through the further group.
    (late,) = [p for p in read_truth(FILE) if p.year == 2025]
    counts = FunnelCounts(
        late.procedure,
        late.stages,
        {k: v[0] for k, v in late.counts.items()},
        {k: v[1] for k, v in late.counts.items()},
        organisation=late.organisation,
        year=late.year,
    )
    standard_only = protect_funnels([counts], current_rules().engine, pool_by=())
    figure = standard_only.procedure(counts.key).figure("Auswahlgespräch", EU)
    assert figure.entered.value == 5


def test_without_the_further_groups_the_file_is_refused_naming_row_column_and_groups(cast, land_a):
    with translation.override("de"), pytest.raises(ImportFailed) as failed:
        import_selection(FILE, name="be-gruppen-2024", land=land_a)
    report = failed.value.report()
    expected = (
        "„mit Migrationshintergrund“, „ohne Migrationshintergrund“, „keine Angabe“. Weitere "
        "Gruppen sind erlaubt, wenn sie genannt werden: beim Hochladen im Feld „Weitere "
        "Gruppen“, auf der Kommandozeile mit --group."
    )
    assert (
        f"{FILE}, Zeile 5, Spalte „Gruppe“: Unbekannte Gruppe „Spätaussiedler“. Erwartet: {expected}"
        in report
    )
    assert f"{FILE}, Zeile 25, Spalte „Gruppe“: Unbekannte Gruppe „EU-Ausland“." in report
    assert report.endswith("Es wurde nichts gespeichert.")
    # One group named is not enough: the other is still refused, and the message lists the
    # named one among the groups expected.
    with translation.override("de"), pytest.raises(ImportFailed) as failed:
        import_selection(FILE, name="be-gruppen-2024", land=land_a, groups=[LATE])
    [problem] = {(p.row, p.column, p.message) for p in failed.value.problems if p.row == 25}
    assert problem[1] == "Gruppe" and "„keine Angabe“, „Spätaussiedler“." in problem[2]
    assert not any("„Spätaussiedler“. Erwartet" in p.message for p in failed.value.problems)
    assert stored_nothing()


def test_a_further_group_that_cannot_be_a_group_is_refused(cast, land_a):
    with translation.override("de"), pytest.raises(ImportFailed) as failed:
        import_selection(
            FILE, name="be-gruppen-2024", land=land_a, groups=[*FURTHER, "_T", "x" * 101]
        )
    found = [(p.row, p.column, p.message) for p in failed.value.problems]
    assert found == [
        (None, "--group", "„_T“ steht für alle Bewerbenden und kann keine Gruppe bezeichnen."),
        (
            None,
            "--group",
            f"Die Gruppe „{'x' * 60}…“ ist zu lang: Eine Gruppe darf höchstens 100 Zeichen haben.",
        ),
    ]
    assert stored_nothing()


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def german(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "de"
    yield
    translation.deactivate()


def test_the_command_line_takes_further_groups_with_group(cast, land_a, german, capsys):
    base = ["import-selection", str(FILE), "--name", "be-gruppen-2024", "--land", "DE-BE"]

    assert cli.main(base) == 1
    err = capsys.readouterr().err
    assert "Zeile 5, Spalte „Gruppe“: Unbekannte Gruppe „Spätaussiedler“" in err
    assert stored_nothing()

    assert cli.main([*base, "--group", LATE, "--group", EU, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["name"] == "be-gruppen-2024" and out["procedures"] == 3
    assert out["further_groups"] == [LATE, EU]
    data = SelectionData.objects.get(name="be-gruppen-2024")
    assert set(FunnelCell.objects.filter(data=data).values_list("group", flat=True)) == {
        WITH,
        WITHOUT,
        NOT_DECLARED,
        LATE,
        EU,
    }


# --- the upload page -------------------------------------------------------------------------


def post(client: Client, **fields: object):  # type: ignore[no-untyped-def]
    with FILE.open("rb") as file:
        return client.post(
            UPLOAD, {"file": file, "name": "be-gruppen-2024", "title": "Gruppen", **fields}
        )


def test_the_upload_page_has_a_field_for_further_groups(client_data_steward_a):
    html = client_data_steward_a.get(UPLOAD).content.decode()
    assert '<label for="id_groups">Weitere Gruppen, eine je Zeile' in html
    assert 'name="groups"' in html and 'aria-describedby="id_groups_helptext"' in html
    assert "etwa Spätaussiedler oder EU-Ausland" in html
    assert 'accept=".csv,.txt,.xlsx,.parquet"' in html


def test_the_upload_page_imports_further_groups_one_per_line(client_data_steward_a):
    response = post(client_data_steward_a, groups=f"{LATE}\r\n\r\n {EU} \r\n")

    assert response.status_code == 302, text(response)
    data = SelectionData.objects.get(name="be-gruppen-2024")
    assert data.diagnostics["further_groups"] == [LATE, EU]
    assert FunnelCell.objects.filter(data=data, group=EU).exists()


def test_the_upload_page_refuses_a_file_with_groups_not_named(client_data_steward_a):
    response = post(client_data_steward_a, groups=LATE)

    assert response.status_code == 200
    page = text(response).replace(" : ", ": ")  # “where: what”, the where a link
    assert (
        "auswahl_weitere_gruppen.csv, Zeile 25, Spalte „Gruppe“: Unbekannte Gruppe „EU-Ausland“. "
        "Erwartet: „mit Migrationshintergrund“, „ohne Migrationshintergrund“, „keine Angabe“, "
        "„Spätaussiedler“." in page
    )
    assert stored_nothing()
    # A group that cannot be one is named at the field of the further groups.
    response = post(client_data_steward_a, groups=f"{LATE}\n{EU}\n_T")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_groups"' in html and "„_T“ steht für alle Bewerbenden" in text(response)
    assert re.search(r'<textarea[^>]*aria-invalid="true"[^>]*name="groups"', html) or re.search(
        r'<textarea[^>]*name="groups"[^>]*aria-invalid="true"', html
    )
    assert stored_nothing()
    # More than 20 further groups are refused by the form, before the file is read.
    response = post(client_data_steward_a, groups="\n".join(f"Gruppe {i}" for i in range(21)))
    assert response.status_code == 200 and 'href="#id_groups"' in response.content.decode()
    assert "Es können höchstens 20 weitere Gruppen angegeben werden." in text(response)
    assert stored_nothing()


# --- the pages -------------------------------------------------------------------------------


def test_a_funnel_page_shows_the_further_group_with_its_secret_counts(
    cast, land_a, client_coordinator_a
):
    data = import_file(land_a)
    agy = FunnelCell.objects.filter(
        data=data, pooling="procedure", organisation__code="A-AGY", year=2024
    ).first()
    html = client_coordinator_a.get(f"/auswahlverfahren/{data.name}/trichter/{agy.funnel}/")
    assert html.status_code == 200
    page = html.content.decode()
    # Each stage lists the groups compared, then the further group, then “keine Angabe”.
    stage = page[page.index('class="rowgroup">Auswahlgespräch') :]
    order = [stage.index(f'<th scope="row">{g}</th>') for g in (WITH, WITHOUT, LATE, NOT_DECLARED)]
    assert order == sorted(order)
    row = re.search(rf'<th scope="row">{LATE}</th>(.*?)</tr>', stage, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>([^<]*)", row.group(1))
    assert cells[:2] == [".", "."]  # entered 2 and passed 1: secret
    # A funnel where the further group's counts are published has a finding of it in words.
    agy2 = FunnelCell.objects.filter(
        data=data, pooling="procedure", organisation__code="A-AGY2"
    ).first()
    response = client_coordinator_a.get(f"/auswahlverfahren/{data.name}/trichter/{agy2.funnel}/")
    assert "Bewerbende der Gruppe „Spätaussiedler“" in text(response)
    # The funnel chart draws the further group beside the two compared groups.
    svg = response.content.decode()
    svg = svg[svg.index("<svg") : svg.index("</svg>")]
    assert f"{LATE}:" in svg and "mit Migrationshintergrund:" in svg


# --- the attacker ----------------------------------------------------------------------------


def test_the_further_groups_served_to_the_public_hold_against_the_attacker(
    cast, land_a, client_anonymous
):
    data = import_file(land_a)
    set_release(data, True, channel=Channel.COMMAND, username="test")
    rules = current_rules()
    truth = read_truth(FILE)

    served = fetch_everything(client_anonymous, data.name)
    assert any(LATE in f["groups"] for f in served.funnels)
    pages = shown_from_api(served.funnels, {p.key: p.continues() for p in truth})
    by_number = {f["number"]: page for f, page in zip(served.funnels, pages, strict=True)}
    counts = true_counts(pages, truth)
    for page in pages:  # every count served is the true one
        for (stage, group), (entered, passed) in page.figures.items():
            base = (page.stages, page.procedure, page.pool, page.stages.index(stage), group)
            assert entered in (None, counts[Count(*base, ENTERED)])
            assert passed in (None, counts[Count(*base, PASSED)])
    assert check_analyses(by_number, served) > 20
    attacker = FunnelAttacker(pages, ALWAYS, rate_equations(by_number, served))
    # Secret: counts of 1 or 2, and where everybody whose group is known is with a migration
    # background or in a further group.
    secret = sensitive_counts(counts, rules.engine.min_count, sensitive=(WITH, *FURTHER))
    further = [c for c in secret if c.group in FURTHER]
    assert any(c.group == LATE and c.kind == PASSED and c.procedure for c in further)
    assert any(c.group == EU and c.kind == ENTERED for c in further)
    served_secret = [c for c in secret if is_shown(pages, c)]
    assert not served_secret, served_secret
    narrow = {}
    for c in sorted(secret, key=repr):
        interval = attacker.interval(c)
        assert interval.lower <= counts[c] <= interval.upper, (c, interval, counts[c])
        if interval.width < rules.width:
            narrow[c] = (interval, counts[c])
    assert not narrow, narrow
