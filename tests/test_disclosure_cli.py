"""``ikoe protect`` and ``ikoe audit``: round trip, a tampered pattern, bad input.

Messages are asserted in English (``LANGUAGE_CODE = "en"``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from django.utils import translation

from ikoe import cli

DATA = Path(__file__).parent / "data" / "disclosure"
STAFF = DATA / "staff.csv"
ORG = DATA / "organisation.csv"
TABLE_ARGS = ["--dims", "agency,sex", "--count", "n", "--hierarchy", f"agency={ORG}"]


@pytest.fixture
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"
    yield
    translation.deactivate()


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh, delimiter=";" if ";" in fh.readline() else ","))


def rows_of(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8-sig")
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    return list(csv.DictReader(text.splitlines(), delimiter=delimiter))


def protect(tmp_path: Path, *extra: str) -> Path:
    out = tmp_path / "protected.csv"
    assert cli.main(["protect", str(STAFF), *TABLE_ARGS, "--out", str(out), *extra]) == 0
    return out


def test_protect_writes_every_cell_with_totals_and_status(english, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = protect(tmp_path)
    printed = capsys.readouterr().out
    assert "2 primary" in printed and "Written to" in printed
    rows = rows_of(out)
    assert list(rows[0]) == ["agency", "sex", "n", "status"]
    assert len(rows) == 8 * 3  # _T, L1, A1, A2, A3, L2, A4, A5 by _T, f, m
    by_key = {(r["agency"], r["sex"]): r for r in rows}
    assert by_key[("_T", "_T")] == {"agency": "_T", "sex": "_T", "n": "65", "status": "published"}
    assert by_key[("A1", "f")]["status"] == "primary" and by_key[("A1", "f")]["n"] == ""
    assert by_key[("A4", "m")]["status"] == "primary"
    for r in rows:
        assert r["status"] in {"published", "primary", "secondary"}
        assert (r["n"] == "") == (r["status"] != "published")
    assert sum(r["status"] == "secondary" for r in rows) >= 3


def test_protect_then_audit_round_trip(english, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = protect(tmp_path, "--reasons")
    capsys.readouterr()
    assert "reason" in rows_of(out)[0]
    assert cli.main(["audit", str(out), *TABLE_ARGS, "--original", str(STAFF)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == [
        "agency",
        "sex",
        "value",
        "lower",
        "upper",
        "width",
        "status",
        "check",
    ]
    a1 = next(line.split("\t") for line in lines if line.startswith("A1\tf\t"))
    assert a1[2] == "1" and float(a1[5]) >= 3 and a1[6:] == ["primary", "ok"]
    assert lines[-1].endswith("every sensitive cell keeps an interval at least 3 wide.")


def test_audit_json(english, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = protect(tmp_path)
    capsys.readouterr()
    assert cli.main(["audit", str(out), *TABLE_ARGS, "--original", str(STAFF), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is True and result["under_protected"] == 0
    cell = next(c for c in result["cells"] if c["cell"] == {"agency": "A1", "sex": "f"})
    assert (
        cell["status"] == "primary" and cell["width"] >= 3 and cell["lower"] <= 1 <= cell["upper"]
    )


def test_audit_exits_1_on_a_tampered_pattern(english, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = protect(tmp_path)
    rows = rows_of(out)
    original = {(r["agency"], r["sex"]): r for r in rows_of(STAFF) for _ in [0]}
    # publish every secondary cell again: the primary cells can be recomputed
    for r in rows:
        if r["status"] == "secondary":
            key = (r["agency"], r["sex"])
            r["n"] = original[key]["n"] if key in original else ""
            if not r["n"]:  # a subtotal: recompute it from the bottom cells
                r["n"] = str(_subtotal(key))
            r["status"] = "published"
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    capsys.readouterr()
    assert cli.main(["audit", str(out), *TABLE_ARGS, "--original", str(STAFF)]) == 1
    captured = capsys.readouterr()
    assert "UNDER-PROTECTED" in captured.out
    assert "sensitive cells are under-protected" in captured.err


def test_audit_exits_1_when_a_sensitive_cell_is_published(english, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = protect(tmp_path)
    text = out.read_text(encoding="utf-8").replace("A1,f,,primary", "A1,f,1,primary")
    out.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["audit", str(out), *TABLE_ARGS, "--original", str(STAFF)]) == 1
    assert "Sensitive cell published: A1 | f = 1" in capsys.readouterr().err


def _subtotal(key: tuple[str, str]) -> int:
    agency, sex = key
    lands = {"L1": {"A1", "A2", "A3"}, "L2": {"A4", "A5"}}
    total = 0
    for r in rows_of(STAFF):
        in_org = agency == "_T" or r["agency"] == agency or r["agency"] in lands.get(agency, set())
        if in_org and (sex == "_T" or r["sex"] == sex):
            total += int(r["n"])
    return total


# --- bad input -----------------------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def fails(args: list[str], capsys) -> str:  # type: ignore[no-untyped-def]
    assert cli.main(args) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


def test_bad_counts_name_file_row_and_column(english, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "in.csv", "agency,sex,n\nA1,f,1\nA1,m,x\nA2,f,-2\nA2,m,\n")
    err = fails(["protect", str(path), *TABLE_ARGS, "--out", str(tmp_path / "o.csv")], capsys)
    assert f"{path}, row 3, column “n”: “x” is not a number." in err
    assert f"{path}, row 4, column “n”: Counts cannot be negative (“-2”)." in err
    assert f"{path}, row 5, column “n”: The count is empty." in err
    assert not (tmp_path / "o.csv").exists()


def test_bad_codes_name_file_row_and_column(english, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "in.csv", "agency,sex,n\nA9,f,1\nL1,m,4\nA1,_T,3\nA2,f,5\nA2,f,6\n")
    err = fails(["protect", str(path), *TABLE_ARGS, "--out", str(tmp_path / "o.csv")], capsys)
    assert (
        f"{path}, row 2, column “agency”: The code “A9” is not in the hierarchy of “agency”." in err
    )
    assert (
        f"{path}, row 3, column “agency”: The code “L1” has sub-codes; give bottom-level cells only."
        in err
    )
    assert f"{path}, row 4, column “sex”: “_T” marks totals; give bottom-level cells only." in err
    assert f"{path}, row 6, column “agency”: This cell was already given in row 5." in err


def test_a_missing_column_is_named(english, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "in.csv", "agency,gender,n\nA1,f,1\n")
    err = fails(["protect", str(path), *TABLE_ARGS, "--out", str(tmp_path / "o.csv")], capsys)
    assert (
        f"{path}, row 1, column “sex”: The column “sex” is missing (columns: agency, gender, n)."
        in err
    )


def test_bad_hierarchy_files_name_file_row_and_column(english, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    cases = {
        "code,parent\nL1,\nA1,L1\nA1,L1\n": "row 4, column “code”: The code “A1” appears more than once.",
        "code,parent\nL1,\nA1,LX\n": "row 3, column “parent”: The parent “LX” is not a code of this file.",
        "code,parent\nL1,A1\nA1,L1\n": "The code “L1” is its own ancestor.",
        "id,parent\nL1,\n": "row 1, column “code”: The column “code” is missing",
    }
    for i, (text, message) in enumerate(cases.items()):
        org = write(tmp_path, f"org{i}.csv", text)
        args = [
            "protect",
            str(STAFF),
            "--dims",
            "agency,sex",
            "--count",
            "n",
            "--hierarchy",
            f"agency={org}",
            "--out",
            str(tmp_path / "o.csv"),
        ]
        err = fails(args, capsys)
        assert f"{org}" in err and message in err, err


def test_a_hierarchy_for_an_unknown_dimension_is_refused(english, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    err = fails(
        [
            "protect",
            str(STAFF),
            "--dims",
            "agency,sex",
            "--count",
            "n",
            "--hierarchy",
            f"unit={ORG}",
            "--out",
            str(tmp_path / "o.csv"),
        ],
        capsys,
    )
    assert "--hierarchy names “unit”, which is not one of the dimensions in --dims." in err


def test_bad_input_as_json(english, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "in.csv", "agency,sex,n\nA1,f,x\n")
    assert (
        cli.main(["protect", str(path), *TABLE_ARGS, "--out", str(tmp_path / "o.csv"), "--json"])
        == 1
    )
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False
    assert result["problems"][0]["row"] == 2 and result["problems"][0]["column"] == "n"


def test_audit_refuses_a_changed_published_count(english, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = protect(tmp_path)
    text = out.read_text(encoding="utf-8").replace("_T,_T,65,published", "_T,_T,66,published")
    out.write_text(text, encoding="utf-8")
    capsys.readouterr()
    err = fails(["audit", str(out), *TABLE_ARGS, "--original", str(STAFF)], capsys)
    assert f"{out}, row 2, column “n”: The published count 66 differs from the original 65." in err


def test_german_semicolon_files_keep_their_conventions(english, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    text = STAFF.read_text(encoding="utf-8").replace(",", ";")
    path = tmp_path / "staff_de.csv"
    path.write_bytes(text.encode("cp1252"))
    org = tmp_path / "org_de.csv"
    org.write_text(ORG.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    out = tmp_path / "out.csv"
    args = ["--dims", "agency,sex", "--count", "n", "--hierarchy", f"agency={org}"]
    assert cli.main(["protect", str(path), *args, "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfagency;sex;n;status")
    capsys.readouterr()
    assert cli.main(["audit", str(out), *args, "--original", str(path)]) == 0


def test_the_protection_width_can_be_too_wide(english, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "in.csv", "r,n\na,1\nb,1\n")
    assert (
        cli.main(
            ["protect", str(path), "--dims", "r", "--count", "n", "--out", str(tmp_path / "o.csv")]
        )
        == 1
    )
    assert "No safe pattern exists" in capsys.readouterr().err
