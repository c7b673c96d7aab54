"""``ikoe serve``: migrate, load the reference data, serve the platform.

On Linux and other POSIX systems the platform is served by gunicorn with several worker
processes (by default one per core, ``--workers``), each with ``--threads`` threads, so pages
are rendered on every core. With ``--server waitress`` (and where gunicorn cannot run, such as
Windows) one waitress process serves with threads only, on one core.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

log = logging.getLogger("ikoe.serve")


def default_workers() -> int:
    """``IKOE_WORKERS`` if set, else the number of cores this process may use."""
    configured = os.environ.get("IKOE_WORKERS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def gunicorn_available() -> bool:
    try:
        import fcntl  # noqa: F401  (gunicorn needs it: POSIX only)

        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help=_("address to listen on (default 127.0.0.1)")
    )
    parser.add_argument(
        "--port", type=int, default=8000, help=_("port to listen on (default 8000)")
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help=_("worker processes (default: IKOE_WORKERS or the number of cores)"),
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help=_("threads per worker process (default 2; 8 with waitress)"),
    )
    parser.add_argument(
        "--server",
        choices=["gunicorn", "waitress"],
        default=None,
        help=_(
            "gunicorn (several processes; the default where it runs) or waitress "
            "(one process with threads)"
        ),
    )
    parser.add_argument(
        "--no-serve", action="store_true", help=_("prepare the database and data, then stop")
    )


def prepare() -> None:
    """Migrate and load everything the platform ships; cheap when nothing changed."""
    from ikoe.reports import cache
    from ikoe.reports.charts import clear_cache
    from ikoe.startup import load_shipped_data, prepare_database

    prepare_database()
    for line in load_shipped_data():
        print(line)
    # Charts drawn and figures computed by an earlier release are not served again.
    clear_cache()
    cache.clear()


def prepare_in_child() -> None:
    """:func:`prepare` in a process of its own, whose output is ours.

    Loading the data uses polars, whose thread pool does not survive a fork: a gunicorn worker
    forked from a process that used it can hang for ever. So the arbiter never loads data itself.
    """
    subprocess.run(
        [sys.executable, "-m", "ikoe.cli", "serve", "--no-serve"], check=True, env=os.environ
    )


def run(args: argparse.Namespace) -> int:
    workers = args.workers if args.workers and args.workers > 0 else default_workers()
    server = args.server or ("gunicorn" if gunicorn_available() else "waitress")
    if server == "gunicorn" and not gunicorn_available():
        log.warning("gunicorn cannot run here; serving with waitress")
        server = "waitress"
    if args.no_serve or server == "waitress":
        prepare()
    else:
        try:
            prepare_in_child()
        except subprocess.CalledProcessError as error:
            return error.returncode or 1
    if args.no_serve:
        return 0
    if server == "waitress":
        workers = 1
    # Rendering is work for the CPU, and threads of one process share one core (the GIL): few
    # threads per process answer more requests per second than many (docs/performance.md).
    threads = args.threads if args.threads and args.threads > 0 else 2
    if server == "waitress" and not args.threads:
        threads = 8
    print(
        _(
            "IKÖ-Monitor is running at http://%(host)s:%(port)s/ (data in %(dir)s). Stop with Ctrl+C."
        )
        % {"host": args.host, "port": args.port, "dir": settings.DATA_DIR}
    )
    print(
        _("Server: %(server)s, %(workers)d worker processes with %(threads)d threads each.")
        % {"server": server, "workers": workers, "threads": threads}
    )
    if server == "gunicorn":
        serve_gunicorn(args.host, args.port, workers, threads)
    else:
        from waitress import serve

        from ikoe.wsgi import application

        serve(application, host=args.host, port=args.port, threads=threads, ident="ikoe")
    return 0


def serve_gunicorn(host: str, port: int, workers: int, threads: int) -> None:
    """Serve with gunicorn's pre-forking arbiter; each worker loads the application itself."""
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    # No database connection may be shared with the forked workers.
    connections.close_all()
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options: dict[str, Any] = {
        "bind": [bind],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "proc_name": "ikoe",
        "timeout": 120,
        "graceful_timeout": 20,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "preload_app": False,
    }

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from ikoe.wsgi import application

            return application

    Server().run()
