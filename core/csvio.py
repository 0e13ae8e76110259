"""Strict CSV reading and safe CSV writing for the command line."""
from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path
from typing import Iterable, Sequence, TextIO

from core.errors import InputError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Characters never printed or exported as they are: C0 controls but tab and newline (ESC starts a
# terminal escape sequence; most are illegal in an .xlsx cell), DEL, C1 controls (CSI is 0x9B), and the
# invisible format characters that reorder or hide text (bidirectional overrides and isolates,
# zero-width spaces and joiners, the byte order mark).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def read_rows(path: str | Path, required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file with a header row, as (row number, {column: text}); the header is row 1.

    Column names are matched without regard to case or surrounding spaces. Raises InputError
    naming the row and column for a missing file, a file that is not UTF-8, a missing column
    or a row with the wrong number of fields.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8") from None
    if "\x00" in text:
        raise InputError(f"{path} is not a CSV text file (it holds NUL bytes)")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{path} is empty; expected a header row with {', '.join(required)}", row=1) from None
    except csv.Error as exc:
        raise InputError(f"{path}: malformed CSV: {exc}", row=1) from None
    names = [h.strip().lower() for h in header]
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise InputError(f"{path}: the header names {repeated[0]!r} more than once", row=1, column=repeated[0])
    for col in required:
        if col not in names:
            raise InputError(f"{path}: the header has no column {col!r} (found: {', '.join(header)})", row=1, column=col)
    rows = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(names):
                raise InputError(f"{path}: expected {len(names)} fields, found {len(values)}", row=line)
            rows.append((line, {n: v.strip() for n, v in zip(names, values)}))
    except csv.Error as exc:
        raise InputError(f"{path}: malformed CSV: {exc}", row=reader.line_num) from None
    return rows


def printable(text: str) -> str:
    """The text with every control and invisible format character shown as an escape (ESC as
    ``\\x1b``, U+202E as ``\\u202e``): safe on a terminal, in a CSV file and in an .xlsx cell, and
    the stored value can still be read from it. Text stored before such characters were refused at
    import passes through here on every way out."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def _escape(m: re.Match) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_cell(value) -> str:
    """Text for a CSV or spreadsheet cell that a spreadsheet will not run as a formula, with control
    characters escaped (``printable``)."""
    if value is None:
        return ""
    text = printable(str(value))
    if text.startswith(FORMULA_PREFIXES) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def safe_frame(frame):
    """A copy of a pandas table for export: every text cell, column label and index label made safe
    (``safe_cell``); numbers, dates and booleans left as they are."""
    def safe(v):
        return safe_cell(v) if isinstance(v, str) else v

    out = frame.map(safe)
    out.columns = [safe(c) for c in out.columns] if not hasattr(out.columns, "levels") else out.columns.map(lambda t: tuple(safe(x) for x in t))
    out.index = out.index.map(safe) if not hasattr(out.index, "levels") else out.index.map(lambda t: tuple(safe(x) for x in t))
    return out


def write_rows(columns: Sequence[str], rows: Iterable[dict], out: TextIO | None = None) -> None:
    """CSV with a header row on stdout (or ``out``), cells made safe against formula injection."""
    writer = csv.writer(out or sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])
