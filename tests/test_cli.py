"""The ``ikoe`` command line: a fast list of commands, and every command on a fresh data directory.

Each command runs in its own process (as a user runs it) with a new, empty ``IKOE_DATA_DIR`` and
the default SQLite database there: a command that uses the database migrates it first, quietly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ikoe.cli import COMMANDS

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
STAFF = DATA / "disclosure" / "staff.csv"
TABLE = [
    "--dims",
    "agency,sex",
    "--count",
    "n",
    "--hierarchy",
    f"agency={DATA / 'disclosure' / 'organisation.csv'}",
]


def ikoe(
    data_dir: Path, *args: str, language: str = "en", code: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        IKOE_DATA_DIR=str(data_dir),
        IKOE_LANGUAGE=language,
        DJANGO_SUPERUSER_PASSWORD="a long and unusual test password 7",
    )
    command = ["-c", code] if code else ["-m", "ikoe.cli", *args]
    return subprocess.run(
        [sys.executable, *command], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_list_of_commands_needs_neither_django_nor_any_command_module(tmp_path):
    code = (
        "import sys\n"
        "from ikoe import cli\n"
        "try:\n"
        "    cli.main(['--help'])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] == 'django' or m.startswith('ikoe.commands.')]\n"
        "assert not loaded, loaded\n"
    )
    result = ikoe(tmp_path / "var", language="de", code=code)
    assert result.returncode == 0, result.stderr
    for name in COMMANDS:
        assert name in result.stdout
    assert "Importiert Organisationen" in result.stdout  # German, straight from the catalogue
    assert "IKÖ-Monitor: interkulturelle Öffnung" in result.stdout
    assert not (tmp_path / "var").exists()  # nothing written just to print the help


def test_ikoe_alone_lists_the_commands_and_exits_2(tmp_path):
    result = ikoe(tmp_path / "var")
    assert result.returncode == 2
    assert "import-organisations" in result.stdout and "Import organisations" in result.stdout


def test_an_unknown_command_is_refused_with_the_list_of_commands(tmp_path):
    result = ikoe(tmp_path / "var", "import-organisation")
    assert result.returncode == 2
    assert "invalid choice: 'import-organisation'" in result.stderr


# Every command with arguments a user would give on a fresh installation, and what it answers.
FRESH = {
    "barriers": ([str(DATA / "selection" / "verfahren_de.csv"), "--json"], 0, '"ok": true'),
    "audit": (["{tmp}/protected.csv", *TABLE, "--original", str(STAFF)], 0, ""),
    "import-benchmarks": ([str(REPO / "data" / "reference" / "benchmarks.csv")], 0, "52"),
    "import-organisations": ([str(DATA / "organisations" / "tree.csv")], 0, "7 created"),
    # The Länder exist on a fresh installation; the file's agencies do not.
    "import-selection": (
        [str(DATA / "selection" / "auswahl_land_a.csv"), "--name", "a", "--land", "DE-BE"],
        1,
        "is not an organisation of Berlin",
    ),
    "import-survey": (
        [str(DATA / "surveys" / "survey_en_utf8_bom.csv"), "--name", "s", "--year", "2024"],
        1,
        "is not a code of the organisation hierarchy",
    ),
    "indicators": (["--survey", "s", "--by", "land", "--json"], 1, "There is no survey"),
    # The shipped questionnaire exists on a fresh installation; the file's agencies do not.
    "import-assessments": (
        [str(DATA / "assessment" / "good.csv"), "--questionnaire", "2026.1"],
        1,
        "There is no organisation with the code “A-AGY”",
    ),
    "import-measures": (
        [str(DATA / "measures" / "massnahmen.csv"), "--land", "DE-BE"],
        1,
        "There is no organisation with the code “A-AGY”",
    ),
    "export-measures": (["--land", "DE-BE", "--format", "csv"], 0, "organisation;title;"),
    "send-reminders": (["--dry-run"], 0, "No milestone is due"),
    "assessment-scores": (
        ["--organisation", "A-AGY"],
        1,
        "There is no organisation with the code “A-AGY” in the hierarchy.",
    ),
    "manage": (
        ["createsuperuser", "--noinput", "--username", "admin", "--email", "a@example.org"],
        0,
        "Superuser created",
    ),
    "project": (
        ["--share", "10%", "--target", "20%", "--years", "10", "--exit-rate", "5%", "--json"],
        0,
        '"required_hiring_share": 0.349213',
    ),
    "protect": ([str(STAFF), *TABLE, "--out", "{tmp}/protected.csv"], 0, ""),
    "publish": (["--all"], 0, "Nothing to publish"),
    "release": (["--survey", "s"], 1, "There is no survey"),
    "serve": (["--no-serve"], 0, "Loaded the reference figures: 52 figures"),
}


def test_every_command_is_tried_on_a_fresh_data_directory():
    assert set(FRESH) == set(COMMANDS)


@pytest.mark.parametrize("name", sorted(FRESH))
def test_every_command_works_on_a_fresh_data_directory(tmp_path, name):
    args, code, says = FRESH[name]
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if name == "audit":  # audits what protect wrote (in another data directory)
        protect = [str(STAFF), *TABLE, "--out", str(tmp_path / "protected.csv")]
        assert ikoe(tmp_path / "other", "protect", *protect).returncode == 0
    result = ikoe(tmp_path / "var", name, *args)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == code, (result.stdout, result.stderr)
    assert says in result.stdout + result.stderr
    if COMMANDS[name].database:
        assert (tmp_path / "var" / "ikoe.sqlite3").exists()
    # The database is complete: a second command finds nothing left to migrate.
    if COMMANDS[name].database:
        plan = ikoe(tmp_path / "var", "manage", "migrate", "--plan")
        assert plan.returncode == 0 and "No planned migration operations." in plan.stdout


def test_manage_leaves_the_migrations_to_migration_commands(tmp_path):
    result = ikoe(tmp_path / "var", "manage", "showmigrations", "auth")
    assert result.returncode == 0
    assert "[ ] 0001_initial" in result.stdout
