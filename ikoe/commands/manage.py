"""``ikoe manage``: Django's management commands (createsuperuser, changepassword, dbshell …)."""

from __future__ import annotations

import argparse

from django.core.management import execute_from_command_line
from django.utils.translation import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("arguments", nargs=argparse.REMAINDER, help=_("command and its options"))


def run(args: argparse.Namespace) -> int:
    execute_from_command_line(["ikoe manage", *args.arguments])
    return 0
