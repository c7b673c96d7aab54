"""Practices as data: the record that the API, the CSV and the JSON exports give
(docs/exchange.md, "Export and API"). Contact details go only to signed-in users."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ikoe.exchange import vocab
from ikoe.exchange.models import Practice
from ikoe.exchange.services import CONTENT_FIELDS
from ikoe.regions import DISPLAY_NAMES
from ikoe.reports.csv import spreadsheet_csv

EXPORT_LIMIT = 10_000
"""At most this many practices in one export (the search narrows further)."""


def record(practice: Practice, signed_in: bool) -> dict[str, Any]:
    """One practice with its content fields (lists as lists of codes, dates as ISO text)."""
    out: dict[str, Any] = {
        "id": practice.pk,
        "code": practice.code,
        "state": practice.state,
        "published": practice.published,
        "land_name": str(DISPLAY_NAMES.get(practice.region_code, practice.region_code)),
    }
    for name in CONTENT_FIELDS:
        value = getattr(practice, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    if not signed_in:
        out["contact"] = None
    out["keywords"] = practice.keyword_list
    out["sources"] = practice.source_list
    out["updated_at"] = practice.updated_at.isoformat()
    out["published_at"] = practice.published_at.isoformat() if practice.published_at else None
    return out


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def export_csv(practices: Iterable[Practice], signed_in: bool) -> bytes:
    """UTF-8 with BOM and ``;`` for German spreadsheet programs; lists joined with "; "."""
    rows = [record(p, signed_in) for p in practices]
    header = list(rows[0]) if rows else list(record(Practice(), signed_in))
    return spreadsheet_csv(header, ([_cell(k, r[k]) for k in header] for r in rows))


def export_json(practices: Iterable[Practice], signed_in: bool, query: dict[str, Any]) -> bytes:
    return json.dumps(
        {"query": query, "practices": [record(p, signed_in) for p in practices]},
        ensure_ascii=False,
        indent=1,
    ).encode("utf-8")


def labels(practice: Practice) -> dict[str, list[str]]:
    """The list fields of a practice in words."""
    return {
        name: [vocab.label(choices, c) for c in getattr(practice, name)]
        for name, choices in vocab.LIST_FIELDS.items()
    }
