"""``ikoe serve``: migrate, load the reference data, serve the platform."""

from __future__ import annotations

import argparse
import logging

from django.conf import settings
from django.utils.translation import gettext as _

log = logging.getLogger("ikoe.serve")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help=_("address to listen on (default 127.0.0.1)")
    )
    parser.add_argument(
        "--port", type=int, default=8000, help=_("port to listen on (default 8000)")
    )
    parser.add_argument("--threads", type=int, default=8, help=_("worker threads (default 8)"))
    parser.add_argument(
        "--no-serve", action="store_true", help=_("prepare the database and data, then stop")
    )


def prepare() -> None:
    """Migrate and load everything the platform ships; cheap when nothing changed."""
    from ikoe.startup import load_shipped_data, prepare_database

    prepare_database()
    for line in load_shipped_data():
        print(line)


def run(args: argparse.Namespace) -> int:
    prepare()
    if args.no_serve:
        return 0
    from waitress import serve

    from ikoe.wsgi import application

    print(
        _(
            "IKÖ-Monitor is running at http://%(host)s:%(port)s/ (data in %(dir)s). Stop with Ctrl+C."
        )
        % {"host": args.host, "port": args.port, "dir": settings.DATA_DIR}
    )
    serve(application, host=args.host, port=args.port, threads=args.threads, ident="ikoe")
    return 0
