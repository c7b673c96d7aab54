"""A file that the browser saves: one response for every export and sample file, its content
type taken from the file name's extension."""

from __future__ import annotations

from pathlib import PurePath

from django.http import HttpResponse

CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download(content: bytes | str, filename: str) -> HttpResponse:
    """``content`` as the file ``filename`` to save (an extension of :data:`CONTENT_TYPES`).

    >>> download(b"a;b", "liste.csv")["Content-Type"]
    'text/csv; charset=utf-8'
    """
    response = HttpResponse(content, content_type=CONTENT_TYPES[PurePath(filename).suffix])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
