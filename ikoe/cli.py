"""The ``ikoe`` command line.

Each subcommand is a module in :mod:`ikoe.commands` with ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> int``. Django is set up before a subcommand
runs, so messages are translated (German unless ``IKOE_LANGUAGE=en``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

from ikoe import commands
from ikoe.errors import ImportFailed


def _command_modules() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(commands.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"ikoe.commands.{info.name}")
        found[info.name.replace("_", "-")] = module
    return dict(sorted(found.items()))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ikoe",
        description="IKÖ-Monitor: intercultural opening of the public administration (IntMK 2017, TOP 2.5).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="subcommands")
    for name, module in _command_modules().items():
        summary = str(module.HELP)
        cmd = sub.add_parser(name, help=summary, description=summary)
        module.add_arguments(cmd)
        cmd.set_defaults(_module=module)
    return parser


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikoe.settings")
    import django
    from django.conf import settings
    from django.utils import translation

    django.setup()
    translation.activate(settings.LANGUAGE_CODE)


def main(argv: Sequence[str] | None = None) -> int:
    setup_django()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args._module.run(args) or 0)
    except ImportFailed as exc:
        print(exc.report(), file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
