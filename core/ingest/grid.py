"""Sheets as grids: the heading row and the non-blank rows below it, with their row numbers.

Workbooks are read with openpyxl's read-only mode (fast, streaming) and ``data_only=False``, so
that a formula is seen as a formula (``Formula``) rather than as the value it last computed.
CSV files are read strictly: UTF-8, comma-separated, every quoted field closed. Both stop early
on a sheet that is too large, with one finding rather than thousands.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from core.ingest import findings as F
from core.ingest.findings import Findings
from core.ingest.spec import MAX_COLUMNS, MAX_SCANNED_ROWS


class Formula(str):
    """A cell holding a formula (its text, e.g. ``=IF(A1,"Yes","No")``): never accepted as data."""


class CellError(str):
    """A cell holding a spreadsheet error value such as ``#N/A`` or ``#REF!``."""


@dataclass
class Grid:
    """One sheet (or a CSV file): its heading row and its non-blank rows, padded to one width."""

    sheet: str | None  # None for a CSV file
    header: tuple = ()
    rows: list[tuple[int, tuple]] = field(default_factory=list)  # (row number as the sheet shows it, values)
    complete: bool = True  # False where reading stopped early (a finding says why)

    @property
    def width(self) -> int:
        return len(self.header)

    @property
    def unread(self) -> bool:
        """True where the sheet was refused before its heading row was read (a finding says why)."""
        return not self.complete and not self.header


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def show(value, limit: int = 60) -> str:
    """A cell's value as a message quotes it."""
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, dt.datetime):
        text = value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- workbooks --------------------------------------------------------------------------------

def read_sheet(ws, name: str, max_rows: int, findings: Findings) -> Grid:
    """The heading row and up to ``max_rows`` non-blank rows of a read-only worksheet."""
    grid = Grid(name)
    rows, cols = ws.max_row, ws.max_column  # from the sheet's <dimension>; may be absent or wrong
    if (rows or 0) > MAX_SCANNED_ROWS or (cols or 0) > MAX_COLUMNS:
        span = f"{rows:,} rows" if (rows or 0) > MAX_SCANNED_ROWS else f"{cols:,} columns"
        findings.add(F.SHEET_TOO_LARGE, f"the sheet spans {span} (A1:{get_column_letter(min(cols or 1, 16384))}{rows}); "
                                        f"a template has at most {max_rows:,} rows below its heading and {MAX_COLUMNS} columns: "
                                        "delete the rows and columns beyond your data", sheet=name)
        grid.complete = False
        return grid
    # A <dimension> may be wrong as well as absent: trusted, a short one would hide rows. So forget
    # it, and bound the walk ourselves: the heading row's width (or the declared one, if wider) and
    # MAX_SCANNED_ROWS rows.
    ws.reset_dimensions()
    heading = next(ws.iter_rows(min_row=1, max_row=1, max_col=MAX_COLUMNS), ())
    grid.header = _trim(tuple(_value(c) for c in heading))
    width = max(len(grid.header), min(cols or 0, MAX_COLUMNS), 1)
    scanned = 1  # openpyxl yields a row for every row number, filling gaps, so this is the row number
    for cells in ws.iter_rows(min_row=2, max_col=width):
        scanned += 1
        values = tuple(_value(c) for c in cells)
        if scanned > MAX_SCANNED_ROWS:
            findings.add(F.SHEET_TOO_LARGE, f"more than {MAX_SCANNED_ROWS:,} rows; delete the rows beyond your data", sheet=name)
            grid.complete = False
            break
        if all(is_blank(v) for v in values):
            continue
        if len(grid.rows) >= max_rows:
            findings.add(F.TOO_MANY_ROWS, f"more than {max_rows:,} rows below the heading; one file holds at most {max_rows:,}",
                         sheet=name)
            grid.complete = False
            break
        grid.rows.append((scanned, values))
    return grid


def _value(cell):
    value = cell.value
    if value is None:
        return None
    kind = cell.data_type
    if kind == "f":
        return Formula(value)
    if kind == "e":
        return CellError(value)
    return value


def _trim(header: tuple) -> tuple:
    """The heading row without trailing blank cells."""
    end = len(header)
    while end and is_blank(header[end - 1]):
        end -= 1
    return header[:end]


# -- CSV --------------------------------------------------------------------------------------

_DELIMITERS = {";": "semicolons (;)", "\t": "tabs"}


def _other_delimiter(header: list[str]) -> str | None:
    """How the heading row is separated, where it holds no comma but a semicolon or a tab."""
    if len(header) != 1:
        return None
    for mark, name in _DELIMITERS.items():
        if mark in header[0]:
            return name
    return None


def read_csv(data: bytes, file_name: str, max_rows: int, findings: Findings) -> Grid | None:
    """A CSV file as a grid: strictly UTF-8 (a byte-order mark is allowed), heading row first."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        findings.add(F.NOT_UTF8, f"{file_name} is not UTF-8 text (byte {exc.start:,} is 0x{data[exc.start]:02X}); "
                                 "save it as 'CSV UTF-8 (Comma delimited)'")
        return None
    if "\x00" in text:
        findings.add(F.BAD_CSV, f"{file_name} holds NUL bytes: it is not a CSV text file")
        return None
    grid = Grid(None)
    # strict: an unclosed quote is an error, not a field that swallows the rest of the file
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number, start = 0, 1  # the row being read, and the line it starts on (a quoted field may span lines)
    try:
        for values in reader:
            number, start = number + 1, reader.line_num + 1
            if number == 1:
                if _other_delimiter(values):
                    findings.add(F.BAD_CSV, f"{file_name} must be comma-separated, but its heading row is separated by "
                                            f"{_other_delimiter(values)}: save it as 'CSV UTF-8 (Comma delimited)'", row=1)
                    return None
                if len(values) > MAX_COLUMNS:
                    findings.add(F.SHEET_TOO_LARGE, f"the heading row has {len(values):,} columns; at most {MAX_COLUMNS}", row=1)
                    grid.complete = False
                    return grid
                grid.header = _trim(tuple(v.strip() or None for v in values))
                continue
            if not any(v.strip() for v in values):
                continue
            if len(grid.rows) >= max_rows:
                findings.add(F.TOO_MANY_ROWS, f"more than {max_rows:,} rows below the heading; one file holds at most {max_rows:,}")
                grid.complete = False
                break
            if len(values) > grid.width and any(v.strip() for v in values[grid.width:]):
                findings.add(F.BAD_CSV, f"{len(values)} fields, but the heading row has {grid.width}", row=number)
            values = values[: grid.width] + [""] * (grid.width - len(values))
            grid.rows.append((number, tuple(v if v.strip() else None for v in values)))
    except csv.Error as exc:
        # nothing more is checked: the rows read so far are not the file's rows
        if str(exc) == "unexpected end of data":  # the file ends inside a quoted field
            findings.add(F.BAD_CSV, f'malformed CSV: a quoted field that starts on line {start:,} is never closed (a " without '
                                    'its closing "); every quote that opens a field must close it', row=number + 1)
        else:
            findings.add(F.BAD_CSV, f"malformed CSV on line {reader.line_num:,}: {exc}", row=reader.line_num)
        return None
    if not grid.header:
        findings.add(F.NO_DATA, f"{file_name} has no heading row", row=1)
    return grid
