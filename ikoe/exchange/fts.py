"""The full-text index of the practices, one per database (docs/exchange.md, "Search").

- PostgreSQL: a ``tsvector`` column ``search_vector`` on ``exchange_practice`` with a GIN index,
  filled with ``to_tsvector('german', …)``: the title weighs most (A), then the summary and the
  keywords (B), then the other texts (C).
- SQLite: an FTS5 table ``exchange_practice_fts`` (rowid = the practice's id) with two columns,
  the title and the other texts, holding their Snowball stems (:func:`ikoe.exchange.text.index_text`).

Neither is a model field: the migration creates them (:func:`create_index`) and
:func:`reindex` refreshes them from the practice rows. This module reads the table by its
columns and imports no model, so that migrations can use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection as default_connection

from ikoe.exchange.text import index_text

TABLE = "exchange_practice"
FTS_TABLE = "exchange_practice_fts"
TITLE_FIELDS = ("title",)
SUMMARY_FIELDS = ("summary", "keywords")
OTHER_FIELDS = (
    "lead_body",
    "municipality",
    "partners",
    "starting_point",
    "goals",
    "activities",
    "legal_basis",
    "outcomes",
    "indicators",
    "challenges",
    "success_conditions",
    "prerequisites",
    "adaptations",
    "reuses",
    "funding_source",
)
TEXT_FIELDS = (*TITLE_FIELDS, *SUMMARY_FIELDS, *OTHER_FIELDS)
CHUNK = 2000


def create_index(apps: Any, schema_editor: Any) -> None:
    conn = schema_editor.connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ADD COLUMN search_vector tsvector")
            cursor.execute(f"CREATE INDEX practice_search ON {TABLE} USING GIN (search_vector)")
        elif conn.vendor == "sqlite":
            cursor.execute(
                f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, body, "
                "tokenize = 'unicode61 remove_diacritics 0')"
            )


def drop_index(apps: Any, schema_editor: Any) -> None:
    conn = schema_editor.connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS practice_search")
            cursor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector")
        elif conn.vendor == "sqlite":
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def _concat(fields: Sequence[str]) -> str:
    return " || ' ' || ".join(f"coalesce({f}, '')" for f in fields)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def reindex(ids: Iterable[int], connection: Any = None) -> None:
    """Bring the index of these practices in line with their rows (deleted ones drop out)."""
    conn = connection or default_connection
    id_list = sorted(set(ids))
    if not id_list:
        return
    with conn.cursor() as cursor:
        for part in _chunks(id_list):
            marks = ", ".join(["%s"] * len(part))
            if conn.vendor == "postgresql":
                cursor.execute(
                    f"UPDATE {TABLE} SET search_vector = "
                    f"setweight(to_tsvector('german', {_concat(TITLE_FIELDS)}), 'A') || "
                    f"setweight(to_tsvector('german', {_concat(SUMMARY_FIELDS)}), 'B') || "
                    f"setweight(to_tsvector('german', {_concat(OTHER_FIELDS)}), 'C') "
                    f"WHERE id IN ({marks})",
                    list(part),
                )
            elif conn.vendor == "sqlite":
                cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", list(part))
                cursor.execute(
                    f"SELECT id, {', '.join(TEXT_FIELDS)} FROM {TABLE} WHERE id IN ({marks})",
                    list(part),
                )
                rows = [
                    (
                        row[0],
                        index_text(row[1] or ""),
                        index_text(" ".join(value or "" for value in row[2:])),
                    )
                    for row in cursor.fetchall()
                ]
                cursor.executemany(
                    f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)", rows
                )


def forget(ids: Iterable[int], connection: Any = None) -> None:
    """Drop deleted practices from the SQLite index (PostgreSQL's column goes with the row)."""
    conn = connection or default_connection
    id_list = sorted(set(ids))
    if conn.vendor != "sqlite" or not id_list:
        return
    with conn.cursor() as cursor:
        for part in _chunks(id_list):
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", list(part))
