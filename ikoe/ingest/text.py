"""Text files as users bring them: encoding detection and CSV conventions (docs/domain.md §6).

Detection order: a UTF-8 byte-order mark means UTF-8; otherwise strict UTF-8; otherwise
Windows-1252 (the encoding of German Excel and of GENESIS-Online exports).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from ikoe.errors import ImportFailed

UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # "utf-8-sig", "utf-8" or "cp1252"


def decode_bytes(data: bytes, file: str = "") -> DecodedText:
    """Decode file contents by the detection order of docs/domain.md §6.

    >>> decode_bytes(b"\\xef\\xbb\\xbfa;b").encoding
    'utf-8-sig'
    >>> decode_bytes("Größe".encode("utf-8")).encoding
    'utf-8'
    >>> decode_bytes("Größe".encode("cp1252"))
    DecodedText(text='Größe', encoding='cp1252')
    """
    if data.startswith(UTF8_BOM):
        try:
            return DecodedText(data[len(UTF8_BOM) :].decode("utf-8"), "utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _encoding_error(file, data, exc.start + len(UTF8_BOM)) from exc
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _encoding_error(file, data, exc.start) from exc
    if "\x00" in text:
        raise _encoding_error(file, data, text.index("\x00"))
    return DecodedText(text, "cp1252")


CODECS = {"utf-8-sig": "utf-8", "utf-8": "utf-8", "cp1252": "cp1252"}  # after the mark is cut off
_CHUNK = 1 << 20


def detect_encoding(data: bytes, file: str = "") -> str:
    """The encoding :func:`decode_bytes` reads ``data`` with (the same rules), found without
    holding the text: for reading only the first lines of a large file.

    >>> detect_encoding("Größe".encode("cp1252")), detect_encoding(b"plain")
    ('cp1252', 'utf-8')
    """
    if data.startswith(UTF8_BOM):
        if not _valid(data, len(UTF8_BOM), "utf-8"):
            try:
                data[len(UTF8_BOM) :].decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _encoding_error(file, data, exc.start + len(UTF8_BOM)) from exc
        return "utf-8-sig"
    if _valid(data, 0, "utf-8"):
        return "utf-8"
    for start in range(0, len(data), _CHUNK):
        chunk = data[start : start + _CHUNK]
        try:
            chunk.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise _encoding_error(file, data, start + exc.start) from exc
        if (nul := chunk.find(b"\x00")) >= 0:
            raise _encoding_error(file, data, start + nul)
    return "cp1252"


def _valid(data: bytes, start: int, codec: str) -> bool:
    decoder = codecs.getincrementaldecoder(codec)()
    view = memoryview(data)
    try:
        for at in range(start, len(data), _CHUNK):
            decoder.decode(view[at : at + _CHUNK], final=at + _CHUNK >= len(data))
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def decode_prefix(data: bytes, encoding: str, size: int) -> tuple[str, bool]:
    """The text of about the first ``size`` bytes (after a byte-order mark), and whether that is
    the whole file. A character cut at the end is left out."""
    start = len(UTF8_BOM) if encoding == "utf-8-sig" else 0
    whole = start + size >= len(data)
    decoder = codecs.getincrementaldecoder(CODECS[encoding])()
    return decoder.decode(data[start : start + size], final=whole), whole


def _encoding_error(file: str, data: bytes, offset: int) -> ImportFailed:
    row = data[:offset].count(b"\n") + 1
    return ImportFailed.single(
        "encoding",
        _(
            "The file is neither UTF-8 nor Windows-1252 text (byte %(offset)d). "
            "Save it as CSV (UTF-8) or CSV (semicolon-separated) and try again."
        )
        % {"offset": offset},
        file=file,
        row=row,
    )


def read_bytes(path: str | Path) -> bytes:
    """The file's contents; a file that cannot be read is a problem for the user, not a crash."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ImportFailed.single(
            "unreadable",
            _("The file cannot be read: %(reason)s") % {"reason": exc.strerror},
            file=str(path),
        ) from exc


def read_text(path: str | Path) -> DecodedText:
    return decode_bytes(read_bytes(path), str(path))


@dataclass(frozen=True)
class CsvConventions:
    """How a CSV file writes its fields and numbers."""

    delimiter: str
    decimal: str  # "," (German) or "." (English)

    @property
    def german(self) -> bool:
        return self.delimiter == ";"


def detect_conventions(text: str) -> CsvConventions:
    """Semicolon-separated files use the decimal comma; comma-separated ones the point.

    >>> detect_conventions("a;b\\n1,5;2")
    CsvConventions(delimiter=';', decimal=',')
    >>> detect_conventions("a,b\\n1.5,2")
    CsvConventions(delimiter=',', decimal='.')
    >>> detect_conventions("a\\tb\\n1.5\\t2").delimiter
    '\\t'
    """
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ";"))
    if counts[delimiter] == 0:
        delimiter = ";" if ";" in text else ","
    return CsvConventions(delimiter, "," if delimiter == ";" else ".")


def parse_number(raw: str, decimal: str) -> float:
    """Parse a number written with the given decimal mark; thousands separators are allowed.

    Raises ``ValueError`` when the text is not a number.

    >>> parse_number("1.234,5", ",")
    1234.5
    >>> parse_number("39,4", ",")
    39.4
    >>> parse_number("1,234.5", ".")
    1234.5
    >>> parse_number("-0.5", ".")
    -0.5
    """
    text = raw.strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        raise ValueError("empty")
    text = text.replace(".", "").replace(",", ".") if decimal == "," else text.replace(",", "")
    return float(text)


@dataclass
class CsvTable:
    """A parsed CSV file: header, rows (each with its row number in the file)."""

    file: str
    encoding: str
    conventions: CsvConventions
    header: list[str]
    rows: list[tuple[int, list[str]]]


def read_csv(path: str | Path, *, text: DecodedText | None = None) -> CsvTable:
    """Read a CSV file with detected encoding and conventions. Blank lines are skipped.

    Rows are numbered as a spreadsheet shows them: the header is row 1.
    """
    decoded = text or read_text(path)
    name = str(path)
    if not decoded.text.strip():
        raise ImportFailed.single("empty", _("The file is empty."), file=name)
    conventions = detect_conventions(decoded.text)
    reader = csv.reader(io.StringIO(decoded.text), delimiter=conventions.delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip() for cell in row]
                continue
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ImportFailed.single(
            "csv",
            _("The file is not valid CSV: %(reason)s") % {"reason": exc},
            file=name,
            row=reader.line_num,
        ) from exc
    assert header is not None
    return CsvTable(name, decoded.encoding, conventions, header, rows)


def fold(text: str) -> str:
    """Lower case, NFC, umlauts spelled out: the base of every comparison of headings.

    >>> fold(" Größe ")
    'groesse'
    """
    text = unicodedata.normalize("NFC", text).strip().lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return text


def header_key(name: str) -> str:
    """How headings are compared everywhere (survey files, mappings, reference CSV).

    >>> header_key("  Führungs_Kraft ")
    'fuehrungs kraft'
    >>> header_key("career-group") == header_key("Career Group")
    True
    """
    return " ".join(re.sub(r"[_\-]", " ", fold(name)).split())
