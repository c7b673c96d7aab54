"""Restricted storage: where the files of sensitive data live (docs/architecture.md, "The one
path for sensitive data").

Survey answers and applicants' counts are kept only here, in one folder per kind of data below
``IKOE_DATA_DIR/restricted`` (``RESTRICTED_DIR``), readable by the platform's account alone and
never served. Files are written only after the database transaction that refers to them
committed, through a private temporary folder, so an interrupted import leaves no file in place;
:func:`clean` removes what an interruption left and files no record refers to.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from django.conf import settings

STALE_AFTER = 3600.0
"""Seconds after which a temporary folder is taken as left by an interrupted import."""


def folder(kind: str) -> Path:
    """The folder of one kind of data (``surveys``, ``selection``), created private."""
    path = Path(settings.RESTRICTED_DIR) / kind
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def write_files(
    where: Path, token: str, files: Mapping[str, bytes], replaced: Sequence[str] = ()
) -> None:
    """Write ``files`` into a private temporary folder, then move them into place; remove the
    ``replaced`` files of the data they replace (nothing stays behind)."""
    tmp_dir = where / f".tmp-{token}"
    tmp_dir.mkdir(mode=0o700)
    for name, content in files.items():
        path = tmp_dir / name
        with open(path, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        path.chmod(0o600)
    for name in files:
        os.replace(tmp_dir / name, where / name)
    tmp_dir.rmdir()
    for name in replaced:
        (where / name).unlink(missing_ok=True)


def clean(where: Path, known: Collection[str], pattern: str) -> int:
    """Remove temporary folders of interrupted imports, and files matching ``pattern`` that no
    record refers to (``known``); return how many were removed."""
    removed = 0
    stale = time.time() - STALE_AFTER  # a file being written right now keeps its folder
    for tmp in where.glob(".tmp-*"):
        if tmp.stat().st_mtime < stale:
            shutil.rmtree(tmp, ignore_errors=True)
            removed += 1
    for file in where.glob(pattern):
        if file.name not in known:
            file.unlink()
            removed += 1
    return removed
