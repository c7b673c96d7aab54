"""The full-text index of the practices, one per database (docs/exchange.md, "Search").

- PostgreSQL: a ``tsvector`` column ``search_vector`` on ``exchange_practice`` with a GIN index,
  filled with ``to_tsvector('german', …)``: the title weighs most (A), then the summary and the
  keywords (B), then the other texts (C); and the facet tokens (below) with the ``simple``
  configuration.
- SQLite: an FTS5 table ``exchange_practice_fts`` (rowid = the practice's id) with three columns:
  the title and the other texts, holding their Snowball stems
  (:func:`ikoe.exchange.text.index_text`), and the facet tokens. It keeps prefix indexes for
  stems of 3 to 14 letters, so that a query word's stem is found as a prefix without scanning.

The facet tokens put every value a search filters by into the same index as the words, so that
the database intersects words and filters inside the index (docs/performance.md): a record with
``level = 'land'`` carries ``zlevelland``, one with bit 2 of ``dimensions_mask`` set carries
``zdimensionsmask2``, a published one ``zpublished``. Query words never reach that column (SQLite)
and never look like such a token (PostgreSQL: stems, lower case, no ``z…mask`` compounds in German).

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
FACET_COLUMNS = ("region_code", "level", "status", "evaluation", "cost_band", "state")
"""Columns with one value per record, each value a facet token."""
MASK_COLUMNS = ("dimensions_mask", "sectors_mask", "target_groups_mask", "measure_types_mask")
"""Bit masks, each set bit a facet token."""
PUBLISHED_TOKEN = "zpublished"
MASK_BITS = 31
PREFIXES = "3 4 5 6 7 8 9 10 11 12 13 14"
CHUNK = 2000


def token(column: str, value: object) -> str:
    """The facet token of a column's value (for a mask column: of a bit's number).

    >>> token("region_code", "DE-BE"), token("dimensions_mask", 2)
    ('zregioncodedebe', 'zdimensionsmask2')
    """
    return "z" + "".join(ch for ch in f"{column}{value}".lower() if ch.isascii() and ch.isalnum())


def facet_tokens(values: dict[str, object]) -> str:
    """The facet tokens of a record, from its facet columns, masks and ``published``."""
    tokens = [token(c, values[c]) for c in FACET_COLUMNS if values.get(c)]
    for column in MASK_COLUMNS:
        bits = int(str(values.get(column) or 0))
        tokens += [token(column, i) for i in range(MASK_BITS) if bits >> i & 1]
    if values.get("published"):
        tokens.append(PUBLISHED_TOKEN)
    return " ".join(tokens)


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


def create_faceted_index(apps: Any, schema_editor: Any) -> None:
    """The second form of the index: on SQLite with the facet tokens and prefix indexes; on
    PostgreSQL the facet tokens join ``search_vector`` (:func:`reindex`), a small
    ``rank_vector`` (title, summary, keywords) ranks the matches, and the long texts are moved
    out of the table's rows (``toast_tuple_target``) so that the rows the search reads stay
    narrow."""
    conn = schema_editor.connection
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE} ADD COLUMN rank_vector tsvector")
            # kept in the row (compressed), since every match's rank reads it
            cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN rank_vector SET STORAGE MAIN")
            cursor.execute(f"ALTER TABLE {TABLE} SET (toast_tuple_target = 128)")
    if conn.vendor == "sqlite":
        with conn.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
            cursor.execute(
                f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, body, facets, "
                f"tokenize = 'unicode61 remove_diacritics 0', prefix = '{PREFIXES}')"
            )
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {TABLE}")
        ids = [row[0] for row in cursor.fetchall()]
    reindex(ids, conn)


def drop_faceted_index(apps: Any, schema_editor: Any) -> None:
    conn = schema_editor.connection
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS rank_vector")
            cursor.execute(f"ALTER TABLE {TABLE} RESET (toast_tuple_target)")
    if conn.vendor == "sqlite":
        drop_index(apps, schema_editor)
        create_index(apps, schema_editor)


def drop_index(apps: Any, schema_editor: Any) -> None:
    conn = schema_editor.connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS practice_search")
            cursor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector")
        elif conn.vendor == "sqlite":
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def _concat(fields: Sequence[str], alias: str = "") -> str:
    return " || ' ' || ".join(f"coalesce({alias}{f}, '')" for f in fields)


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
                    f"SELECT id, {', '.join(FACET_COLUMNS + MASK_COLUMNS)}, published "
                    f"FROM {TABLE} WHERE id IN ({marks})",
                    list(part),
                )
                names = (*FACET_COLUMNS, *MASK_COLUMNS, "published")
                tokens = [
                    (facet_tokens(dict(zip(names, row[1:], strict=True))), row[0])
                    for row in cursor.fetchall()
                ]
                cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS practice_tokens "
                               "(id integer PRIMARY KEY, tokens text)")  # fmt: skip
                cursor.execute("DELETE FROM practice_tokens")
                cursor.executemany(
                    "INSERT INTO practice_tokens (tokens, id) VALUES (%s, %s)", tokens
                )
                cursor.execute(
                    f"UPDATE {TABLE} p SET search_vector = "
                    f"setweight(to_tsvector('german', {_concat(TITLE_FIELDS, 'p.')}), 'A') || "
                    f"setweight(to_tsvector('german', {_concat(SUMMARY_FIELDS, 'p.')}), 'B') || "
                    f"setweight(to_tsvector('german', {_concat(OTHER_FIELDS, 'p.')}), 'C') || "
                    "to_tsvector('simple', t.tokens), "
                    "rank_vector = "
                    f"setweight(to_tsvector('german', {_concat(TITLE_FIELDS, 'p.')}), 'A') || "
                    f"setweight(to_tsvector('german', {_concat(SUMMARY_FIELDS, 'p.')}), 'B') "
                    "FROM practice_tokens t WHERE t.id = p.id"
                )
            elif conn.vendor == "sqlite":
                cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", list(part))
                names = (*FACET_COLUMNS, *MASK_COLUMNS, "published")
                cursor.execute(
                    f"SELECT id, {', '.join(TEXT_FIELDS + names)} FROM {TABLE} "
                    f"WHERE id IN ({marks})",
                    list(part),
                )
                texts = len(TEXT_FIELDS)
                rows = [
                    (
                        row[0],
                        index_text(row[1] or ""),
                        index_text(" ".join(value or "" for value in row[2 : 1 + texts])),
                        facet_tokens(dict(zip(names, row[1 + texts :], strict=True))),
                    )
                    for row in cursor.fetchall()
                ]
                cursor.executemany(
                    f"INSERT INTO {FTS_TABLE} (rowid, title, body, facets) VALUES (%s, %s, %s, %s)",
                    rows,
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
