"""Building filled templates for the ingest tests: start from the real template, fill it as an inspector would."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.ingest.template import build_template
from core.store.models import Base

ESSEX_NORTH = {"region": "East of England", "unit": "Essex North", "fieldwork_start": dt.date(2025, 6, 2),
               "fieldwork_end": dt.date(2025, 6, 13)}


def fill_inspection(wb, **fields) -> None:
    """Set Inspection sheet values by field name (column A), leaving the others as the template has them."""
    ws = wb["Inspection"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value in fields:
            row[1].value = fields[row[0].value]


def case_workbook(kind: str = "cases", inspection: dict | None = None, cases: list[dict] | None = None,
                  framework: str = "hmip-2025"):
    """A filled case template: ``cases`` are dicts of heading -> value (case_id, attributes, codes)."""
    wb = build_template(framework, kind)
    fill_inspection(wb, **(ESSEX_NORTH if inspection is None else inspection))
    ws = wb["Cases"]
    heading = [c.value for c in ws[1]]
    for case in cases or []:
        ws.append([case.get(h) for h in heading])
    return wb


def evidence_workbook(inspection: dict, items=(), ratings=(), survey=(), judgements: dict | None = None,
                      framework: str = "hmip-2025"):
    """A filled evidence template; ``judgements`` sets the Value of the listed rows by name."""
    wb = build_template(framework, "evidence")
    fill_inspection(wb, **inspection)
    for name, rows in (("Evidence", items), ("Ratings", ratings), ("Survey", survey)):
        for row in rows:
            wb[name].append(list(row))
    for row in wb["Judgements"].iter_rows(min_row=2):
        if judgements and row[0].value in judgements:
            value, rationale = judgements[row[0].value]
            row[2].value, row[3].value = value, rationale
    return wb


def save(wb, path: Path) -> Path:
    wb.save(path)
    return path


def to_bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def table_counts(engine) -> dict[str, int]:
    """Rows in every table of the store: a rejected or failed upload must leave these unchanged."""
    with Session(engine) as s:
        return {t.name: s.execute(select(func.count()).select_from(t)).scalar_one() for t in Base.metadata.sorted_tables}


def tallies(engine) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(unit, code) -> (yes, no, n/a) from the store's own read, as the rating analysis sees it."""
    from core.store.queries import load_dataset
    from core.store.scope import Scope

    ds = load_dataset(engine, Scope.national())
    units = dict(zip(ds.inspections["inspection_id"], ds.inspections["unit"]))
    return {(units[r.inspection_id], r.code): (int(r.n_yes), int(r.n_no), int(r.n_na)) for r in ds.counts.itertuples()}


def workbook_from(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))
