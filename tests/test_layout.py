"""The layout of docs/architecture.md holds: apps depend downwards, stats stays pure."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "ikoe"
APPS = (
    "organisations",
    "accounts",
    "benchmarks",
    "surveys",
    "barriers",
    "targets",
    "assessment",
    "measures",
    "exchange",
)
# What each app may import from the other apps (downwards only).
ALLOWED = {
    "organisations": set(),
    "accounts": {"organisations"},
    "benchmarks": set(),
    "surveys": {"organisations", "accounts", "benchmarks"},
    "barriers": {"organisations", "accounts"},
    "targets": {"organisations", "accounts", "benchmarks", "surveys", "barriers"},
    # The IKÖ-Check stands on the organisations and the roles only.
    "assessment": {"organisations", "accounts"},
    # Measures keep the link to where they came from: a gap of the IKÖ-Check, a barrier
    # finding, a promotion plan.
    "measures": {"organisations", "accounts", "assessment", "barriers", "targets"},
    # Practices are classified by the IKÖ-Check's dimensions and the occupational groups of
    # the training registry.
    "exchange": {"organisations", "accounts", "assessment", "measures"},
}


def imported_modules(folder: Path) -> set[str]:
    found: set[str] = set()
    for file in folder.rglob("*.py"):
        if "migrations" in file.parts:
            continue
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_apps_import_only_the_apps_below_them():
    for app in APPS:
        used = {
            m.split(".")[1]
            for m in imported_modules(ROOT / app)
            if m.startswith("ikoe.") and m.split(".")[1] in APPS and m.split(".")[1] != app
        }
        assert used <= ALLOWED[app], (app, sorted(used - ALLOWED[app]))


def test_the_statistics_import_no_django_and_no_app():
    used = imported_modules(ROOT / "stats")
    assert not {m for m in used if m.split(".")[0] == "django"}
    assert not {m for m in used if m.startswith("ikoe.") and not m.startswith("ikoe.stats")}


def test_readers_and_reports_import_no_app():
    for part in ("ingest", "reports"):
        used = imported_modules(ROOT / part)
        assert not {m for m in used if m.startswith("ikoe.") and m.split(".")[1] in APPS}, part
