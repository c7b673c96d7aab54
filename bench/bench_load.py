"""Load benchmark: concurrent users against ``ikoe serve`` (issue 11).

For each database (SQLite, and PostgreSQL with ``--postgres``) it starts ``ikoe serve`` on a free
port with a temporary ``IKOE_DATA_DIR`` (the demo survey is loaded at start), waits until it
answers, requests each page once (not counted), then lets N users at once loop over a mix of
pages for ``--duration`` seconds, for each N of ``--users``. Each user is a thread with its own
keep-alive connection and sends its next request when the last one is answered. It prints per
page: requests, errors, median, 95th percentile and maximum; and requests per second overall,
with the machine's load average before and after (other work on the machine disturbs the
figures), and the CPU time the server's processes and the benchmark itself used per request
(on Linux; steadier than the times when other work shares the cores).

Usage::

    .venv/bin/python bench/bench_load.py                           # SQLite, 20 and 50 users, 60 s
    .venv/bin/python bench/bench_load.py --postgres --duration 20  # also PostgreSQL, shorter
    .venv/bin/python bench/bench_load.py --serve-args="--workers 1"

PostgreSQL: a database ``ikoe_bench`` is created (and dropped afterwards) on the server of
``--postgres-url`` (default ``postgres://postgres@127.0.0.1:5432``), never the test database.

The figures go to ``docs/performance.md``. Standard library only (besides ``psycopg`` for
creating the PostgreSQL database, which ikoe depends on anyway).
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SURVEY = "demo-musterland-2024"
PAGES = {
    "home": "/",
    "laendervergleich": "/laendervergleich/",
    "survey overview": f"/befragungen/{SURVEY}/",
    "api cells": f"/api/v1/surveys/{SURVEY}/cells",
}


@dataclass
class Page:
    times: list[float] = field(default_factory=list)
    errors: int = 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(conn: http.client.HTTPConnection, path: str) -> int:
    conn.request("GET", path, headers={"Accept-Language": "de"})
    response = conn.getresponse()
    response.read()
    return response.status


def wait_until_up(port: int, process: subprocess.Popen[bytes], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"ikoe serve stopped with exit code {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if get(conn, "/") == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("ikoe serve did not answer in time")


def user(port: int, start: int, stop_at: float, results: dict[str, Page], lock: threading.Lock):
    names = list(PAGES)
    i = start
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while time.monotonic() < stop_at:
        name = names[i % len(names)]
        i += 1
        began = time.perf_counter()
        try:
            ok = get(conn, PAGES[name]) == 200
        except (OSError, http.client.HTTPException):
            ok = False
            time.sleep(0.05)  # a refused connection answers at once: do not spin
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        elapsed = time.perf_counter() - began
        with lock:
            page = results[name]
            if ok:
                page.times.append(elapsed)
            else:
                page.errors += 1
    conn.close()


def cpu_seconds(root: int) -> float | None:
    """User and system CPU time of ``root`` and every process below it (Linux ``/proc``)."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        stats: dict[int, tuple[int, float]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue  # ended meanwhile
            fields = text[text.rindex(")") + 2 :].split()
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    except (OSError, ValueError, AttributeError):
        return None
    tree, total, grew = {root}, 0.0, True
    while grew:
        below = {pid for pid, (parent, _cpu) in stats.items() if parent in tree} - tree
        grew = bool(below)
        tree |= below
    for pid in tree:
        total += stats.get(pid, (0, 0.0))[1]
    return total


def p95(times: list[float]) -> float:
    if len(times) < 2:
        return times[0] if times else 0.0
    return statistics.quantiles(times, n=20, method="inclusive")[18]


def load(port: int, users: int, duration: float, server: int) -> None:
    results = {name: Page() for name in PAGES}
    lock = threading.Lock()
    before = os.getloadavg()
    server_before, own_before = cpu_seconds(server), time.process_time()
    began = time.monotonic()
    stop_at = began + duration
    threads = [
        threading.Thread(target=user, args=(port, n, stop_at, results, lock)) for n in range(users)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    after = os.getloadavg()
    server_after, own = cpu_seconds(server), time.process_time() - own_before
    total = sum(len(p.times) + p.errors for p in results.values())
    errors = sum(p.errors for p in results.values())
    print(
        f"\n{users} users, {elapsed:.0f} s: {total / elapsed:.1f} requests/s, {errors} errors "
        f"(load average 1 min before {before[0]:.2f}, after {after[0]:.2f})"
    )
    if server_before is not None and server_after is not None and total:
        print(
            f"  CPU per request: server {1000 * (server_after - server_before) / total:.1f} ms, "
            f"benchmark {1000 * own / total:.1f} ms"
        )
    print(f"  {'page':<18}{'requests':>9}{'errors':>8}{'median':>9}{'p95':>9}{'max':>9}")
    everything = Page(
        [t for p in results.values() for t in p.times], sum(p.errors for p in results.values())
    )
    for name, page in [*results.items(), ("all pages", everything)]:
        t = sorted(page.times) or [0.0]
        print(
            f"  {name:<18}{len(page.times) + page.errors:>9}{page.errors:>8}"
            f"{1000 * statistics.median(t):>7.0f}ms{1000 * p95(t):>7.0f}ms{1000 * t[-1]:>7.0f}ms"
        )


def run(database: str, env: dict[str, str], args: argparse.Namespace) -> None:
    port = free_port()
    ikoe = Path(sys.executable).with_name("ikoe")
    command = [str(ikoe), "serve", "--port", str(port), *shlex.split(args.serve_args)]
    print(f"\n=== {database}: {' '.join(command[1:])}")
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT
    )
    try:
        started = time.monotonic()
        wait_until_up(port, process)
        print(f"answers after {time.monotonic() - started:.1f} s (migrations and demo data)")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for name, path in PAGES.items():
            began = time.perf_counter()
            status = get(conn, path)
            print(f"  first {name}: {1000 * (time.perf_counter() - began):.0f} ms ({status})")
        conn.close()
        for users in args.users:
            load(port, users, args.duration, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def postgres(url: str, name: str, create: bool) -> None:
    import psycopg

    with psycopg.connect(f"{url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--duration", type=float, default=60, help="seconds per run (60)")
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--postgres-db", default="ikoe_bench")
    parser.add_argument("--serve-args", default="", help="further arguments for ikoe serve")
    args = parser.parse_args()
    print(f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("pages: " + ", ".join(PAGES.values()))
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as data:
            run("SQLite", {**base, "IKOE_DATA_DIR": data}, args)
    if args.postgres:
        postgres(args.postgres_url, args.postgres_db, create=True)
        try:
            with tempfile.TemporaryDirectory() as data:
                url = f"{args.postgres_url}/{args.postgres_db}"
                run("PostgreSQL", {**base, "IKOE_DATA_DIR": data, "DATABASE_URL": url}, args)
        finally:
            postgres(args.postgres_url, args.postgres_db, create=False)


if __name__ == "__main__":
    main()
