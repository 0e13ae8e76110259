"""Findings: the problems validation found in an uploaded file, as data.

Each finding has a stable ``type`` (for code and tests), a ``message`` (for the inspector), and
where it is: the sheet, the row, the column letter and the column's heading. ``str(finding)``
reads like ``Cases!F12: "Yse" is not one of Yes, No, N/A``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

def column_letter(number: int) -> str:
    """A spreadsheet column's letters from its number (1 -> A, 27 -> AA)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


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


MAX_LISTED = 200  # a file of junk must give a readable answer, not 100,000 lines

# Stable finding types. Pages and tests match on these, never on the wording of a message.
UNREADABLE = "unreadable-file"
EMPTY_FILE = "empty-file"
TOO_LARGE = "file-too-large"
NOT_A_WORKBOOK = "not-a-workbook"
ENCRYPTED = "encrypted-workbook"
MACRO_ENABLED = "macro-enabled"
ZIP_BOMB = "zip-bomb"
NOT_UTF8 = "not-utf8"
BAD_CSV = "malformed-csv"
MISSING_SHEET = "missing-sheet"
SHEET_TOO_LARGE = "sheet-too-large"
TOO_MANY_ROWS = "too-many-rows"
MERGED_CELLS = "merged-cells"
FORMULA = "formula"
MISSING_COLUMN = "missing-column"
UNKNOWN_COLUMN = "unknown-column"
DUPLICATE_COLUMN = "duplicate-column"
UNHEADED_VALUE = "value-without-heading"
MISSING_FIELD = "missing-field"
UNKNOWN_FIELD = "unknown-field"
DUPLICATE_FIELD = "duplicate-field"
INCONSISTENT_FIELD = "inconsistent-inspection"
UNKNOWN_FRAMEWORK = "unknown-framework"
NOT_IN_FORCE = "framework-not-in-force"  # a framework whose valid_from..valid_to misses the first day of fieldwork
UNKNOWN_TEMPLATE = "unknown-template"
UNKNOWN_REGION = "unknown-region"
WRONG_LEVEL = "wrong-level"
BAD_DATE = "bad-date"
BAD_ROUND = "bad-round"
NOT_ALLOWED = "not-allowed"  # a value outside its list (answers, attributes, kinds, sources...)
MISSING_VALUE = "missing-value"
TOO_LONG = "too-long"
MISSING_CASE_ID = "missing-case-id"
DUPLICATE_CASE_ID = "duplicate-case-id"
NO_DATA = "no-data"
UNKNOWN_CODE = "unknown-code"
BAD_NUMBER = "bad-number"
DUPLICATE_ENTRY = "duplicate-entry"
BAD_CHARACTER = "refused-character"  # a control, invisible or direction-changing character; a look-alike name
HIDDEN = "hidden-part"  # a hidden sheet, row or column where data is read
OUT_OF_SCOPE = "out-of-scope"  # a region the uploader may not load for


@dataclass(frozen=True)
class Finding:
    """One problem in an uploaded file, and where it is."""

    type: str
    message: str
    sheet: str | None = None  # None for a CSV file, or for the file as a whole
    row: int | None = None  # as the spreadsheet numbers it: the heading row is 1
    column: str | None = None  # the column letter, e.g. "F"
    header: str | None = None  # the column's heading, e.g. "P2.1.1.b"

    @property
    def cell(self) -> str | None:
        """The cell reference, e.g. ``Cases!F12`` (``F12`` in a CSV file); None if not one cell."""
        if self.row is None or self.column is None:
            return None
        return f"{self.sheet}!{self.column}{self.row}" if self.sheet else f"{self.column}{self.row}"

    @property
    def where(self) -> str:
        """The cell, else the column, row or sheet; empty for the file as a whole."""
        if self.cell:
            return self.cell
        prefix = f"{self.sheet}!" if self.sheet else ""
        if self.column is not None:
            return f"{prefix}{self.column}:{self.column}" + (f" ({self.header})" if self.header else "")
        if self.row is not None:
            return f"{prefix}{self.row}:{self.row}"
        return self.sheet or ""

    def as_dict(self) -> dict:
        return {"type": self.type, "where": self.where, "message": self.message, "sheet": self.sheet,
                "row": self.row, "column": self.column, "header": self.header, "cell": self.cell}

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class Findings:
    """Collects findings while a whole file is checked: keeps the first ``limit``, counts them all."""

    def __init__(self, limit: int = MAX_LISTED):
        self.limit = limit
        self.items: list[Finding] = []
        self.total = 0

    def add(self, type: str, message: str, sheet: str | None = None, row: int | None = None,
            column: int | str | None = None, header: str | None = None) -> None:
        self.total += 1
        if len(self.items) < self.limit:
            if isinstance(column, int):
                column = column_letter(column)
            self.items.append(Finding(type, message, sheet, row, column, header))

    def __bool__(self) -> bool:
        return self.total > 0

    def __len__(self) -> int:
        return self.total

    def __iter__(self):
        return iter(self.items)
