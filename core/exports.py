"""Downloads: the tables a page shows, written as CSV and Excel exactly as shown (same headings,
rounding and order), and the annex workbook of a PDU or a region laid out as the published annexes.
An adapter at the core's edge (openpyxl); the layout itself is ``core.views.annex_layout``.

Every text cell, heading and sheet name is made safe against spreadsheet formula injection, with
the control and invisible characters a workbook cannot hold (or a reader would not see) written as
escapes (``core.csvio.safe_cell``, ``printable``)."""
from __future__ import annotations

import io
import re

import pandas as pd

from core.csvio import printable, safe_cell
from core.formatting import is_empty

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _safe(value):
    if isinstance(value, str):
        return safe_cell(value)
    return "" if is_empty(value) else value


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell and every heading made safe (a heading can hold a name, e.g. a PDU's)."""
    cells = frame.astype(object).map(_safe)
    cells.columns = [_safe(c) if isinstance(c, str) else c for c in frame.columns]
    return cells


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The table as CSV (UTF-8 with a byte-order mark, so that a spreadsheet reads the en dash and ⚠)."""
    return _cells(frame).to_csv(index=False).encode("utf-8-sig")


def excel_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx with one sheet per table, headed as shown, columns wide enough to read."""
    from openpyxl.utils import get_column_letter

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, frame in sheets.items():
            sheet = _sheet_name(name)
            cells = _cells(frame)
            cells.to_excel(xw, sheet_name=sheet, index=False)
            ws = xw.sheets[sheet]
            for i, col in enumerate(cells.columns, start=1):
                longest = max([len(str(col))] + [len(str(v)) for v in cells.iloc[:200, i - 1]])
                ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest + 2))
    return buf.getvalue()


def _sheet_name(name: str) -> str:
    """A name Excel takes for a sheet: no control or invisible characters (a sheet name can hold a
    PDU's), none of []:*?/\\, at most 31 characters."""
    visible = printable(name)
    return re.sub(r"[\[\]:*?/\\]", " ", visible)[:31].strip() or "Sheet"


def annex_workbook_bytes(layout: list, sheet: str = "Annex") -> bytes:
    """The blocks of ``core.views.annex_layout`` on one sheet, top to bottom, a blank row between."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_name(sheet)
    row = 1
    widths: dict[int, int] = {}
    for block in layout:
        if block[0] == "title":
            ws.cell(row=row, column=1, value=_safe(block[1])).font = Font(bold=True, size=13 if row == 1 else 11)
            row += 1
            continue
        _, heading, frame = block
        row += 1
        ws.cell(row=row, column=1, value=_safe(heading)).font = Font(bold=True)
        row += 1
        for j, col in enumerate(frame.columns, start=1):
            ws.cell(row=row, column=j, value=_safe(col)).font = Font(bold=True)
            widths[j] = max(widths.get(j, 8), len(str(col)) + 2)
        for values in _cells(frame).itertuples(index=False):
            row += 1
            for j, v in enumerate(values, start=1):
                ws.cell(row=row, column=j, value=v)
                widths[j] = max(widths.get(j, 8), min(60, len(str(v)) + 2))
        row += 1
    for j, w in widths.items():
        ws.column_dimensions[get_column_letter(j)].width = w
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
