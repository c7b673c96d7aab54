"""Excel workbooks (XLSX) are inspected before the Excel reader sees them.

An XLSX file is a zip archive of XML parts. Two kinds of file make the reader (calamine, through
fastexcel) take gigabytes of memory while the file itself is small:

* parts that unpack to far more than they weigh: a sheet of millions of identical rows packs a
  thousand times smaller (a "zip bomb");
* a sheet whose cells lie far apart: the reader holds every cell of the rectangle from the first
  to the last cell, so two cells in A1 and XFD1048576 ask for 17 billion cells (the process is
  killed, the server with it).

:func:`check_workbook` therefore looks at the archive first and refuses, before anything is
unpacked, a workbook with too many parts, parts that unpack to more than the limit together
(their declared sizes), parts packed more tightly than any real table is, and encrypted or
unusually compressed parts. It then unpacks every part once as a stream, never holding it,
counts what really comes out (a part that unpacks to more than it declares is damaged or
forged); then it follows the cells of the first sheet, unpacked once more, and the rows and
columns they span: the sheet's ``<dimension ref=…>`` first, then every cell reference, with
fast searches for a reference beyond the largest seen so far. It stops as soon as a limit is
passed.

:func:`read_header_row` reads only the header row for the column-mapping step: it gives the
Excel reader a copy of the workbook whose first sheet ends after the first row with a value, so
the headings are exactly those an import reads (numbers, dates and yes/no as the reader writes
them) without reading the rows.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from itertools import repeat
from operator import add, sub
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from django.utils.translation import gettext as _

from ikoe.errors import ImportFailed, excerpt
from ikoe.ingest.limits import (
    ImportLimits,
    count,
    too_many_cells,
    too_many_columns,
    too_many_rows,
    unpacked_too_large,
)

if TYPE_CHECKING:
    import polars as pl

MAX_PARTS = 10_000  # an Excel workbook has a few dozen parts
RATIO_FLOOR = 1024 * 1024  # parts smaller than this unpacked are not judged by their packing
SMALL_PART = 50 * 1024 * 1024  # workbook.xml and its relationships are read whole up to this
CHUNK = 1 << 20  # unpacked bytes handled at once
HEADER_SCAN = 32 * 1024 * 1024  # how far into a sheet the first row with a value is looked for

_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # zip local file header, 30 bytes
_END_RECORD = struct.Struct("<4s4H2LH")  # zip end of central directory, 22 bytes


def _unreadable(name: str, reason: object) -> ImportFailed:
    return ImportFailed.single(
        "xlsx",
        _("The file cannot be read as an Excel workbook (XLSX): %(reason)s") % {"reason": reason},
        file=name,
    )


def _damaged(name: str) -> ImportFailed:
    return ImportFailed.single(
        "xlsx_damaged",
        _(
            "The Excel workbook is damaged: a part of it unpacks to more than the file says, or "
            "appears twice. Open it in Excel or LibreOffice, save it again as .xlsx and try again."
        ),
        file=name,
    )


# ---------------------------------------------------------------------------------------------
# The archive


def _part_count(data: bytes) -> int | None:
    """The number of parts the zip archive's end record announces (``None``: no end record)."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_535 - _END_RECORD.size))
    if at < 0 or at + _END_RECORD.size > len(data):
        return None
    return int(_END_RECORD.unpack_from(data, at)[4])


def _open(data: bytes, name: str, limits: ImportLimits) -> zipfile.ZipFile:
    parts = _part_count(data)
    if parts is not None and (parts >= MAX_PARTS or parts == 0xFFFF):
        raise ImportFailed.single(
            "xlsx_parts",
            _(
                "The file holds %(count)s parts; an Excel workbook has a few dozen. It is not "
                "read, as a precaution."
            )
            % {"count": count(parts)},
            file=name,
        )
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise _unreadable(name, exc) from exc


def _check_declared(archive: zipfile.ZipFile, name: str, limits: ImportLimits) -> None:
    infos = archive.infolist()
    if len({info.filename for info in infos}) < len(infos):
        raise _damaged(name)  # two parts of one name: which one a reader takes is not certain
    declared = sum(info.file_size for info in infos)
    if declared > limits.unpacked_bytes:
        raise unpacked_too_large(name, declared, limits.unpacked_bytes, _("Excel workbook"))
    for info in infos:
        if info.flag_bits & 0x1:
            raise ImportFailed.single(
                "xlsx_encrypted",
                _(
                    "The Excel workbook is protected with a password. Remove the password "
                    "(File > Info > Protect Workbook), save it and try again."
                ),
                file=name,
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ImportFailed.single(
                "xlsx_compression",
                _(
                    "The Excel workbook is packed in a way spreadsheet programs do not use "
                    "(method %(method)d). Open it in Excel or LibreOffice, save it again as .xlsx "
                    "and try again."
                )
                % {"method": info.compress_type},
                file=name,
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > limits.packing_ratio:
            raise ImportFailed.single(
                "xlsx_ratio",
                _(
                    "The part “%(part)s” of the Excel workbook unpacks to %(ratio)s times its "
                    "packed size (%(size)s MB); real tables pack at most about %(limit)s times "
                    "smaller. The file is not read, as a precaution."
                )
                % {
                    "part": info.filename,
                    "ratio": count(ratio),
                    "size": count(info.file_size / (1024 * 1024)),
                    "limit": count(limits.packing_ratio),
                },
                file=name,
            )


def _inflate(data: bytes, info: zipfile.ZipInfo, name: str) -> Iterator[bytes]:
    """The unpacked bytes of one part in pieces of at most CHUNK bytes, read from the packed
    stream itself (not trusting the declared size); raises when more comes out than declared."""
    at = info.header_offset
    if at + _LOCAL_HEADER.size > len(data):
        raise _unreadable(name, _("a part lies outside the file"))
    fields = _LOCAL_HEADER.unpack_from(data, at)
    if fields[0] != b"PK\x03\x04":
        raise _unreadable(name, _("a part has no valid header"))
    start = at + _LOCAL_HEADER.size + fields[9] + fields[10]
    packed = memoryview(data)[start : start + info.compress_size]
    produced = 0
    if info.compress_type == zipfile.ZIP_STORED:
        pieces: Iterator[bytes] = (
            bytes(packed[i : i + CHUNK]) for i in range(0, len(packed), CHUNK)
        )
    else:
        pieces = _deflate_pieces(packed, name)
    for piece in pieces:
        produced += len(piece)
        if produced > info.file_size:
            raise _damaged(name)
        yield piece


def _deflate_pieces(packed: memoryview, name: str) -> Iterator[bytes]:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for i in range(0, len(packed), 64 * 1024):
            pending = bytes(packed[i : i + 64 * 1024])
            while pending:
                piece = inflater.decompress(pending, CHUNK)
                pending = inflater.unconsumed_tail
                if piece:
                    yield piece
            if inflater.eof:
                return
        while tail := inflater.decompress(b"", CHUNK):
            yield tail
    except zlib.error as exc:
        raise _unreadable(name, exc) from exc


def _read_small(data: bytes, archive: zipfile.ZipFile, member: str, name: str) -> bytes | None:
    try:
        info = archive.getinfo(member)
    except KeyError:
        return None
    if info.file_size > SMALL_PART:
        raise unpacked_too_large(name, info.file_size, SMALL_PART, _("Excel workbook"))
    return b"".join(_inflate(data, info, name))


def _first_sheet_of(workbook: bytes, rels: bytes) -> str | None:
    """The part name of the workbook's first sheet (the one the import reads)."""
    try:
        root = ElementTree.fromstring(workbook)
        first = root.find(f"{_SHEET_NS}sheets/{_SHEET_NS}sheet")
        if first is None:
            return None
        rel_id = first.get(f"{_REL_NS}id")
        relations = ElementTree.fromstring(rels)
    except ElementTree.ParseError:
        return None
    target = next((r.get("Target", "") for r in relations if r.get("Id") == rel_id), "")
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def first_sheet(archive: zipfile.ZipFile) -> str | None:
    """The part name of the first sheet of an archive that passed :func:`check_workbook`."""
    try:
        return _first_sheet_of(
            archive.read("xl/workbook.xml"), archive.read("xl/_rels/workbook.xml.rels")
        )
    except (KeyError, zipfile.BadZipFile):
        return None


# ---------------------------------------------------------------------------------------------
# The first sheet: rows and columns spanned by its cells


def column_number(letters: bytes) -> int:
    """Spreadsheet column letters as a number: A → 1, Z → 26, AA → 27.

    >>> column_number(b"A"), column_number(b"AA"), column_number(b"xfd")
    (1, 27, 16384)
    """
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def column_letters(number: int) -> str:
    """Column numbers as spreadsheet letters.

    >>> column_letters(1), column_letters(27), column_letters(16384)
    ('A', 'AA', 'XFD')
    """
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# An ``r`` attribute as the XML rules allow it (spaces around "=", either quote); its value is a
# cell reference (letters, then digits) or, on a row, a row number.
_REF = rb"""r\s*=\s*["']"""
_REF_LETTERS = re.compile(_REF + rb"([A-Za-z]+)[0-9]")
_REF_NUMBER = re.compile(_REF + rb"[A-Za-z]*([0-9]+)")
_DIMENSION = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref\s*=\s*["']([^"']*)["']""")
# Anything that makes a block of the sheet "unusual": a comment, processing instruction or CDATA
# section, or a cell or row whose first attribute is not ``r="…"`` (or that has none). Excel,
# LibreOffice and the usual libraries never write them; such blocks are counted row by row.
_UNUSUAL = r"""<[!?]|[<:](?:c|row)(?:>|\s(?:[^r]|r[^=]|r=[^"]))"""
_PROLOG = re.compile(rb"\s*<\?xml[^>]*\?>")
_HIDDEN = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>", re.S)
_SHEET_DATA_PREFIX = re.compile(rb"<([A-Za-z_][\w.-]*:)?sheetData[\s>/]")


def _letters_above(letters: str) -> str:
    """An RE2 pattern for column letters that stand for a column right of ``letters``."""
    k = len(letters)
    options = [f"[A-Za-z]{{{k + 1},}}"]
    for i, letter in enumerate(letters):
        if letter == "Z":
            continue
        prefix = "".join(f"[{c}{c.lower()}]" for c in letters[:i])
        nxt = chr(ord(letter) + 1)
        rest = k - i - 1
        options.append(
            prefix + f"[{nxt}-Z{nxt.lower()}-z]" + (f"[A-Za-z]{{{rest}}}" if rest else "")
        )
    return "(?:" + "|".join(options) + ")"


def _number_above(number: int) -> str:
    """An RE2 pattern for a whole number (leading zeros allowed) greater than ``number``."""
    digits = str(number)
    d = len(digits)
    options = [f"[1-9][0-9]{{{d},}}"]
    for i, digit in enumerate(digits):
        if digit == "9":
            continue
        rest = d - i - 1
        options.append(digits[:i] + f"[{int(digit) + 1}-9]" + (f"[0-9]{{{rest}}}" if rest else ""))
    return "0*(?:" + "|".join(options) + ")"


def _matches(pattern: str, block: bytes) -> bool:
    """Whether an RE2 pattern matches somewhere in ``block`` (Arrow's regular expressions run
    in linear time, several times faster than Python's here)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return bool(pc.match_substring_regex(pa.scalar(block, pa.binary()), pattern).as_py())


class SheetScan:
    """Follows the cells of a sheet's XML, fed in pieces, and raises as soon as the rows and
    columns they span pass the limits.

    Positions follow the Excel reader: a cell's ``r`` reference, otherwise the column after the
    previous cell of its row and the row after the previous row. Usual blocks, in which every
    row and cell starts with its reference, are checked with one search: for a reference beyond
    the largest column seen so far, or beyond the largest row (taken from the block's end first,
    since rows come in order). Unusual blocks are counted row by row (:meth:`_unusual`).
    """

    def __init__(self, name: str, limits: ImportLimits) -> None:
        self.name = name
        self.limits = limits
        self.rows = 0  # the largest row number referenced (by a cell or a row)
        self.columns = 0  # the largest column referenced by a cell
        self.pending: list[bytes] = []
        self.started = False
        self.unreferenced = False  # whether a cell without a reference was seen
        self.unnumbered_rows = 0  # rows without a number so far (they count on from the last)
        self.widest = 0  # the furthest column a cell without a reference may lie in
        self.run = (0, 0)  # cells, and those with a reference, of the row a block ended in
        self.prefix = b""  # the namespace prefix of the sheet's elements, such as b"x:"

    def feed(self, piece: bytes) -> None:
        cut = piece.rfind(b">")
        if cut < 0:
            self.pending.append(piece)
            return
        block = b"".join([*self.pending, piece[: cut + 1]])
        self.pending = [piece[cut + 1 :]]
        self._block(block)

    def finish(self) -> None:
        if self.pending:
            self._block(b"".join(self.pending))
            self.pending = []

    def _block(self, block: bytes) -> None:
        if not self.started:
            self.started = True
            self._dimension(block)
            found = _SHEET_DATA_PREFIX.search(block)
            self.prefix = (found.group(1) or b"") if found else b""
            prolog = _PROLOG.match(block)  # the XML declaration makes no block unusual
            block = block[prolog.end() :] if prolog else block
        tail = _REF_NUMBER.findall(block[-4096:])
        if tail:
            self.rows = max(self.rows, max(int(n) for n in tail))
        above = (
            _REF.decode()
            + f"(?:{_letters_above(column_letters(self.columns or 1))}[0-9]"
            + f"|[A-Za-z]*{_number_above(self.rows or 1)}[\"'])"
        )
        # One search for both: usually neither is there.
        if not _matches(f"{_UNUSUAL}|{above}", block):
            self.run = (0, 0)
        elif _matches(_UNUSUAL, block):
            self._unusual(block)
        else:
            self.run = (0, 0)
            letters = set(_REF_LETTERS.findall(block))
            numbers = set(_REF_NUMBER.findall(block))
            self.columns = max(self.columns, *(column_number(c) for c in letters))
            self.rows = max(self.rows, *(int(n) for n in numbers))
        if self.unreferenced:
            self._check(self.rows + self.unnumbered_rows, max(self.columns, self.widest))
        else:
            self._check(self.rows, self.columns)

    def _unusual(self, block: bytes) -> None:
        """Counts for a block with cells or rows that lack a reference, row by row.

        A cell without a reference lies at most as far right as the cells of its row make it
        (after the largest column referenced, when the row has referenced cells too), and at
        most as far down as the largest row number plus the rows without a number. Counting
        errs on the safe side: a cell start written unusually counts as one without reference.
        """
        trusted = True
        if b"<!" in block:  # a comment or CDATA section may hold text that looks like tags
            block = _HIDDEN.sub(b"", block)
            trusted = b"<!" not in block  # one that goes on in the next block: trust no tag
        letters = set(_REF_LETTERS.findall(block))
        numbers = set(_REF_NUMBER.findall(block))
        if letters:
            self.columns = max(self.columns, *(column_number(c) for c in letters))
        if numbers:
            self.rows = max(self.rows, *(int(n) for n in numbers))
        prefix = self.prefix
        # "row>" ends every row (</row>, </x:row>) and starts those without attributes (<row>).
        pieces = block.split(b"row>")
        size = len(pieces)
        cells = list(
            map(
                add,
                map(bytes.count, pieces, repeat(b"<c", size)),
                map(bytes.count, pieces, repeat(b":c", size)),
            )
        )
        if prefix:  # the prefixed end tags </x:c> hold ":c" too
            cells = list(map(sub, cells, map(bytes.count, pieces, repeat(b"</" + prefix + b"c>"))))
        referenced = (
            list(map(bytes.count, pieces, repeat(b"<" + prefix + b'c r="', size)))
            if trusted
            else [0] * size
        )
        cells[0] += self.run[0]  # the row the previous block ended in goes on
        referenced[0] += self.run[1]
        self.run = (cells[-1], referenced[-1])
        unreferenced = list(map(sub, cells, referenced))
        if max(unreferenced) > 0:
            self.unreferenced = True
            # Without referenced cells in the row, its cells start in the first column.
            if max(referenced) == 0:
                alone, mixed = max(cells), 0
            else:
                alone = max((n for n, r in zip(cells, referenced, strict=True) if not r), default=0)
                mixed = max(
                    (u for u, r in zip(unreferenced, referenced, strict=True) if r), default=0
                )
            self.widest = max(self.widest, alone, self.columns + mixed if mixed else 0)
        starts = block.count(b"<row") + block.count(b":row")
        if prefix:
            starts -= block.count(b"</" + prefix + b"row")
        numbered = block.count(b"<" + prefix + b'row r="') if trusted else 0
        self.unnumbered_rows += max(starts - numbered, 0)

    def _dimension(self, block: bytes) -> None:
        """The range the sheet declares; a declared range beyond the limits is refused at once."""
        match = _DIMENSION.search(block)
        if not match:
            return
        corners = [
            re.fullmatch(rb"\$?([A-Za-z]*)\$?([0-9]*)", c) for c in match.group(1).split(b":")
        ]
        columns = max((column_number(c.group(1)) for c in corners if c), default=0)
        rows = max((int(c.group(2)) for c in corners if c and c.group(2)), default=0)
        self._check(rows, columns)

    def _check(self, rows: int, columns: int) -> None:
        limits = self.limits
        if columns > limits.columns:
            raise too_many_columns(self.name, columns, limits.columns, row=None, excel=True)
        if rows > limits.rows:
            raise too_many_rows(self.name, rows, limits.rows, excel=True)
        if rows * columns > limits.xlsx_cells:
            raise too_many_cells(self.name, rows, columns, limits.xlsx_cells, excel=True)


def check_workbook(data: bytes, name: str, limits: ImportLimits | None = None) -> None:
    """Refuse a workbook that would take more to read than the limits allow (see the module)."""
    limits = limits or ImportLimits.current()
    archive = _open(data, name, limits)
    with archive:
        _check_declared(archive, name, limits)
        workbook = _read_small(data, archive, "xl/workbook.xml", name)
        rels = _read_small(data, archive, "xl/_rels/workbook.xml.rels", name)
        sheet = _first_sheet_of(workbook, rels) if workbook and rels else None
        # First what really comes out of every part (unpacking alone is fast), so that a forged
        # size is found before the slower look at the cells; then the first sheet's cells.
        unpacked = 0
        for info in archive.infolist():
            for piece in _inflate(data, info, name):
                unpacked += len(piece)
                if unpacked > limits.unpacked_bytes:
                    raise unpacked_too_large(name, None, limits.unpacked_bytes, _("Excel workbook"))
        if sheet is not None and sheet in archive.namelist():
            scan = SheetScan(name, limits)
            for piece in _inflate(data, archive.getinfo(sheet), name):
                scan.feed(piece)
            scan.finish()


# ---------------------------------------------------------------------------------------------
# The header row alone

_PREFIXED = rb"<([A-Za-z_][\w.-]*:)?"
_ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?row\s*>")
_SHEET_DATA = re.compile(_PREFIXED + rb"sheetData\s*(/?)>")
_ROOT = re.compile(_PREFIXED + rb"worksheet[\s>]")
_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:v|is)[\s>]")


def _header_sheet(stream: io.BufferedIOBase) -> bytes | None:
    """The sheet's XML up to the end of its first row with a value, closed again; ``None`` when
    no such row comes within HEADER_SCAN bytes."""
    buffer = bytearray()
    data_start: int | None = None
    searched = 0
    while len(buffer) <= HEADER_SCAN:
        piece = stream.read(CHUNK)
        buffer += piece
        if data_start is None:
            opening = _SHEET_DATA.search(buffer)
            if opening is None:
                if not piece:
                    return None
                continue
            if opening.group(2):  # <sheetData/>: an empty sheet
                return bytes(buffer[: opening.end()]) + _closing(buffer)
            data_start = searched = opening.end()
        for end in _ROW_END.finditer(buffer, searched):
            row = buffer[searched : end.end()]
            searched = end.end()
            if _VALUE.search(row):
                opening = _SHEET_DATA.search(buffer)
                assert opening is not None
                prefix = opening.group(1) or b""
                return (
                    bytes(buffer[: end.end()]) + b"</" + prefix + b"sheetData>" + _closing(buffer)
                )
        if not piece:
            return None
    return None


def _closing(buffer: bytearray) -> bytes:
    root = _ROOT.search(buffer)
    prefix = root.group(1) or b"" if root else b""
    return b"</" + prefix + b"worksheet>"


def read_header_row(data: bytes, name: str) -> list[str] | None:
    """The cells of the first row with a value, as the import reads them (stripped, ``""`` for
    an empty cell), without reading the other rows. Call it after :func:`check_workbook`.

    ``None`` when the workbook's structure cannot be followed this way (the caller then reads
    the sheet in full, within the limits already checked).
    """

    copy = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheet = first_sheet(archive)
            if sheet is None:
                return None
            with archive.open(sheet) as stream:
                header_xml = _header_sheet(stream)  # type: ignore[arg-type]
            if header_xml is None:
                return None
            with zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as out:
                for info in archive.infolist():
                    if info.filename == sheet:
                        out.writestr(info.filename, header_xml)
                    elif not info.filename.startswith(("xl/worksheets/", "xl/media/")):
                        out.writestr(info.filename, archive.read(info))
    except (KeyError, OSError, zipfile.BadZipFile, zlib.error):
        return None  # the full reading gives the message
    frame = read_first_sheet(copy.getvalue(), name)
    if frame.height == 0:
        return []
    return [(cell or "").strip() for cell in frame.row(0)]


def read_first_sheet(data: bytes, name: str) -> pl.DataFrame:
    """Every cell of the workbook's first worksheet as text (no header row), from the first row
    with a value on (:func:`first_row`); a workbook the reader cannot read is refused."""
    import fastexcel

    try:
        sheet = fastexcel.read_excel(data).load_sheet(0, header_row=None, dtypes="string")
        return sheet.to_polars()
    except Exception as exc:  # fastexcel raises its own errors and calamine's
        raise _unreadable(name, excerpt(exc, 300)) from exc


def first_row(data: bytes) -> int:
    """The sheet row of the first cell with a value in the first worksheet (the Excel reader
    starts there); 1 when the workbook's structure cannot be followed (e.g. for .xls)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheet = first_sheet(archive)
            if sheet is None:
                return 1
            with archive.open(sheet) as stream:
                for _event, element in ElementTree.iterparse(stream):
                    if element.tag == f"{_SHEET_NS}c" and (
                        element.find(f"{_SHEET_NS}v") is not None
                        or element.find(f"{_SHEET_NS}is") is not None
                    ):
                        match = re.search(r"\d+", element.get("r", ""))
                        return int(match.group()) if match else 1
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return 1
    return 1


def read_sheet_records(
    data: bytes, name: str, limits: ImportLimits
) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
    """The first worksheet of a workbook as rows of text, each with the row number a spreadsheet
    shows, blank rows left out: the header's row number, the header (trimmed) and the rows below
    it. The workbook, its shape and its header are checked against ``limits`` first."""
    from ikoe.ingest.limits import check_header, check_shape

    check_workbook(data, name, limits)
    frame = read_first_sheet(data, name)
    check_shape(name, frame.height, frame.width, limits)
    first = first_row(data)
    records = [
        (first + i, ["" if v is None else str(v) for v in values])
        for i, values in enumerate(frame.iter_rows())
    ]
    records = [(n, cells) for n, cells in records if any(c.strip() for c in cells)]
    if not records:
        raise ImportFailed.single("empty", _("The file is empty."), file=name)
    (header_row, header), rows = records[0], records[1:]
    header = [h.strip() for h in header]
    check_header(header, name, header_row, limits)
    return header_row, header, rows
