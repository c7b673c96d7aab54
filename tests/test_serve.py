"""Serving under load (issue 11): ``ikoe serve`` runs several worker processes that answer.

The figures of ``bench/bench_load.py`` are in docs/performance.md; no timing is asserted here.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ikoe.commands.serve import default_workers

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux's /proc")
def test_serve_starts_several_worker_processes_that_answer(tmp_path):
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(IKOE_DATA_DIR=str(tmp_path / "var"), IKOE_LANGUAGE="en")
    command = [sys.executable, "-m", "ikoe.cli", "serve", "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        statuses = []
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and len(statuses) < 6:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", "/laendervergleich/")
                response = conn.getresponse()
                body = response.read()
                statuses.append(response.status)
                conn.close()
            except OSError:
                time.sleep(0.3)
        assert statuses == [200] * 6
        assert b"<svg" in body
        assert len(children(process.pid)) == 2
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert process.returncode == 0, output
    assert "gunicorn, 2 worker processes" in output


def test_the_default_number_of_workers_is_the_cores_or_ikoe_workers(monkeypatch):
    monkeypatch.delenv("IKOE_WORKERS", raising=False)
    assert default_workers() >= 1
    monkeypatch.setenv("IKOE_WORKERS", "3")
    assert default_workers() == 3
