"""Single requests of the load benchmark's pages, one after the other, in one process (issue 11).

Prepares a temporary ``IKOE_DATA_DIR`` with ``ikoe serve --no-serve`` (migrations, reference
figures, the demo survey), then calls Django's WSGI handler directly (as gunicorn's workers do,
without HTTP) for each page of ``bench/bench_load.py``: once to fill the caches (not counted),
then ``--repeat`` times. It prints per page the wall and CPU time of one request and the
database queries it made; with ``--profile N`` also the N functions with the most time
(cProfile). CPU time is the steadier figure on a machine shared with other work.

Usage::

    .venv/bin/python bench/bench_requests.py
    .venv/bin/python bench/bench_requests.py --repeat 50 --profile 30 --pages overview
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ikoe_bench .venv/bin/python bench/bench_requests.py  # an existing database
    PYTHONPATH=/tmp/ikoe-before .venv/bin/python bench/bench_requests.py   # another checkout

Standard library only (besides ikoe and its dependencies).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SURVEY = "demo-musterland-2024"
PAGES = {
    "home": "/",
    "laendervergleich": "/laendervergleich/",
    "overview": f"/befragungen/{SURVEY}/",
    "api": f"/api/v1/surveys/{SURVEY}/cells",
}


def prepare(data: str) -> None:
    env = {**os.environ, "IKOE_DATA_DIR": data}
    subprocess.run(
        [sys.executable, "-m", "ikoe.cli", "serve", "--no-serve"],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def measure(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikoe.settings")
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    import ikoe

    app = WSGIHandler()

    def get(path: str) -> str:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_ACCEPT_LANGUAGE": "de",
            "SCRIPT_NAME": "",
            "wsgi.input": io.BytesIO(),
            "wsgi.url_scheme": "http",
        }
        status: list[str] = []
        b"".join(app(environ, lambda s, _h, *_a: status.append(s)))
        return status[0]

    print(f"ikoe from {Path(ikoe.__file__).parent}, database {connection.vendor}")
    names = args.pages or list(PAGES)
    for name in names:
        assert get(PAGES[name]).startswith("200"), name
    print(f"{'page':<18}{'wall':>9}{'CPU':>9}{'queries':>9}")
    total = 0.0
    for name in names:
        queries: list[str] = []

        def counted(execute: Any, sql: str, *rest: Any, seen: list[str] = queries) -> Any:
            seen.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(counted):
            get(PAGES[name])
        began, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.repeat):
            get(PAGES[name])
        wall = 1000 * (time.perf_counter() - began) / args.repeat
        used = 1000 * (time.process_time() - cpu) / args.repeat
        total += used
        print(f"{name:<18}{wall:>7.1f}ms{used:>7.1f}ms{len(queries):>9}")
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(10):
                get(PAGES[name])
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.profile)
            print(out.getvalue())
    print(f"mean CPU per request of the mix: {total / len(names):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="requests per page (30)")
    parser.add_argument("--pages", nargs="+", choices=list(PAGES), help="pages (all)")
    parser.add_argument("--profile", type=int, default=0, help="print the N slowest functions")
    parser.add_argument("--data-dir", help="a prepared IKOE_DATA_DIR to use instead of a new one")
    args = parser.parse_args()
    if args.data_dir:
        os.environ["IKOE_DATA_DIR"] = args.data_dir
        measure(args)
        return
    with tempfile.TemporaryDirectory() as data:
        prepare(data)
        os.environ["IKOE_DATA_DIR"] = data
        measure(args)


if __name__ == "__main__":
    main()
