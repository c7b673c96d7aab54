"""Shared helpers for browser tests: Debian's Chromium through Playwright, axe-core from npm."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
# Chromium needs these flags on machines without outside network or a sandbox for root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def require_browser() -> None:
    if not (shutil.which(CHROMIUM) and AXE.exists()):
        if os.environ.get("CI"):
            pytest.fail("Chromium or axe-core is missing; ./dev test installs both.")
        pytest.skip("Chromium or axe-core is missing; run ./dev test to install them.")


# One Chromium for the whole run: every test module that imports the fixture below gets its
# own copy of it, and Playwright's sync API cannot run twice in one process at the same time.
_shared: dict[str, object] = {}
_users = [0]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    require_browser()
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    if not _users[0]:
        playwright = sync_playwright().start()
        _shared["playwright"] = playwright
        _shared["browser"] = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
    _users[0] += 1
    try:
        yield _shared["browser"]
    finally:
        _users[0] -= 1
        if not _users[0]:
            _shared.pop("browser").close()  # type: ignore[attr-defined]
            _shared.pop("playwright").stop()  # type: ignore[attr-defined]


def axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """Run axe-core on the page against WCAG 2.1 A and AA; return the violations."""
    # Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) stays on.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
