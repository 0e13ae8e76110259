"""The published ratings (the annexes of the inspection letters) as reference rows in the store.

``load_published(engine)`` reads ``data/published_ratings.csv`` into ``published_ratings``. It is
safe to call at every start and from several processes at once: a row already there is left as it
is, a row whose rating or scores changed in the CSV is corrected, a new row is added.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.codes import canonical
from core.csvio import read_rows
from core.errors import InputError
from core.ratings import NOT_INSPECTED, parse_rating
from core.store.db import DATA_DIR
from core.store.models import PublishedRating

PUBLISHED_CSV = DATA_DIR / "published_ratings.csv"
KEY = ("unit_name", "framework", "fieldwork", "standard")  # the table's unique key
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
    """The rows of a published ratings CSV, checked. Raises InputError naming the row and column."""
    rows = []
    seen: dict[tuple, int] = {}
    for line, rec in read_rows(path, _COLUMNS):
        for col in _COLUMNS:
            if not rec[col]:
                raise InputError(f"{path}: {col} is blank", row=line, column=col)
        try:
            standard = canonical(rec["standard"])
        except ValueError as exc:
            raise InputError(f"{path}: {exc}", row=line, column="standard") from None
        row = {"seed": rec["seed"], "region_name": rec["region"], "unit_name": rec["unit"], "framework": rec["framework"],
               "fieldwork": rec["fieldwork"], "standard": standard,
               "rating": _rating(rec["rating"], line, "rating", path),
               "published_score": _whole(rec["published_score"], line, "published_score", path),
               "published_max": _whole(rec["published_max"], line, "published_max", path),
               "published_overall": _rating(rec["published_overall"], line, "published_overall", path)}
        key = tuple(row[k] for k in KEY)
        if key in seen:
            raise InputError(f"{path}: {rec['unit']} {rec['standard']} ({rec['fieldwork']}) is also on row {seen[key]}", row=line)
        seen[key] = line
        rows.append(row)
    return rows


def _rating(text: str, line: int, column: str, path) -> str:
    try:
        rating = parse_rating(text, allow_not_inspected=True)
    except InputError as exc:
        raise InputError(f"{path}: {exc}", row=line, column=column) from None
    return rating.label if rating is not None else NOT_INSPECTED


def _whole(text: str, line: int, column: str, path) -> int:
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{path}: {text!r} is not a whole number", row=line, column=column) from None


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
