"""GENESIS-Online exports in long form (ikoe.ingest.genesis).

The four table CSVs in ``tests/data/genesis`` are real exports (sources and licence in its
README). The expected counts were checked by hand against the files:

* 12411-0002: 49 reference dates (31.12.1970–31.12.2018) × 3 nationality columns = 147 values;
* 12521-0008: 38 country groups × 13 residence titles = 494 rows × 2 sexes = 988 values, 106 “-”;
* 21341-0003: 13 subject groups (with “Insgesamt”) × 3 sexes = 39 rows × 10 years = 390 values,
  42 “-” (Veterinärmedizin and Agrar-, Forst- und Ernährungswissenschaften 2015–2018, their
  merged group 2009–2014);
* 21611-0111: 16 Länder × 4 measures = 64 rows × 19 years (2000–2018) = 1216 values.

``tests/data/genesis/12411-0002_de_flat.csv`` is a small flat file (ffcsv) written for these tests
in the layout Destatis documents for the new ffcsv format; its four values are the real values of
table 12411-0002 for 2017 and 2018, so both formats can be compared.

Five more real exports of other vintages and layouts (sources in the README), counted by hand:

* 11111-0001 (2020): 16 Länder and their total "Insgesamt" × 22 reference dates = 374 values;
* 12411-0010 (2021): 16 Länder × one reference date, 31.12.2020 = 16 values;
* 12521-0002 (2023): 41 country groups × 3 sexes = 123 values, one reference date in a row column;
* 23211-0002 (2021): 41 years (1980–2020) × 3 sexes = 123 values;
* wohngebiete_sachsen (Statistisches Landesamt Sachsen, 2015, "GENESIS-Tabelle: Temporär"):
  447 rows (the Land, 3 NUTS-2 regions, 13 Kreise, 430 Gemeinden) × 10 columns = 4470 values,
  1421 of them "-", and no time dimension but the header line "Berichtsjahr: 2014".
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.utils import translation

from ikoe.errors import ImportFailed
from ikoe.ingest.genesis import FLAT, TABLE, GenesisRow, GenesisTable, parse_value, read_genesis

GENESIS = Path(__file__).resolve().parent / "data" / "genesis"


def read(code: str) -> GenesisTable:
    return read_genesis(GENESIS / f"{code}.csv")


def cell(table: GenesisTable, time: str, **classification: str) -> GenesisRow:
    found = [r for r in table.rows if r.time == time and r.classification == classification]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("code", "rows"),
    [("12411-0002", 147), ("12521-0008", 988), ("21341-0003", 390), ("21611-0111", 1216)],
)
def test_each_real_export_parses_into_one_row_per_value(code: str, rows: int) -> None:
    table = read(code)
    assert table.format == TABLE
    assert table.code == code
    assert len(table.rows) == rows
    assert table.copyright == "© Statistisches Bundesamt (Destatis), 2020"
    assert table.stand.startswith("08.04.2020 / ")


def test_population_table_reads_time_in_rows_and_nationality_in_columns() -> None:
    table = read("12411-0002")
    assert table.title == "Bevölkerung: Deutschland, Stichtag, Nationalität"
    assert table.statistic == "Fortschreibung des Bevölkerungsstandes"
    assert table.region == "Deutschland"
    assert table.variables == ["Nationalität"]
    first = cell(table, "31.12.1970", Nationalität="Deutsche")
    assert first.value == 58263259
    assert first.symbol == ""
    assert first.year == 1970
    assert (first.region_name, first.region_code) == ("Deutschland", "DE")
    assert (first.measure, first.unit) == ("Bevölkerungsstand", "Anzahl")
    assert (first.line, first.column) == (8, "Deutsche (B)")
    assert cell(table, "31.12.2018", Nationalität="Ausländer").value == 10089292
    assert cell(table, "31.12.2018", Nationalität="Insgesamt").value == 83019213
    assert sorted({r.year for r in table.rows}) == list(range(1970, 2019))


def test_population_table_keeps_the_quoted_multi_line_footnote_as_a_note_not_as_data() -> None:
    table = read("12411-0002")
    assert table.notes == [
        "Bis 1989: Früheres Bundesgebiet\n\nAb 2011: Ergebnisse auf Grundlage des Zensus 2011."
    ]
    assert max(r.line for r in table.rows) == 56  # the last data line; the footer starts at 57
    assert all(r.year is not None and r.value is not None for r in table.rows)
    assert table.source == (
        "Statistisches Bundesamt (Destatis), GENESIS-Online, table 12411-0002, Stand 08.04.2020 / 17:09:43"
    )


def test_foreigners_table_keeps_dashes_as_symbols_and_never_as_zero() -> None:
    table = read("12521-0008")
    symbols = Counter(r.symbol for r in table.rows)
    assert symbols == {"": 882, "-": 106}
    assert all(r.value is None for r in table.rows if r.symbol == "-")
    dash = cell(
        table,
        "31.12.2018",
        **{
            "Ländergruppierungen/Staatsangehörigkeit": "EU-28 (seit 01.07.2013)",
            "Aufenthaltstitel/Ausgewählte Aufenthaltstitel": "Befr.Aufenthaltserl.z.Zweck d.Ausbild., AufenthG",
            "Geschlecht": "männlich",
        },
    )
    assert (dash.value, dash.symbol) == (None, "-")
    assert (dash.line, dash.column) == (26, "männlich (D)")


def test_foreigners_table_names_the_unnamed_columns_from_the_title() -> None:
    table = read("12521-0008")
    # Column B holds country groups, column C residence titles, the header row the sexes; the
    # title lists them as "Geschlecht, Aufenthaltstitel/…, Ländergruppierungen/…".
    assert table.variables == [
        "Ländergruppierungen/Staatsangehörigkeit",
        "Aufenthaltstitel/Ausgewählte Aufenthaltstitel",
        "Geschlecht",
    ]
    first = table.rows[0]
    assert first.classification == {
        "Ländergruppierungen/Staatsangehörigkeit": "Europa",
        "Aufenthaltstitel/Ausgewählte Aufenthaltstitel": "Freizügigkeit nach EU-Recht",
        "Geschlecht": "männlich",
    }
    assert first.value == 2649930
    assert (first.measure, first.unit, first.time, first.region_code) == (
        "Ausländer",
        "Anzahl",
        "31.12.2018",
        "DE",
    )
    assert table.title.endswith(
        "Aufenthaltstitel/Ausgewählte Aufenthaltstitel, Ländergruppierungen/Staatsangehörigkeit"
    )


def test_professors_table_reads_years_in_columns_with_two_row_dimensions() -> None:
    table = read("21341-0003")
    assert table.variables == ["Fächergruppen", "Geschlecht"]
    assert sorted({r.time for r in table.rows}) == [str(y) for y in range(2009, 2019)]
    total = cell(table, "2018", Fächergruppen="Insgesamt", Geschlecht="Insgesamt")
    assert (total.value, total.year, total.column) == (48111, 2018, "2018 (L)")
    assert (
        cell(table, "2009", Fächergruppen="Geisteswissenschaften", Geschlecht="männlich").value
        == 3932
    )
    vet = cell(table, "2015", Fächergruppen="Veterinärmedizin", Geschlecht="weiblich")
    assert (vet.value, vet.symbol) == (None, "-")
    assert Counter(r.symbol for r in table.rows)["-"] == 42


def test_theatre_table_reads_land_rows_with_their_measure_and_unit_columns() -> None:
    table = read("21611-0111")
    assert table.region == ""  # no region line: the Länder are a row dimension
    assert table.variables == []
    assert {r.region_code for r in table.rows} == {
        "DE-BW", "DE-BY", "DE-BE", "DE-BB", "DE-HB", "DE-HH", "DE-HE", "DE-MV",
        "DE-NI", "DE-NW", "DE-RP", "DE-SL", "DE-SN", "DE-ST", "DE-SH", "DE-TH",
    }  # fmt: skip
    units = {r.measure: r.unit for r in table.rows}
    assert units == {
        "Öffentlich geförderte Theaterunternehmen": "Anzahl",
        "Spielstätten": "Anzahl",
        "Veranstaltungen am Ort": "Anzahl",
        "Theaterbesuche": "1000",
    }
    berlin = [
        r
        for r in table.rows
        if r.region_code == "DE-BE" and r.measure == "Theaterbesuche" and r.year == 2018
    ]
    assert [(r.value, r.unit, r.region_name, r.classification) for r in berlin] == [
        (1731, "1000", "Berlin", {})
    ]
    bw = [
        r
        for r in table.rows
        if r.region_code == "DE-BW" and r.measure == "Theaterbesuche" and r.year == 2000
    ]
    assert bw[0].value == 2349
    assert table.notes[0].startswith("Quelle: \nTheaterstatistik des Deutschen Bühnenvereins e. V.")


def test_flat_file_reads_one_value_per_row_with_flags_and_the_table_code_from_its_name() -> None:
    table = read_genesis(GENESIS / "12411-0002_de_flat.csv")
    assert table.format == FLAT
    assert table.code == "12411-0002"
    assert table.statistic == "Fortschreibung des Bevölkerungsstandes"
    assert table.variables == ["Nationalität"]
    assert len(table.rows) == 4
    row = next(
        r
        for r in table.rows
        if r.time == "2018-12-31" and r.classification == {"Nationalität": "Deutsche"}
    )
    assert (row.value, row.symbol, row.year) == (72929921, "e", 2018)
    assert (row.region_name, row.region_code) == ("Deutschland", "DE")
    assert (row.measure, row.unit) == ("Bevölkerungsstand", "Anzahl")
    assert (row.line, row.column) == (4, "value")
    assert table.source == "GENESIS-Online, table 12411-0002"


def test_flat_file_and_table_csv_give_the_same_values() -> None:
    flat = read_genesis(GENESIS / "12411-0002_de_flat.csv")
    classic = read("12411-0002")
    for row in flat.rows:
        day = f"31.12.{row.year}"
        assert cell(classic, day, **row.classification).value == row.value


FLAT_BY_LAND = (
    "\ufeffstatistics_code;statistics_label;time_code;time_label;time;"
    "1_variable_code;1_variable_label;1_variable_attribute_code;1_variable_attribute_label;"
    "2_variable_code;2_variable_label;2_variable_attribute_code;2_variable_attribute_label;"
    "value;value_unit;value_variable_code;value_variable_label;value_q\r\n"
    "12999;Beispielstatistik;JAHR;Jahr;2023;GEOBL1;Bundesländer;11;Berlin;GES;Geschlecht;GESW;weiblich;"
    "12,5;%;ANT001;Anteil;p\r\n"
    "12999;Beispielstatistik;JAHR;Jahr;2023;GEOBL1;Bundesländer;12;Brandenburg;GES;Geschlecht;GESW;weiblich;"
    "-;%;ANT001;Anteil;e\r\n"
    "12999;Beispielstatistik;JAHR;Jahr;2023;GEOBL1;Bundesländer;13;Mecklenburg-Vorpommern;GES;Geschlecht;GESW;weiblich;"
    ".;%;ANT001;Anteil;\r\n"
)


def test_flat_file_by_land_reads_the_decimal_comma_symbols_and_land_codes(tmp_path: Path) -> None:
    # Illustrative values, not real figures.
    path = tmp_path / "12999-0001_de_flat.csv"
    path.write_bytes(FLAT_BY_LAND.encode("utf-8"))
    table = read_genesis(path)
    assert [(r.region_code, r.value, r.symbol) for r in table.rows] == [
        ("DE-BE", 12.5, "p"),
        ("DE-BB", None, "-"),
        ("DE-MV", None, "."),
    ]
    assert table.rows[0].classification == {"Geschlecht": "weiblich"}
    assert (table.rows[0].measure, table.rows[0].unit, table.rows[0].year) == ("Anteil", "%", 2023)


CLASSIC = (
    "GENESIS-Tabelle: 12999-0002\r\n"
    "Beispiel: Bundesländer, Jahre, Geschlecht;;;\r\n"
    "Beispielstatistik;;;\r\n"
    "Anteil (%);;;\r\n"
    ";;2022;2023\r\n"
    "Berlin;männlich;{a};{b}\r\n"
    "Berlin;weiblich;{c};{d}\r\n"
    "__________\r\n"
    "© Statistisches Bundesamt (Destatis), 2024\r\n"
    "Stand: 01.02.2024 / 10:00:00\r\n"
)


def write_classic(tmp_path: Path, a: str = "1", b: str = "2", c: str = "3", d: str = "4") -> Path:
    path = tmp_path / "12999-0002.csv"
    path.write_bytes(CLASSIC.format(a=a, b=b, c=c, d=d).encode("cp1252"))
    return path


def test_table_csv_reads_decimal_commas_flags_and_all_special_symbols(tmp_path: Path) -> None:
    # Illustrative values, not real figures.
    table = read_genesis(write_classic(tmp_path, "12,5", "13,0p", "(4,2)", "..."))
    assert [(r.value, r.symbol) for r in table.rows] == [
        (12.5, ""),
        (13.0, "p"),
        (4.2, "()"),
        (None, "..."),
    ]
    assert table.variables == ["Geschlecht"]
    assert (table.rows[0].measure, table.rows[0].unit, table.rows[0].region_code) == (
        "Anteil",
        "%",
        "DE-BE",
    )
    for symbol in ("-", ".", "/", "x"):
        assert parse_value(symbol) == (None, symbol)


def test_a_value_that_is_neither_number_nor_symbol_is_reported_with_row_and_column(
    tmp_path: Path,
) -> None:
    path = write_classic(tmp_path, d="viel")
    with translation.override("en"), pytest.raises(ImportFailed) as failed:
        read_genesis(path)
    (problem,) = failed.value.problems
    # English text until the German translations exist; then assert it under "de".
    assert problem.message.startswith("“viel” is neither a number nor a GENESIS symbol.")
    assert (problem.file, problem.row, problem.column) == (str(path), 7, "2023 (D)")


def test_a_decimal_point_in_a_german_export_is_not_read_as_a_thousands_separator(
    tmp_path: Path,
) -> None:
    with pytest.raises(ImportFailed) as failed:
        read_genesis(write_classic(tmp_path, a="12.5"))
    assert [(p.row, p.column) for p in failed.value.problems] == [(6, "2022 (C)")]


def test_a_table_without_data_rows_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty-table.csv"
    text = CLASSIC.split("Berlin;männlich")[0] + "__________\r\n"
    path.write_bytes(text.encode("cp1252"))
    with translation.override("en"), pytest.raises(ImportFailed) as failed:
        read_genesis(path)
    (problem,) = failed.value.problems
    assert problem.message.startswith("The table has no data rows")
    assert problem.row == 6


# --- exports of other vintages and layouts -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rows", "copyright", "stand"),
    [
        ("11111-0001", 374, "© Statistisches Bundesamt (Destatis), 2020", "23.02.2020 / 23:59:44"),
        ("12411-0010", 16, "© Statistisches Bundesamt (Destatis), 2021", "27.11.2021 / 11:35:12"),
        ("12521-0002", 123, "© Statistisches Bundesamt (Destatis), 2023", "05.06.2023 / 19:32:39"),
        ("23211-0002", 123, "© Statistisches Bundesamt (Destatis), 2021", "04.11.2021 / 12:22:25"),
        (
            "wohngebiete_sachsen",
            4470,
            "(C)opyright Statistisches Landesamt des Freistaates Sachsen 2015 -",
            "26.09.2015 / 08:50:59",
        ),
    ],
)
def test_real_exports_of_other_vintages_parse_into_one_row_per_value(
    name: str, rows: int, copyright: str, stand: str
) -> None:
    table = read(name)
    assert len(table.rows) == rows
    assert (table.copyright, table.stand) == (copyright, stand)
    assert all(r.year is not None for r in table.rows)


def test_in_a_table_by_land_the_total_insgesamt_is_germany() -> None:
    table = read("11111-0001")
    assert table.title == "Gebietsfläche: Bundesländer, Stichtag"
    assert (table.statistic, table.regional_level, table.variables) == (
        "Feststellung des Gebietsstands",
        "Bundesländer",
        [],
    )
    total = [r for r in table.rows if r.region_name == "Insgesamt"]
    assert len(total) == 22
    assert {r.region_code for r in total} == {"DE"}
    first = total[0]
    assert (first.time, first.value, first.line, first.column) == (
        "31.12.1995",
        357022.31,
        23,
        "31.12.1995 (B)",
    )
    assert (first.measure, first.unit) == ("Gebietsfläche", "qkm")
    bremen = next(r for r in table.rows if r.region_code == "DE-HB" and r.year == 2016)
    assert bremen.value == 419.84
    assert len({r.region_code for r in table.rows}) == 17
    # The footnote's doubled quotes are read as one quote.
    assert (
        'Gebietes "gemeinsames\ndeutsch-luxemburgisches Hoheitsgebiet" von 6,20 qkm'
        in table.notes[0]
    )


def test_a_table_with_one_reference_date_reads_its_lone_stichtag_row_as_the_name_of_the_time() -> (
    None
):
    table = read("12411-0010")
    assert table.variables == []  # "Stichtag" is not a classification
    berlin = next(r for r in table.rows if r.region_code == "DE-BE")
    assert (berlin.value, berlin.time, berlin.year, berlin.classification) == (
        3664088,
        "31.12.2020",
        2020,
        {},
    )
    assert (berlin.line, berlin.column) == (9, "31.12.2020 (B)")


def test_a_title_broken_after_a_slash_continues_on_the_next_line() -> None:
    table = read("12521-0002")
    assert table.title == (
        "Ausländer: Deutschland, Stichtag, Geschlecht/Altersjahre/Familienstand, "
        "Ländergruppierungen/Staatsangehörigkeit"
    )
    assert (table.statistic, table.region) == ("Ausländerstatistik", "Deutschland")
    # "Geschlecht" is named by the header, so the row column is the other variable of the title.
    assert table.variables == ["Ländergruppierungen/Staatsangehörigkeit", "Geschlecht"]
    south_america = cell(
        table,
        "31.12.2022",
        **{"Ländergruppierungen/Staatsangehörigkeit": "Südamerika", "Geschlecht": "weiblich"},
    )
    assert (south_america.value, south_america.region_code) == (81785, "DE")
    assert (south_america.line, south_america.column) == (38, "weiblich (D)")
    assert table.notes == ["Bis 31.12.1989: Früheres Bundesgebiet"]


def test_an_unnamed_row_column_takes_its_name_from_the_title() -> None:
    table = read("23211-0002")
    assert table.variables == ["Todesursachen", "Geschlecht"]
    last = cell(
        table, "2020", Todesursachen="Vorsätzliche Selbstbeschädigung", Geschlecht="Insgesamt"
    )
    assert (last.value, last.line, last.column) == (9206, 48, "Insgesamt (E)")
    assert table.notes[0].endswith(
        '"Insgesamt" enthält die Angaben zu allen Gestorbenen eines\nBerichtsjahres.'
    )


def test_an_older_temporary_export_keeps_its_header_year_and_its_copyright_of_the_land() -> None:
    table = read("wohngebiete_sachsen")
    assert (table.code, table.has_code) == ("Temporär", False)
    assert table.title.startswith(
        "Baugenehmigungen: Neue Wohn-u.Nichtwohngeb. einschl. Wohnh., neue"
    )
    assert table.statistic == "Statistik der Baugenehmigungen"
    assert (table.time, table.region, table.regional_level) == ("2014", "", "Gemeinden")
    assert {r.year for r in table.rows} == {2014}
    assert table.publisher == "Statistisches Landesamt des Freistaates Sachsen"
    assert table.source.startswith(
        "Statistisches Landesamt des Freistaates Sachsen, GENESIS-Online, Baugenehmigungen:"
    )
    assert table.source.endswith("Stand 26.09.2015 / 08:50:59")
    assert table.notes[0] == "1) Bei der statistischen Auswertung von Baumaßnahmen an"
    assert "_____" not in table.notes
    assert Counter(r.symbol for r in table.rows) == {"": 3049, "-": 1421}
    first = table.rows[0]
    assert (first.labels, first.value, first.line) == (("14", "Freistaat Sachsen"), 3984, 11)
    # Negative changes (dwellings merged) stay negative; "-" stays a symbol.
    chemnitz = [r for r in table.rows if r.labels[0] == "145"]
    assert [r.value for r in chemnitz][:6] == [1176, 506, 1065, 56, 1849, -34]
    heidersdorf = [r for r in table.rows if r.labels[1].strip() == "Heidersdorf"]
    assert {(r.value, r.symbol) for r in heidersdorf} == {(None, "-")}
    assert all(r.region_code is None for r in table.rows)
