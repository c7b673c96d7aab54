"""Every text users read is translated: German complete, catalogue current and compiled."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "ikoe" / "locale"


def entries(po: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of a catalogue, plural msgstr[0] taken for msgstr."""
    result = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        lines = [ln for ln in block.splitlines() if ln and not ln.startswith("#~")]
        fuzzy = any(ln.startswith("#,") and "fuzzy" in ln for ln in lines)
        fields: dict[str, str] = {}
        key = None
        for ln in lines:
            if ln.startswith("#"):
                continue
            if ln.startswith('"'):
                fields[key] += ln[1:-1]  # type: ignore[index]
                continue
            key, _, value = ln.partition(" ")
            fields[key] = value[1:-1]
        if "msgid" in fields and fields["msgid"]:
            result.append(
                (fields["msgid"], fields.get("msgstr", fields.get("msgstr[0]", "")), fuzzy)
            )
    return result


def test_every_german_text_is_translated_and_none_is_fuzzy():
    missing = [m for m, s, fuzzy in entries(LOCALE / "de/LC_MESSAGES/django.po") if not s or fuzzy]
    assert missing == []


@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext is installed by ./dev test")
def test_the_catalogue_holds_every_text_of_the_code(tmp_path):
    copy = tmp_path / "ikoe"
    shutil.copytree(ROOT / "ikoe", copy, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        ["django-admin", "makemessages", "-l", "de", "--no-obsolete", "--ignore=stats/*"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": f"{ROOT / '.venv/bin'}:/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": ""},
    )
    fresh = {m for m, _, _ in entries(copy / "locale/de/LC_MESSAGES/django.po")}
    committed = {m for m, _, _ in entries(LOCALE / "de/LC_MESSAGES/django.po")}
    assert sorted(fresh - committed) == []


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="gettext is installed by ./dev test")
def test_the_compiled_catalogue_matches_its_source(tmp_path):
    out = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(out), str(LOCALE / "de/LC_MESSAGES/django.po")], check=True)
    # compared by digest: a difference of the binary files would take pytest minutes to show
    fresh = hashlib.sha256(out.read_bytes()).hexdigest()
    committed = hashlib.sha256((LOCALE / "de/LC_MESSAGES/django.mo").read_bytes()).hexdigest()
    assert fresh == committed, "django.mo is not msgfmt's output of django.po: compile it again"
