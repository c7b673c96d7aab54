"""Organisations: import of the hierarchy, its checks, ``ensure_laender`` and the admin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from ikoe import cli
from ikoe.accounts.models import Membership, Role
from ikoe.errors import ImportFailed
from ikoe.organisations.models import Organisation
from ikoe.organisations.services import ImportResult, ensure_laender, import_organisations
from ikoe.regions import LAENDER

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "organisations"
HEADER = "code,name,parent,kind\n"
ENGLISH = {"accept-language": "en"}  # the admin follows the browser's language


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def write(tmp_path: Path, text: str | bytes, name: str = "orgs.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def snapshot() -> dict[str, tuple[str, str, str | None, str | None]]:
    return {
        o.code: (
            o.name,
            o.kind,
            o.parent.code if o.parent else None,
            o.land.code if o.land else None,
        )
        for o in Organisation.objects.select_related("parent", "land")
    }


def failure(path: Path) -> ImportFailed:
    with pytest.raises(ImportFailed) as info:
        import_organisations(path)
    return info.value


# --- importing ---------------------------------------------------------------------------------


def test_import_creates_the_tree_in_any_row_order():
    result = import_organisations(DATA / "tree.csv")

    assert result == ImportResult(created=7, updated=0, unchanged=0)
    unit = Organisation.objects.get(code="BE-LEA-Z1")
    assert [o.code for o in unit.ancestors()] == ["DE-BE", "BE-SENINN", "BE-LEA", "BE-LEA-Z"]
    assert unit.land.code == "DE-BE"
    assert Organisation.objects.get(code="HH-POL").land.code == "DE-HH"
    assert Organisation.objects.get(code="DE-BE").land.code == "DE-BE"
    assert Organisation.objects.get(code="BE-LEA").name == "Landesamt für Einwanderung"


def test_import_creates_the_sixteen_laender_even_when_the_file_names_fewer():
    import_organisations(DATA / "tree.csv")

    laender = Organisation.objects.filter(kind="land")
    assert sorted(laender.values_list("code", flat=True)) == sorted(LAENDER)
    assert all(land.land_id == land.pk for land in laender)


def test_importing_the_same_file_again_changes_nothing():
    import_organisations(DATA / "tree.csv")
    before = snapshot()

    result = import_organisations(DATA / "tree.csv")

    assert result == ImportResult(created=0, updated=0, unchanged=7)
    assert snapshot() == before


def test_a_changed_file_updates_names_and_parents():
    import_organisations(DATA / "tree.csv")

    result = import_organisations(DATA / "tree_changed.csv")

    assert result == ImportResult(created=1, updated=2, unchanged=5)
    assert Organisation.objects.get(code="BE-LEA").name == "Landesamt für Einwanderung (LEA)"
    moved = Organisation.objects.get(code="BE-LEA-Z1")
    assert moved.parent.code == "BE-LEA-P"
    assert moved.land.code == "DE-BE"


def test_rows_left_out_of_a_later_file_stay_as_they_are(tmp_path):
    import_organisations(DATA / "tree.csv")
    before = snapshot()

    result = import_organisations(write(tmp_path, HEADER + "BE-LEA,LEA,BE-SENINN,agency\n"))

    assert result == ImportResult(created=0, updated=1, unchanged=0)
    after = snapshot()
    assert after.pop("BE-LEA")[0] == "LEA"
    before.pop("BE-LEA")
    assert after == before


def test_moving_a_ministry_to_another_land_moves_its_whole_subtree(tmp_path):
    import_organisations(DATA / "tree.csv")

    import_organisations(
        write(tmp_path, "code,name,parent,kind\nBE-SENINN,Senatsverwaltung,DE-HH,ministry\n")
    )

    for code in ["BE-SENINN", "BE-LEA", "BE-LEA-Z", "BE-LEA-Z1"]:
        assert Organisation.objects.get(code=code).land.code == "DE-HH", code


def test_a_land_row_may_rename_the_land(tmp_path):
    ensure_laender()

    result = import_organisations(
        write(tmp_path, "code,name,parent,kind\nDE-BE,Land Berlin,,land\n")
    )

    assert result == ImportResult(created=0, updated=1, unchanged=0)
    assert Organisation.objects.get(code="DE-BE").name == "Land Berlin"


def test_it_reads_a_semicolon_separated_windows_1252_file_from_excel():
    result = import_organisations(DATA / "excel_semicolon_cp1252.csv")

    assert result.created == 4
    ministry = Organisation.objects.get(code="BY-STMI")
    assert ministry.name == "Bayerisches Staatsministerium des Innern, für Sport und Integration"
    assert Organisation.objects.get(code="BY-LfSt-Z").land.code == "DE-BY"


def test_column_names_may_come_in_any_order_and_case(tmp_path):
    path = write(tmp_path, "Kind,Parent,Name,Code\nministry,DE-BE,Ministerium,M1\n")

    assert import_organisations(path).created == 1
    assert Organisation.objects.get(code="M1").parent.code == "DE-BE"


def test_ensure_laender_creates_the_sixteen_laender_once():
    assert ensure_laender() == 16
    assert ensure_laender() == 0

    berlin = Organisation.objects.get(code="DE-BE")
    assert (berlin.name, berlin.kind, berlin.parent, berlin.land) == (
        "Berlin",
        "land",
        None,
        berlin,
    )


def test_ensure_laender_keeps_names_an_import_has_set(tmp_path):
    import_organisations(write(tmp_path, "code,name,parent,kind\nDE-BE,Land Berlin,,land\n"))

    ensure_laender()

    assert Organisation.objects.get(code="DE-BE").name == "Land Berlin"


# --- bad input: every problem names file, row, column and what was expected ---------------------

BAD_INPUT = [
    pytest.param(
        HEADER + "DE-XX,Atlantis,,land\n",
        "unknown_land",
        2,
        "code",
        "“DE-XX” is not the ISO 3166-2 code of a Land; expected one of DE-BW, DE-BY",
        id="unknown Land code",
    ),
    pytest.param(
        HEADER + "M1,Ministry,DE-BE,ministry\nM1,Ministry again,DE-BE,ministry\n",
        "duplicate_code",
        3,
        "code",
        "The code “M1” already appears in row 2; each code may appear once.",
        id="duplicate code",
    ),
    pytest.param(
        HEADER + "M1,Ministry,DE-BE,ministry\nA1,Agency,M1,agency\n"
        "U1,Unit 1,U2,unit\nU2,Unit 2,U1,unit\n",
        "cycle",
        4,
        "parent",
        "The parents form a cycle: U1 → U2 → U1.",
        id="cycle",
    ),
    pytest.param(
        HEADER + "M1,Ministry,NOPE,ministry\n",
        "unknown_parent",
        2,
        "parent",
        "No organisation has the code “NOPE”: it is neither in this file nor stored.",
        id="unknown parent",
    ),
    pytest.param(
        HEADER + "A1,Agency,DE-BE,agency\n",
        "wrong_parent_kind",
        2,
        "parent",
        "An agency must sit directly below a ministry, but its parent is of kind “Land”.",
        id="agency below a Land",
    ),
    pytest.param(
        HEADER + "M1,Ministry,DE-BE,ministry\nU1,Unit,M1,unit\n",
        "wrong_parent_kind",
        3,
        "parent",
        "A unit must sit below an agency or another unit, but its parent is of kind “Ministry”.",
        id="unit below a ministry",
    ),
    pytest.param(
        HEADER + "M1,Ministry,DE-BE,department\n",
        "unknown_kind",
        2,
        "kind",
        "“department” is not a kind; expected one of land, ministry, agency, unit, association, company, institution.",
        id="unknown kind",
    ),
    pytest.param(
        HEADER + "DE-BE,Berlin,DE-HH,land\n",
        "land_with_parent",
        2,
        "parent",
        "A Land has no parent; leave the parent empty.",
        id="Land with a parent",
    ),
    pytest.param(
        HEADER + "M1,Ministry,,ministry\n",
        "empty_parent",
        2,
        "parent",
        "The parent is empty; every ministry, agency and unit needs one.",
        id="ministry without parent",
    ),
    pytest.param(
        HEADER + ",Ministry,DE-BE,ministry\n",
        "empty_code",
        2,
        "code",
        "The code is empty.",
        id="empty code",
    ),
    pytest.param(
        HEADER + "M1,,DE-BE,ministry\n",
        "empty_name",
        2,
        "name",
        "The name is empty.",
        id="empty name",
    ),
    pytest.param(
        HEADER + "DE-BE,Berlin Ministry,DE-HH,ministry\n",
        "kind_changed",
        2,
        "kind",
        "“DE-BE” has the kind “land”, which cannot change to “ministry”; give the new organisation its own code.",
        id="Land code used for a ministry",
    ),
    pytest.param(
        "code,name,kind\nM1,Ministry,ministry\n",
        "missing_column",
        1,
        "parent",
        "The column “parent” is missing; expected the columns code, name, parent, kind.",
        id="missing column",
    ),
    pytest.param(
        HEADER + "M1,Ministry,DE-BE,ministry,surplus\n",
        "extra_fields",
        2,
        None,
        "This row has 5 fields, the header 4.",
        id="more fields than the header",
    ),
    pytest.param(
        "",
        "empty",
        None,
        None,
        "The file is empty.",
        id="empty file",
    ),
    pytest.param(
        HEADER,
        "no_rows",
        1,
        None,
        "The file has a header but no rows.",
        id="header only",
    ),
    pytest.param(
        HEADER.encode() + b"M1,Minist\x81rium,DE-BE,ministry\n",
        "encoding",
        2,
        None,
        "The file is neither UTF-8 nor Windows-1252 text",
        id="wrong encoding",
    ),
]


@pytest.mark.parametrize(("content", "code", "row", "column", "message"), BAD_INPUT)
def test_bad_input_is_refused_with_row_column_and_expectation(
    tmp_path, content, code, row, column, message
):
    path = write(tmp_path, content)

    problem = next(p for p in failure(path).problems if p.code == code)

    assert message in problem.message
    assert (problem.file, problem.row, problem.column) == (str(path), row, column)
    assert str(problem).startswith(str(path))


def test_a_stored_organisation_cannot_change_its_kind(tmp_path):
    import_organisations(DATA / "tree.csv")

    problem = failure(write(tmp_path, HEADER + "BE-LEA,LEA,BE-SENINN,ministry\n")).problems[0]

    assert problem.code == "kind_changed"
    assert problem.message.startswith(
        "“BE-LEA” has the kind “agency”, which cannot change to “ministry”"
    )


def test_a_parent_may_be_stored_already(tmp_path):
    import_organisations(DATA / "tree.csv")

    result = import_organisations(write(tmp_path, HEADER + "BE-LEA-Z2,Referat Z 2,BE-LEA-Z,unit\n"))

    assert result.created == 1


def test_a_cycle_through_stored_organisations_is_refused(tmp_path):
    import_organisations(DATA / "tree.csv")

    problem = failure(write(tmp_path, HEADER + "BE-LEA-Z,Abteilung Z,BE-LEA-Z1,unit\n")).problems[0]

    assert problem.code == "cycle"
    assert problem.message == "The parents form a cycle: BE-LEA-Z → BE-LEA-Z1 → BE-LEA-Z."


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    path = write(
        tmp_path, HEADER + "DE-XX,Atlantis,,land\nM1,,DE-BE,ministry\nA1,Agency,NOPE,agency\n"
    )

    problems = failure(path).problems

    assert [(p.code, p.row) for p in problems] == [
        ("unknown_land", 2),
        ("empty_name", 3),
        ("unknown_parent", 4),
    ]


def test_nothing_is_stored_after_a_failure(tmp_path):
    path = write(
        tmp_path, HEADER + "M1,Ministry,DE-BE,ministry\nA1,Agency,M1,agency\nU1,Unit,NOPE,unit\n"
    )

    with pytest.raises(ImportFailed) as info:
        import_organisations(path)

    assert Organisation.objects.count() == 0
    assert info.value.report().endswith("Nothing was stored.")


def test_nothing_changes_in_a_stored_tree_after_a_failure(tmp_path):
    import_organisations(DATA / "tree.csv")
    before = snapshot()

    with pytest.raises(ImportFailed):
        import_organisations(
            write(tmp_path, HEADER + "BE-LEA,Renamed,BE-SENINN,agency\nX,Broken,NOPE,ministry\n")
        )

    assert snapshot() == before


def test_moving_an_agency_with_members_to_another_land_is_refused(tmp_path, cast):
    problem = failure(write(tmp_path, HEADER + "A-MIN,Ministry A,DE-HH,ministry\n")).problems[0]

    assert problem.code == "moved_with_memberships"
    # the agency editor, agency viewer and agency data steward of A-AGY
    assert problem.message.startswith("“A-MIN” would move from DE-BE to DE-HH, but 3 memberships")
    assert Organisation.objects.get(code="A-AGY").land.code == "DE-BE"
    assert Membership.objects.filter(role=Role.EDITOR, agency__code="A-AGY").exists()


# --- the command -----------------------------------------------------------------------------


def test_the_command_reports_counts_and_exits_0(capsys):
    assert cli.main(["import-organisations", str(DATA / "tree.csv")]) == 0

    # The command line speaks German unless IKOE_LANGUAGE=en.
    assert (
        capsys.readouterr().out.strip()
        == "Organisationen: 7 angelegt, 0 aktualisiert, 0 unverändert."
    )


def test_the_command_exits_1_and_names_the_problem(tmp_path, capsys):
    path = write(tmp_path, HEADER + "A1,Agency,DE-BE,agency\n")

    assert cli.main(["import-organisations", str(path)]) == 1

    err = capsys.readouterr().err
    assert (
        f"{path}, Zeile 2, Spalte „parent“: Eine Behörde muss direkt einem Ministerium untergeordnet sein"
        in err
    )
    assert err.strip().endswith("Es wurde nichts gespeichert.")
    assert Organisation.objects.count() == 0


def test_the_command_writes_json_when_asked(tmp_path, capsys):
    assert cli.main(["import-organisations", "--json", str(DATA / "tree.csv")]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "ok": True,
        "created": 7,
        "updated": 0,
        "unchanged": 0,
    }

    path = write(tmp_path, HEADER + "A1,Agency,DE-BE,agency\n")
    assert cli.main(["import-organisations", "--json", str(path)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False
    assert out["problems"][0] | {"message": ""} == {
        "code": "wrong_parent_kind",
        "message": "",
        "file": str(path),
        "row": 2,
        "column": "parent",
        "text": out["problems"][0]["text"],
    }


def test_the_command_refuses_a_missing_file(tmp_path, capsys):
    assert cli.main(["import-organisations", str(tmp_path / "nope.csv")]) == 1
    assert "Die Datei kann nicht gelesen werden" in capsys.readouterr().err


# --- admin -------------------------------------------------------------------------------------


def test_the_admin_lists_searches_and_filters_organisations(client_staff_admin, land_a):
    url = reverse("admin:organisations_organisation_changelist")

    assert client_staff_admin.get(url, {"q": "Agency A"}).status_code == 200
    response = client_staff_admin.get(url, {"kind__exact": "agency", "land__id__exact": land_a.pk})
    assert response.status_code == 200
    assert "A-AGY2" in response.content.decode()
    assert "B-AGY" not in response.content.decode()


def test_the_admin_offers_parents_by_autocomplete(client_staff_admin, cast):
    response = client_staff_admin.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "organisations",
            "model_name": "organisation",
            "field_name": "parent",
            "term": "Ministry",
        },
    )

    assert response.status_code == 200
    assert {r["text"] for r in response.json()["results"]} >= {
        "Ministry A (A-MIN)",
        "Ministry B (B-MIN)",
    }


def test_the_admin_refuses_an_agency_below_a_land(client_staff_admin, land_a):
    response = client_staff_admin.post(
        reverse("admin:organisations_organisation_add"),
        {"code": "A-NEW", "name": "New agency", "kind": "agency", "parent": land_a.pk},
        headers=ENGLISH,
    )

    assert response.status_code == 200
    assert (
        "An agency must sit directly below a ministry, but its parent is of kind “Land”."
        in response.content.decode()
    )
    assert not Organisation.objects.filter(code="A-NEW").exists()


def test_moving_a_ministry_in_the_admin_moves_its_subtree(client_staff_admin, ministry_b, land_a):
    response = client_staff_admin.post(
        reverse("admin:organisations_organisation_change", args=[ministry_b.pk]),
        {"code": "B-MIN", "name": "Ministry B", "kind": "ministry", "parent": land_a.pk},
    )

    assert response.status_code == 302
    assert Organisation.objects.get(code="B-UNIT").land == land_a


def test_the_admin_refuses_to_move_an_agency_with_members_to_another_land(
    client_staff_admin, ministry_a, land_b
):
    response = client_staff_admin.post(
        reverse("admin:organisations_organisation_change", args=[ministry_a.pk]),
        {"code": "A-MIN", "name": "Ministry A", "kind": "ministry", "parent": land_b.pk},
        headers=ENGLISH,
    )

    assert response.status_code == 200
    # the agency editor, agency viewer and agency data steward of A-AGY
    assert "3 memberships name it or an organisation below it" in response.content.decode()


def test_the_admin_shows_benchmark_datasets_and_figures_read_only(client_staff_admin):
    for name in ["benchmarkdataset", "benchmark"]:
        url = reverse(f"admin:benchmarks_{name}_changelist")
        assert client_staff_admin.get(url).status_code == 200
        assert client_staff_admin.get(reverse(f"admin:benchmarks_{name}_add")).status_code == 403
