"""Reading Parquet files for the imports (staff surveys, selection data).

A Parquet file names its columns and rows in its metadata, so its shape is checked against the
limits (:mod:`ikoe.ingest.limits`) before a value is read; once read, the text of its cells is
measured too, since Parquet stores a repeated text once and a small file may unpack to
gigabytes of text. Row numbers in messages are those of the same table exported with a header
row: the header is row 1, the first record row 2.
"""

from __future__ import annotations

import io

import polars as pl
from django.utils.translation import gettext as _

from ikoe.errors import ImportFailed, excerpt
from ikoe.ingest.limits import ImportLimits, check_shape, unpacked_too_large

MAGIC = b"PAR1"
"""The first (and last) four bytes of every Parquet file."""


def unreadable(name: str, exc: Exception | str) -> ImportFailed:
    """The message for a file that cannot be read as Parquet."""
    return ImportFailed.single(
        "parquet",
        _("The file cannot be read as Parquet: %(reason)s") % {"reason": excerpt(exc, 300)},
        file=name,
    )


def parquet_columns(name: str, data: bytes, limits: ImportLimits) -> list[str]:
    """The column names from the file's metadata, after checking its rows and columns there."""
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(io.BytesIO(data))
        names = list(file.schema_arrow.names)
        rows = file.metadata.num_rows
    except Exception as exc:  # arrow errors of every kind
        raise unreadable(name, exc) from exc
    check_shape(name, rows + 1, len(names), limits)  # rows as if exported with a header row
    return names


def text_bytes(frame: pl.DataFrame) -> int:
    """How many bytes the frame's text cells take once each is a string of its own (a Parquet
    file stores a repeated text once: a small file may hold gigabytes of text)."""
    total = 0
    for column, dtype in frame.schema.items():
        series = frame.get_column(column)
        if dtype == pl.String:
            total += int(series.str.len_bytes().cast(pl.UInt64).sum() or 0)
        elif isinstance(dtype, pl.Categorical | pl.Enum):  # each distinct text times its count
            counts = series.drop_nulls().value_counts(name="n")
            lengths = counts.get_column(column).cast(pl.String).str.len_bytes().cast(pl.UInt64)
            total += int((lengths * counts.get_column("n").cast(pl.UInt64)).sum() or 0)
    return total


def read_parquet(name: str, data: bytes, limits: ImportLimits) -> pl.DataFrame:
    """The file's table, checked against the limits before and after it is read."""
    parquet_columns(name, data, limits)
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:  # polars and arrow errors alike
        raise unreadable(name, exc) from exc
    if (size := text_bytes(frame)) > limits.unpacked_bytes:
        raise unpacked_too_large(name, size, limits.unpacked_bytes, _("Parquet file"))
    return frame
