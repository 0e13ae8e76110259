"""Sheets as grids: the heading row and the non-blank rows below it, with their row numbers.

Workbooks are read with python-calamine, after the scan of their XML (``core.ingest.scan``) has
checked the limits and found the formulas and error cells: a formula is seen as a formula
(``Formula``) rather than as the value it last computed.
CSV files are read strictly: UTF-8, comma-separated, every quoted field closed. Both stop early
on a sheet that is too large, with one finding rather than thousands.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from core import findings as F
from core.findings import Findings, show
from core.names import canonical_text, text_problems
from core.ingest.scan import SheetScan
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
    plain_rows: set[int] = field(default_factory=set)  # rows known to hold only printable ASCII text: check_text skips them
    values_only: bool = False  # True where no cell holds a Formula or CellError (so cells equal as values are alike)

    @property
    def width(self) -> int:
        return len(self.header)

    @property
    def unread(self) -> bool:
        """True where the sheet was refused before its heading row was read (a finding says why)."""
        return not self.complete and not self.header


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- workbooks --------------------------------------------------------------------------------

def grid_from_values(name: str, values: list[list], scan: SheetScan, max_rows: int, findings: Findings) -> Grid:
    """The heading row and up to ``max_rows`` non-blank rows of a sheet, from the values python-calamine
    read (row 1 first, column A first, ``""`` for an empty cell) and what the scan of its XML found:
    formulas and error values take the place of the values they last computed; a value in a column
    past the last heading is reported at its cell; every text is checked (``check_text``)."""
    grid = Grid(name)
    special = _special_cells(scan)
    grid.values_only = not special
    heading = [None if v == "" else v for v in values[0][:MAX_COLUMNS]] if values else []
    _overlay(heading, special.get(1))
    grid.header = _trim(tuple(heading))
    width = len(grid.header)
    unheaded: set[int] = set()
    grid.plain_rows = set()
    for number, row in enumerate(values[1:], start=2):
        try:  # most rows are all text (calamine gives "" for an empty cell): checked at once, in C
            joined = "".join(row)
        except TypeError:  # a number or a date among them: check_text looks cell by cell
            plain = False
            cells = [None if v == "" else v for v in row]
        else:
            plain = joined.isascii() and joined.isprintable()
            cells = [v or None for v in row]  # all text: "" is the only one that is false
        if number in special:
            _overlay(cells, special[number])
        if number > MAX_SCANNED_ROWS:
            findings.add(F.SHEET_TOO_LARGE, f"more than {MAX_SCANNED_ROWS:,} rows; delete the rows beyond your data", sheet=name)
            grid.complete = False
            break
        if len(cells) > width:
            for i in range(width, len(cells)):
                if i not in unheaded and not is_blank(cells[i]):
                    unheaded.add(i)
                    findings.add(F.UNHEADED_VALUE, f"{_describe(cells[i])} past the last heading (column {get_column_letter(width)}); "
                                                   "give the column a heading, or clear it", name, number, i + 1)
            del cells[width:]
        elif len(cells) < width:
            cells.extend([None] * (width - len(cells)))
        if _blank_row(cells):
            continue
        if len(grid.rows) >= max_rows:
            findings.add(F.TOO_MANY_ROWS, f"more than {max_rows:,} rows below the heading; one file holds at most {max_rows:,}",
                         sheet=name)
            grid.complete = False
            break
        if plain and number not in special:
            grid.plain_rows.add(number)
        grid.rows.append((number, tuple(cells)))
    return grid


def _blank_row(cells: list) -> bool:
    for v in cells:  # most rows end this at their first cell
        if v is not None and not (v.__class__ is str and not v.strip()):
            return False
    return True


def _special_cells(scan: SheetScan) -> dict[int, list[tuple[int, object]]]:
    out: dict[int, list[tuple[int, object]]] = {}
    for (row, col), text in scan.errors.items():
        out.setdefault(row, []).append((col, CellError(text)))
    for (row, col), text in scan.formulas.items():  # a formula wins over the error it computed
        out.setdefault(row, []).append((col, Formula(text)))
    return out


def _overlay(cells: list, special: list[tuple[int, object]] | None) -> None:
    for col, value in special or ():
        if col > len(cells):
            cells.extend([None] * (col - len(cells)))
        cells[col - 1] = value


def _describe(value) -> str:
    if isinstance(value, Formula):
        return f"a formula ({show(value)})"
    return f'"{show(value)}"'


def _trim(header: tuple) -> tuple:
    """The heading row without trailing blank cells."""
    end = len(header)
    while end and is_blank(header[end - 1]):
        end -= 1
    return header[:end]


# -- text ------------------------------------------------------------------------------------

NAME_COLUMNS = ("case_id", "unit", "region")  # one line, one script: what a look-alike could fake


def check_text(grid: Grid, findings: Findings, inspection_sheet: bool = False) -> None:
    """Every text of the grid in its canonical form (NFKC), and a finding at each cell holding a
    character refused in text from people (``core.names.text_problems``): a control, invisible or
    direction-changing character anywhere, and letters of two scripts in a name. On the Inspection
    sheet a field's name is in column A and its value in column B."""
    if not inspection_sheet:
        grid.header = _checked(grid, 1, grid.header, findings, False)
    plain = grid.plain_rows
    for k, (number, cells) in enumerate(grid.rows):
        if number in plain:
            continue
        texts = [v for v in cells if v.__class__ is str]
        joined = "".join(texts)
        if joined.isascii() and joined.isprintable():
            continue  # plain printable ASCII: already canonical, nothing refused
        grid.rows[k] = (number, _checked(grid, number, cells, findings, inspection_sheet))
    if inspection_sheet and grid.header:
        grid.header = _checked(grid, 1, grid.header, findings, True)


def _checked(grid: Grid, number: int, cells: tuple, findings: Findings, inspection_sheet: bool) -> tuple:
    out = list(cells)
    for i, value in enumerate(cells):
        if value.__class__ is not str or (value.isascii() and value.isprintable()):
            continue
        text = canonical_text(value)
        out[i] = text
        what, name = _what(grid, number, cells, i, inspection_sheet)
        problems = text_problems(text, name)
        if problems:
            heading = grid.header[i] if number > 1 and i < len(grid.header) and not inspection_sheet else None
            findings.add(F.BAD_CHARACTER, f"{what} holds {' and '.join(problems)}", grid.sheet, number, i + 1,
                         str(heading) if heading is not None else None)
    return tuple(out)


def _what(grid: Grid, number: int, cells: tuple, i: int, inspection_sheet: bool) -> tuple[str, bool]:
    """How a finding names the text at ``cells[i]``, and whether it is a name."""
    if inspection_sheet:
        field = canonical_text(str(cells[0])).strip().lower() if cells and cells[0] is not None else ""
        if i == 0:
            return "the field name", False
        if field in ("unit", "region") and i == 1:
            return f"the {field} name", True
        return (f"the {field}" if field else "the value"), False
    if number == 1:
        return "the heading", False
    heading = grid.header[i] if i < len(grid.header) else None
    label = canonical_text(str(heading)).strip() if heading is not None else ""
    key = label.lower()
    if key in NAME_COLUMNS:
        return ("the case id" if key == "case_id" else f"the {key} name"), True
    return (f"the {label} value" if label else "the value"), False


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
    grid = Grid(None, values_only=True)
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
                first = grid.width + next(i for i, v in enumerate(values[grid.width:]) if v.strip())  # the first value past the headings
                findings.add(F.BAD_CSV, f"{len(values)} fields, but the heading row has {grid.width}: a value with no heading",
                             row=number, column=first + 1)
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
