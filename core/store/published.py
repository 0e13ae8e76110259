"""The published ratings (the annexes of the inspection letters) as reference rows in the store.

``load_published(engine)`` reads ``data/published_ratings.csv`` into ``published_ratings``. It is
safe to call at every start and from several processes at once: a row already there is left as it
is, a row whose rating or scores changed in the CSV is corrected, a new row is added. The whole
file is checked first: on any problem, every one is listed by row and column and nothing is written.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from openpyxl.utils import get_column_letter
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.codes import canonical
from core.csvio import read_rows
from core.errors import InputError, InvalidPublishedRatings, UnknownFramework
from core.framework import Framework, available_frameworks, canonical_region, load_framework, national_regions
from core import findings as F
from core.findings import Findings
from core.findings import show
from core.ratings import NOT_INSPECTED, RATING_LABELS, parse_rating
from core.store.db import DATA_DIR
from core.store.models import PublishedRating

PUBLISHED_CSV = DATA_DIR / "published_ratings.csv"
KEY = ("unit_name", "framework", "fieldwork", "standard")  # the table's unique key
MAX_PUBLISHED_SCORE = 1000  # a published score or maximum at most (3 a standard; a PDU annex has 9): far below an Integer's limit
_DIGITS = re.compile(r"[0-9]+")
_COLUMNS = ["seed", "region", "unit", "framework", "fieldwork", "standard", "rating", "published_score", "published_max",
            "published_overall"]


@dataclass(frozen=True)
class PublishedLoad:
    """What a load did: rows added, corrected, and already there as they are."""

    added: int
    updated: int
    unchanged: int

    def summary(self) -> str:
        return f"published ratings: {self.added} added, {self.updated} updated, {self.unchanged} unchanged"


def read_published(path: str | Path = PUBLISHED_CSV) -> list[dict]:
    """The rows of a published ratings CSV, every cell checked: a known framework, a standard of
    it, one of the 12 regions (stored as spelled there), ratings, whole numbers from 0 to
    ``MAX_PUBLISHED_SCORE``, text that fits its column, each unit's standard once.

    Raises InvalidPublishedRatings listing every problem by row and column (or InputError, for a
    file that cannot be read as CSV at all); nothing is written.
    """
    findings = Findings()
    letters = _column_letters(path)
    rows = []
    seen: dict[tuple, int] = {}
    for line, rec in read_rows(path, _COLUMNS):
        cell = _Cell(findings, line, letters)
        for col in _COLUMNS:
            if not rec[col]:
                cell.fail(col, F.MISSING_VALUE, f"{col} is blank")
        row = {"seed": cell.text(rec, "seed", 20), "region_name": _region(cell, rec["region"]),
               "unit_name": cell.text(rec, "unit", 160), "framework": None, "fieldwork": cell.text(rec, "fieldwork", 40),
               "standard": None, "rating": _rating(cell, rec["rating"], "rating"),
               "published_score": _whole(cell, rec["published_score"], "published_score"),
               "published_max": _whole(cell, rec["published_max"], "published_max"),
               "published_overall": _rating(cell, rec["published_overall"], "published_overall")}
        framework = _framework(cell, rec["framework"])
        row["framework"] = framework.id if framework else None
        row["standard"] = _standard(cell, rec["standard"], framework)
        if any(v is None for v in row.values()):
            continue
        key = tuple(row[k] for k in KEY)
        if key in seen:
            cell.fail("standard", F.DUPLICATE_ENTRY,
                      f"{rec['unit']} {rec['standard']} ({rec['fieldwork']}) is also on row {seen[key]}; each standard once")
            continue
        seen[key] = line
        rows.append(row)
    if findings:
        raise InvalidPublishedRatings(str(path), findings.items, findings.total)
    return rows


class _Cell:
    """Adds findings at a row's cells: the row as the file numbers it (the header is row 1) and the column."""

    def __init__(self, findings: Findings, row: int, letters: dict[str, str]):
        self.findings, self.row, self.letters = findings, row, letters

    def fail(self, column: str, type: str, message: str) -> None:
        self.findings.add(type, message, None, self.row, self.letters.get(column), column)

    def text(self, rec: dict, column: str, limit: int) -> str | None:
        text = rec[column]
        if not text:
            return None  # reported as blank
        if len(text) > limit:
            self.fail(column, F.TOO_LONG, f"{column} has {len(text):,} characters; at most {limit}")
            return None
        return text


def _column_letters(path: str | Path) -> dict[str, str]:
    """Column name (as read_rows names it) -> its letter, so that a finding names its cell."""
    try:
        first = Path(path).read_text(encoding="utf-8-sig").splitlines()[:1]
        header = next(csv.reader(first), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}  # read_rows reports the file itself
    return {name.strip().lower(): get_column_letter(i) for i, name in enumerate(header, start=1)}


def _region(cell: _Cell, text: str) -> str | None:
    if not text:
        return None
    try:
        return canonical_region(text)
    except KeyError:
        names = ", ".join(r.name for r in national_regions())
        cell.fail("region", F.UNKNOWN_REGION, f'"{show(text)}" is not one of the 12 regions of England and Wales: {names}')
        return None


def _framework(cell: _Cell, text: str) -> Framework | None:
    if not text:
        return None
    try:
        return load_framework(text)
    except UnknownFramework:
        cell.fail("framework", F.UNKNOWN_FRAMEWORK, f'"{show(text)}" is not a framework (frameworks: {", ".join(available_frameworks())})')
        return None


def _standard(cell: _Cell, text: str, framework: Framework | None) -> str | None:
    if not text:
        return None
    try:
        code = canonical(text)
    except ValueError:
        code = None
    if code is not None and framework is None:
        return code  # the framework is reported; the code cannot be checked against it
    if code is None or not framework.has_standard(code):
        known = f" (standards: {', '.join(s.code for s in framework.standards)})" if framework else ""
        cell.fail("standard", F.UNKNOWN_CODE, f'"{show(text)}" is not a standard of {framework.id if framework else "the framework"}{known}')
        return None
    return code


def _rating(cell: _Cell, text: str, column: str) -> str | None:
    if not text:
        return None
    try:
        rating = parse_rating(text, allow_not_inspected=True)
    except InputError:
        cell.fail(column, F.NOT_ALLOWED, f'"{show(text)}" is not one of {", ".join(RATING_LABELS + [NOT_INSPECTED])}')
        return None
    return rating.label if rating is not None else NOT_INSPECTED


def _whole(cell: _Cell, text: str, column: str) -> int | None:
    if not text:
        return None
    if not _DIGITS.fullmatch(text):
        cell.fail(column, F.BAD_NUMBER, f'"{show(text)}" is not a whole number (digits only, e.g. 9)')
        return None
    if len(text) > 12 or int(text) > MAX_PUBLISHED_SCORE:
        cell.fail(column, F.BAD_NUMBER, f'"{show(text)}" is too large for a score; at most {MAX_PUBLISHED_SCORE:,}')
        return None
    return int(text)


def load_published(engine: Engine, path: str | Path = PUBLISHED_CSV) -> PublishedLoad:
    """Load the published ratings CSV into the store, idempotently, in one transaction."""
    rows = read_published(path)
    fields = [c.key for c in PublishedRating.__table__.columns if c.key not in ("id", "inspection_id")]
    added = updated = 0
    with Session(engine) as s, s.begin():
        existing = {tuple(getattr(r, k) for k in KEY): r for r in s.execute(select(PublishedRating)).scalars()}
        for row in rows:
            old = existing.get(tuple(row[k] for k in KEY))
            if old is None:
                added += _insert_if_absent(s, row)
            elif any(getattr(old, f) != row[f] for f in fields):
                s.execute(update(PublishedRating).where(PublishedRating.id == old.id).values(**row))
                updated += 1
    return PublishedLoad(added, updated, len(rows) - added - updated)


def _insert_if_absent(s: Session, row: dict) -> int:
    # ON CONFLICT DO NOTHING: two processes loading at once must not fail on the unique key
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = postgresql.insert(PublishedRating).values(**row).on_conflict_do_nothing(index_elements=list(KEY))
    elif dialect == "sqlite":
        stmt = sqlite.insert(PublishedRating).values(**row).on_conflict_do_nothing(index_elements=list(KEY))
    else:
        stmt = insert(PublishedRating).values(**row)
    # RETURNING, not rowcount: drivers need not report a row count for an INSERT
    return len(s.execute(stmt.returning(PublishedRating.id)).all())
