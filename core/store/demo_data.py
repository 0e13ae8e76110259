"""Removing the synthetic demo from a store: all of it, and nothing else.

Demo data is every inspection marked ``synthetic`` and every row that hangs from one (uploads, cases
with their answers, tallies, evidence, survey figures, proposed ratings, judgements, and whatever later
tables refer to them), then the PDUs, regions and answer layouts that nothing refers to any more (the
demo's invented PDUs; a region or a layout only the demo used). Published ratings are real reference data: they stay, and a link from one to a
demo inspection is cleared. The removal follows the foreign keys of the models, so a table added
later that refers to an inspection or an upload is cleared with them.
"""
from __future__ import annotations

from sqlalchemy import Engine, Table, and_, delete, exists, false, func, or_, select, update
from sqlalchemy.orm import Session

from core.store.models import PDU, AnswerLayout, Base, Inspection, Region


def demo_row_counts(engine: Engine) -> dict[str, int]:
    """How many rows of each table belong to the demo (tables with none left out)."""
    with Session(engine) as s:
        return {t.name: n for t, cond in _demo_rows().items()
                if (n := s.execute(select(func.count()).select_from(t).where(cond)).scalar_one())}


def remove_demo(engine: Engine) -> dict[str, int]:
    """Delete the demo in one transaction; returns the rows deleted per table (empty: there was none).

    Rows that are not demo data are never deleted or changed, except that a published rating's link to
    a demo inspection is cleared."""
    removed: dict[str, int] = {}
    with Session(engine) as s, s.begin():
        doomed = _demo_rows()
        for table in reversed(Base.metadata.sorted_tables):  # children before their parents
            for fk in table.foreign_keys:
                parent = fk.column.table
                if fk.parent.nullable and parent in doomed and table not in doomed:
                    s.execute(update(table).where(fk.parent.in_(select(fk.column).where(doomed[parent]))).values({fk.parent.name: None}))
            if table in doomed:
                n = s.execute(delete(table).where(doomed[table])).rowcount
                if n:
                    removed[table.name] = n
        # then what only the demo used: PDUs no inspection names, regions and answer layouts nothing refers to
        for model in (PDU, Region, AnswerLayout):
            table = model.__table__
            n = s.execute(delete(table).where(_unreferenced(table))).rowcount
            if n:
                removed[table.name] = n
    return removed


def _demo_rows() -> dict[Table, object]:
    """For each table holding demo rows, a condition that picks them out: synthetic inspections, and
    rows whose non-nullable foreign key leads to a demo row."""
    doomed: dict[Table, object] = {Inspection.__table__: Inspection.synthetic.is_(True)}
    for table in Base.metadata.sorted_tables:  # parents before their children
        if table in doomed:
            continue
        links = [fk.parent.in_(select(fk.column).where(doomed[fk.column.table]))
                 for fk in table.foreign_keys if fk.column.table in doomed and not fk.parent.nullable]
        if links:
            doomed[table] = or_(*links)
    return doomed


def _unreferenced(table: Table):
    refs = [exists().where(fk.parent == fk.column) for t in Base.metadata.sorted_tables for fk in t.foreign_keys
            if fk.column.table is table and t is not table]
    return and_(*(~r for r in refs)) if refs else false()
