"""The ``ikoe`` command line.

The subcommands are listed in :data:`COMMANDS`: each has a module in :mod:`ikoe.commands` with
``add_arguments(parser)`` and ``run(args) -> int``, a one-line help text, and whether it works
on the database. ``ikoe --help`` (or ``ikoe`` alone) prints the list without setting up Django
or importing any command: the help texts are translated straight from the compiled catalogue.
For a subcommand, Django is set up (messages in German unless ``IKOE_LANGUAGE=en``) and only that
command's module is imported; a command that works on the database first brings it up to date
(:func:`ikoe.startup.prepare_database`), so every command works on a fresh data directory.
"""

from __future__ import annotations

import argparse
import gettext
import importlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation (found by ``makemessages``); translated when shown."""
    return message


@dataclass(frozen=True)
class Command:
    module: str
    help: str
    database: bool = True


COMMANDS: dict[str, Command] = {
    "barriers": Command(
        "barriers",
        gettext_noop(
            "Barrier analysis of selection procedures: selection rates, impact ratios, "
            "four-fifths rule, tests and shortfall per stage and group (JSON or CSV)."
        ),
        database=False,
    ),
    "audit": Command(
        "audit",
        gettext_noop(
            "Audit a protected table: the interval the attacker's linear program leaves for each "
            "suppressed cell; exit 1 when a sensitive cell is under-protected."
        ),
        database=False,
    ),
    "import-selection": Command(
        "import_selection",
        gettext_noop(
            "Import the selection data of a Land (counts per stage and group, or one row per "
            "applicant): every funnel is protected and stored for the pages of the barrier "
            "analysis."
        ),
    ),
    "import-benchmarks": Command(
        "import_benchmarks",
        gettext_noop(
            "Import public benchmark figures from a reference CSV (region_code, year, measure, "
            "concept, value_percent, source) or a GENESIS-Online export (table CSV or flat file)."
        ),
    ),
    "import-organisations": Command(
        "import_organisations",
        gettext_noop(
            "Import organisations (Land > ministry > agency > unit) from a CSV file with the "
            "columns code, name, parent, kind."
        ),
    ),
    "import-survey": Command(
        "import_survey",
        gettext_noop(
            "Import a staff survey (CSV, XLSX or Parquet), derive migration background, weight it "
            "and publish its protected tables."
        ),
    ),
    "import-assessments": Command(
        "import_assessments",
        gettext_noop(
            "Import IKÖ-Check assessments filled in elsewhere (CSV, XLSX or Parquet: organisation, "
            "item, level, evidence): one new finished assessment per organisation."
        ),
    ),
    "import-measures": Command(
        "import_measures",
        gettext_noop(
            "Import measures, training participation or funding programmes from a CSV or XLSX "
            "file: the row with the same organisation and title (training participation: "
            "organisation, year and group) is updated, others are created."
        ),
    ),
    "export-measures": Command(
        "export_measures",
        gettext_noop(
            "Export the measures, training participation or funding programmes of a Land as CSV "
            "or XLSX, in the columns the import reads."
        ),
    ),
    "send-reminders": Command(
        "send_reminders",
        gettext_noop(
            "E-mail the owners of measures whose milestones are due within N days or overdue "
            "(at most once a day per milestone)."
        ),
    ),
    "assessment-scores": Command(
        "assessment_scores",
        gettext_noop(
            "Print the dimension scores and the overall score of an organisation's latest "
            "finished IKÖ-Check (--all: of every one)."
        ),
    ),
    "indicators": Command(
        "indicators",
        gettext_noop("Print protected indicators of a survey by any dimensions (JSON or CSV)."),
    ),
    "manage": Command(
        "manage",
        gettext_noop("Run a Django management command, e.g. “ikoe manage createsuperuser”."),
    ),
    "protect": Command(
        "protect",
        gettext_noop(
            "Protect a table of counts: minimum frequency, secondary suppression with totals and "
            "hierarchies, audit by the attacker's linear program."
        ),
        database=False,
    ),
    "project": Command(
        "project",
        gettext_noop(
            "Projection of the share with a migration background: the hiring share it takes to "
            "reach a target, the years to it, the steady state and the path year by year (JSON "
            "or CSV)."
        ),
        database=False,
    ),
    "publish": Command(
        "publish",
        gettext_noop(
            "Protect and publish the tables of surveys again (after a change of the disclosure "
            "rules)."
        ),
    ),
    "release": Command(
        "release",
        gettext_noop("Release a survey to the public, or withdraw its release (--withdraw)."),
    ),
    "serve": Command(
        "serve",
        gettext_noop("Migrate the database, load the reference data and serve the platform."),
    ),
}

# Management commands that deal with migrations themselves: ``ikoe manage`` leaves the database
# as it is for them (``ikoe manage showmigrations`` on a fresh directory shows what is missing).
_MIGRATION_COMMANDS = frozenset(
    {"migrate", "makemigrations", "showmigrations", "sqlmigrate", "squashmigrations", "help"}
)

_DESCRIPTION = gettext_noop(
    "IKÖ-Monitor: intercultural opening of the public administration (IntMK 2017, TOP 2.5)."
)


def _catalogue() -> gettext.NullTranslations:
    """The compiled German (or English) catalogue, read without Django."""
    language = os.environ.get("IKOE_LANGUAGE", "de")
    locale = Path(__file__).resolve().parent / "locale"
    return gettext.translation("django", locale, languages=[language], fallback=True)


def build_parser(translate: gettext.NullTranslations | None = None) -> argparse.ArgumentParser:
    """The top-level parser: the list of subcommands with one line each (for ``--help``)."""
    tr = (translate or _catalogue()).gettext
    parser = argparse.ArgumentParser(prog="ikoe", description=tr(_DESCRIPTION))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="subcommands")
    for name, command in COMMANDS.items():
        sub.add_parser(name, help=tr(command.help), add_help=False)
    return parser


def command_parser(name: str) -> tuple[argparse.ArgumentParser, ModuleType]:
    """The parser of one subcommand and its module (Django must be set up)."""
    from django.utils.translation import gettext as _

    command = COMMANDS[name]
    module = importlib.import_module(f"ikoe.commands.{command.module}")
    summary = _(command.help)
    parser = argparse.ArgumentParser(prog=f"ikoe {name}", description=summary)
    module.add_arguments(parser)
    return parser, module


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikoe.settings")
    import django
    from django.conf import settings
    from django.utils import translation

    django.setup()
    translation.activate(settings.LANGUAGE_CODE)


def _needs_database(name: str, args: argparse.Namespace) -> bool:
    if not COMMANDS[name].database:
        return False
    if name == "manage":
        arguments = getattr(args, "arguments", [])
        return bool(arguments) and arguments[0] not in _MIGRATION_COMMANDS
    return True


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or arguments[0] not in COMMANDS:
        # ``ikoe``, ``ikoe --help`` or an unknown command: argparse prints the list or the error.
        parser = build_parser()
        parser.parse_args(arguments)
        parser.print_help()
        return 2
    name, rest = arguments[0], arguments[1:]
    setup_django()
    parser, module = command_parser(name)
    args = parser.parse_args(rest)

    from ikoe.errors import ImportFailed

    try:
        if _needs_database(name, args):
            from ikoe.startup import prepare_database

            prepare_database()
        return int(module.run(args) or 0)
    except ImportFailed as exc:
        print(exc.report(), file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
