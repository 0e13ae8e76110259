"""Strict CSV reading and safe CSV writing for the command line."""
from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Iterable, Sequence, TextIO

from core.errors import InputError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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


def safe_cell(value) -> str:
    """Text for a CSV or spreadsheet cell that a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_rows(columns: Sequence[str], rows: Iterable[dict], out: TextIO | None = None) -> None:
    """CSV with a header row on stdout (or ``out``), cells made safe against formula injection."""
    writer = csv.writer(out or sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])
