"""Case answers as stored: packed, one character per code, against a layout (issue 11).

A national round is some 6,500 cases and 400,000 answers. Stored one row per answer, inserting them
cost several times reading the workbooks; stored one string per case they cost next to nothing, and
every read that needs cases (a breakdown of a theme, the case list) reads 6,500 rows, not 400,000.

- ``answer_layouts``: one row per distinct list of codes (canonical, comma-separated), so a stored
  case can always be read back, whatever a later framework file says. An upload's cases use the list
  of their case type in the framework (``Framework.case_questions``), so all the cases of one case
  type under one framework share a layout.
- ``cases.answers``: ``"Y"`` Yes, ``"N"`` No, ``"X"`` not applicable, ``"."`` not answered, one per
  code of ``cases.layout_id``'s list. The database refuses any other character (revision 0005).
- ``attribute_tallies.counts``: per attribute value, the Yes, No and N/A counts of every code of the
  layout, as 3 x n little-endian 32-bit integers (``AttributeCounts``).

Counting is numpy over a cases x codes matrix of 0 (none), 1 (Yes), 2 (No), 3 (N/A).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.store.bulk import bulk_insert
from core.store.models import AnswerLayout, AttributeTally, Case, Tally

ANSWER_VALUES = ("Yes", "No", "N/A")  # 1, 2, 3 in an answer matrix; 0 is no answer
CHARS = {"Yes": "Y", "No": "N", "N/A": "X"}  # the stored character of each answer
NOT_ANSWERED = "."
_CHAR_OR_NONE = {**CHARS, None: NOT_ANSWERED}
_VALUE_OF_NUMBER = np.array([None, *ANSWER_VALUES], dtype=object)
_NUMBER_OF_BYTE = np.zeros(256, dtype=np.int8)
for _number, _value in enumerate(ANSWER_VALUES, start=1):
    _NUMBER_OF_BYTE[ord(CHARS[_value])] = _number
_COUNTS_DTYPE = np.dtype("<i4")


def pack(codes: Sequence[str], answers: Mapping[str, str]) -> str:
    """One case's answers (code -> Yes, No or N/A) as stored against ``codes``. Raises ValueError
    for a code outside the list or a value that is not an answer."""
    try:  # C-level maps: a national round packs 340,000 places
        packed = "".join(map(_CHAR_OR_NONE.__getitem__, map(answers.get, codes)))
    except KeyError:
        packed = ""
    if not packed and codes or len(answers) != len(packed) - packed.count(NOT_ANSWERED):
        unknown = sorted(set(answers) - set(codes)) or sorted(v for v in map(str, answers.values()) if v not in CHARS)
        raise ValueError(f"answers that cannot be packed against the layout: {unknown}")
    return packed


def pack_values(values: Iterable[str | None]) -> str:
    """Answers already in the layout's order ("" or None: not answered; any other value is a KeyError)."""
    return "".join([CHARS[v] if v else NOT_ANSWERED for v in values])


def answer_matrix(packed: Sequence[str], width: int) -> np.ndarray:
    """Packed answers of equal ``width`` as a cases x codes int8 matrix (0 none, 1 Yes, 2 No, 3 N/A)."""
    if not packed:
        return np.zeros((0, width), dtype=np.int8)
    raw = np.frombuffer("".join(packed).encode("ascii"), dtype=np.uint8)
    if raw.size != len(packed) * width:
        raise ValueError(f"packed answers of {len(packed)} cases are not {width} characters each")
    return _NUMBER_OF_BYTE[raw].reshape(len(packed), width)


def values_of(numbers: np.ndarray) -> np.ndarray:
    """Numbers of an answer matrix (1, 2, 3) as their words."""
    return _VALUE_OF_NUMBER[numbers]


# -- layouts ------------------------------------------------------------------------------------

def layout_key(codes: Sequence[str]) -> str:
    return ",".join(codes)


def layout_id(session: Session, codes: Sequence[str]) -> int:
    """The id of the layout of ``codes``, made if new (INSERT … ON CONFLICT DO NOTHING: two first
    uploads at once make one)."""
    key = layout_key(codes)
    c = session.connection()
    table = AnswerLayout.__table__
    find = select(table.c.id).where(table.c.codes == key)
    found = c.execute(find).scalar()
    if found is not None:
        return found
    if c.dialect.name in ("postgresql", "sqlite"):
        c.execute((postgresql if c.dialect.name == "postgresql" else sqlite).insert(table).values(codes=key)
                  .on_conflict_do_nothing(index_elements=["codes"]))
    else:
        c.execute(table.insert().values(codes=key))
    return c.execute(find).scalar_one()


def layouts(session: Session) -> dict[int, tuple[str, ...]]:
    """Every layout: id -> its codes (a handful of rows)."""
    return {i: tuple(codes.split(",")) if codes else () for i, codes in session.execute(select(AnswerLayout.id, AnswerLayout.codes))}


# -- counting -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AttributeCounts:
    """The counts of one attribute_tallies row: Yes, No and N/A per code of its layout."""

    counts: np.ndarray  # 3 x codes

    def to_bytes(self) -> bytes:
        return np.ascontiguousarray(self.counts, dtype=_COUNTS_DTYPE).tobytes()

    @classmethod
    def from_bytes(cls, blob: bytes, width: int) -> AttributeCounts:
        return cls(np.frombuffer(blob, dtype=_COUNTS_DTYPE).reshape(3, width))


def count(upload_id: int, inspection_id: int, case_type: str, layout: int, codes: Sequence[str], matrix: np.ndarray,
          attributes: Mapping[str, Sequence[str | None]]) -> tuple[list[dict], list[dict]]:
    """The tally rows of one upload's cases of one case type.

    ``matrix``: cases x codes (``answer_matrix``); ``attributes``: attribute name -> one value per
    case (None or blank where the case does not record it). Returns (tallies rows, one per code with
    some answer; attribute_tallies rows, one per attribute value some case records)."""
    matrix = np.asarray(matrix)
    n_cases, n_codes = matrix.shape
    if n_cases == 0 or n_codes == 0:
        return [], []
    indicators = np.stack([matrix == k for k in (1, 2, 3)], axis=1)  # cases x 3 x codes
    keys = {"upload_id": upload_id, "inspection_id": inspection_id, "case_type": case_type}
    totals = indicators.sum(axis=0, dtype=np.int64)
    answered = np.flatnonzero(totals.any(axis=0))
    tally_rows = [{**keys, "code": codes[j], "n_yes": int(totals[0, j]), "n_no": int(totals[1, j]), "n_na": int(totals[2, j])}
                  for j in answered]
    attribute_rows = []
    for name, values in attributes.items():
        if len(values) != n_cases:
            raise ValueError(f"attribute {name!r} has {len(values)} values for {n_cases} cases")
        # each distinct value labelled once (None or blank: not recorded), then every case numbered by its label
        label_of = {v: None if v is None or str(v).strip() == "" else str(v) for v in set(values)}
        labels = sorted({label for label in label_of.values() if label is not None})
        number_of = {label: g for g, label in enumerate(labels)}
        group = np.fromiter((number_of.get(label_of[v], -1) for v in values), dtype=np.int64, count=n_cases)
        for g, value in enumerate(labels):
            counts = indicators[group == g].sum(axis=0, dtype=np.int64)
            attribute_rows.append({**keys, "attribute": name, "value": value, "layout_id": layout,
                                   "counts": AttributeCounts(counts).to_bytes()})
    return tally_rows, attribute_rows


TALLY_COLUMNS = ("upload_id", "case_type", "code", "inspection_id", "n_yes", "n_no", "n_na")
ATTRIBUTE_TALLY_COLUMNS = ("upload_id", "attribute", "case_type", "value", "inspection_id", "layout_id", "counts")
CASE_COLUMNS = ("upload_id", "inspection_id", "case_type", "case_ref", "attributes", "layout_id", "answers")


@dataclass(frozen=True)
class CaseToStore:
    case_ref: str
    attributes: Mapping[str, str]
    answers: str  # packed against the layout


def write_cases(session: Session, upload_id: int, inspection_id: int, case_type: str, codes: Sequence[str],
                cases: Sequence[CaseToStore]) -> int:
    """Write one upload's cases of one case type, packed against ``codes``, and their tallies, in the
    session's transaction (the tallies are written once, here: an upload never changes). Returns the
    number of answers."""
    if not cases:
        return 0
    layout = layout_id(session, codes)
    packed = [c.answers for c in cases]
    bulk_insert(session, Case.__table__, CASE_COLUMNS,
                [(upload_id, inspection_id, case_type, c.case_ref, json.dumps(dict(c.attributes)), layout, c.answers)
                 for c in cases])
    matrix = answer_matrix(packed, len(codes))
    names = sorted({name for c in cases for name in c.attributes})
    tally_rows, attribute_rows = count(upload_id, inspection_id, case_type, layout, codes, matrix,
                                       {name: [c.attributes.get(name) for c in cases] for name in names})
    insert_tallies(session, tally_rows, attribute_rows)
    return int(np.count_nonzero(matrix))


def insert_tallies(session: Session, tally_rows: list[dict], attribute_rows: list[dict]) -> None:
    """Write tally rows by the driver's bulk path (``core.store.bulk``), in the session's transaction."""
    bulk_insert(session, Tally.__table__, TALLY_COLUMNS, [tuple(r[c] for c in TALLY_COLUMNS) for r in tally_rows])
    bulk_insert(session, AttributeTally.__table__, ATTRIBUTE_TALLY_COLUMNS,
                [tuple(r[c] for c in ATTRIBUTE_TALLY_COLUMNS) for r in attribute_rows])


def answers_stored(session: Session, upload_id: int | None = None) -> int:
    """How many answers the cases hold (of one upload, or all), counted in SQL: every character but '.'."""
    answered = func.length(func.replace(Case.answers, NOT_ANSWERED, ""))
    stmt = select(func.coalesce(func.sum(answered), 0))
    if upload_id is not None:
        stmt = stmt.where(Case.upload_id == upload_id)
    return int(session.execute(stmt).scalar_one())
