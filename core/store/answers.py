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
- ``tallies.counts``: per upload and case type, the Yes, No and N/A counts of every code of the layout,
  as 3 x n little-endian 32-bit integers (``AttributeCounts``); ``attribute_tallies.counts`` the same
  per attribute value.

Counting is numpy over a cases x codes matrix of 0 (none), 1 (Yes), 2 (No), 3 (N/A). An upload's
cases are packed, encoded and counted from the file alone (``CaseRows``, made as the file is checked),
and ``write_case_rows`` inserts them with the keys the store gives out.
"""
from __future__ import annotations

import functools
import itertools
import json
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping, Sequence

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
    """The counts of one tallies or attribute_tallies row: Yes, No and N/A per code of its layout."""

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
    case (None or blank where the case does not record it). Returns (tallies rows: one, unless there
    are no cases or no codes; attribute_tallies rows, one per attribute value some case records)."""
    matrix = np.asarray(matrix)
    if matrix.shape[1] != len(codes):
        raise ValueError(f"a matrix of {matrix.shape[1]} codes for a layout of {len(codes)}")
    totals, by_value = _counted(matrix, attributes)
    keys = {"upload_id": upload_id, "inspection_id": inspection_id, "case_type": case_type}
    return ([{**keys, "layout_id": layout, "counts": totals}] if totals is not None else [],
            [{**keys, "attribute": name, "value": value, "layout_id": layout, "counts": blob} for name, value, blob in by_value])


def _counted(matrix: np.ndarray, attributes: Mapping[str, Sequence[str | None]]) -> tuple[bytes | None, list[tuple[str, str, bytes]]]:
    """The ``AttributeCounts`` bytes of every case (None where there are no cases or no codes), and
    (attribute, value, ``AttributeCounts`` bytes) for every value some case records (None or blank:
    not recorded), in name and value order.

    One pass over a cases x (Yes, No, N/A) x codes indicator matrix: for each attribute the cases are
    put in order of their value and each value's run summed in C (``np.add.reduceat``)."""
    n_cases, n_codes = matrix.shape
    if n_cases == 0 or n_codes == 0:
        return None, []
    indicators = np.stack([matrix == k for k in (1, 2, 3)], axis=1).astype(_COUNTS_DTYPE).reshape(n_cases, 3 * n_codes)
    totals = AttributeCounts(indicators.sum(axis=0).reshape(3, n_codes)).to_bytes()
    value_rows = []
    for name, values in attributes.items():
        if len(values) != n_cases:
            raise ValueError(f"attribute {name!r} has {len(values)} values for {n_cases} cases")
        # each distinct value labelled once (None or blank: not recorded, numbered -1), every case by its label's number
        label_of = {v: str(v) for v in set(values) if v is not None and str(v).strip()}
        labels = sorted(set(label_of.values()))
        if not labels:
            continue
        number_of_label = {label: g for g, label in enumerate(labels)}
        number_of = {v: number_of_label[label] for v, label in label_of.items()}
        group = np.fromiter(map(number_of.get, values, itertools.repeat(-1)), dtype=np.int64, count=n_cases)
        order = np.argsort(group, kind="stable")  # the cases not recording it (-1) first, then each value's run
        starts = np.searchsorted(group[order], np.arange(len(labels)))
        sums = np.add.reduceat(indicators[order], starts, axis=0).reshape(len(labels), 3, n_codes)
        value_rows += [(name, value, AttributeCounts(sums[g]).to_bytes()) for g, value in enumerate(labels)]
    return totals, value_rows


def answered_codes(rows: Iterable[tuple[bytes, int]], codes_of: Mapping[int, Sequence[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """tallies rows' counts ((``AttributeCounts`` bytes, layout id) for each row) spread out to one entry
    per row and code that some case answers: (the row's place among ``rows``, the code, its 3 counts as a
    n x 3 int64 array), row by row, each row's codes in order of code. Each layout's rows are unpacked at
    once (a national round's some 240 rows are a few layouts)."""
    places, codes, counts = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=object)], [np.zeros((0, 3), dtype=np.int64)]
    for layout, at, block in counts_by_layout(rows, codes_of):
        layout_codes = np.asarray(codes_of[layout], dtype=object)
        by_code = np.argsort(layout_codes.astype(str), kind="stable")
        block = block[:, :, by_code]
        row, col = np.nonzero(block.any(axis=1))  # row by row, each row's codes in order of code
        places.append(at[row])
        codes.append(layout_codes[by_code][col])
        counts.append(block[row, :, col].astype(np.int64))
    place = np.concatenate(places)
    order = np.argsort(place, kind="stable")
    return place[order], np.concatenate(codes)[order], np.concatenate(counts)[order]


def counts_by_layout(rows: Iterable[tuple[bytes, int]], codes_of: Mapping[int, Sequence[str]]) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Packed counts ((``AttributeCounts`` bytes, layout id) for each row) unpacked a layout at a time:
    for each layout among them, in order of id, (its id, the places of its rows among ``rows``, their
    counts as a rows x 3 x codes array)."""
    rows = list(rows)
    for layout in sorted({layout for _, layout in rows}):
        at = np.array([k for k, (_, lay) in enumerate(rows) if lay == layout], dtype=np.int64)
        blob = b"".join(rows[k][0] for k in at)
        yield layout, at, np.frombuffer(blob, dtype=_COUNTS_DTYPE).reshape(len(at), 3, len(codes_of[layout]))


TALLY_COLUMNS = ("upload_id", "case_type", "inspection_id", "layout_id", "counts")
ATTRIBUTE_TALLY_COLUMNS = ("upload_id", "attribute", "case_type", "value", "inspection_id", "layout_id", "counts")
CASE_COLUMNS = ("upload_id", "inspection_id", "case_type", "case_ref", "attributes", "layout_id", "answers")


@dataclass(frozen=True)
class CaseToStore:
    case_ref: str
    attributes: Mapping[str, str]
    answers: str  # packed against the layout


@dataclass(frozen=True)
class CaseRows:
    """One upload's cases of one case type as the store holds them, worked out from the file alone.

    Made where the file is checked (``core.ingest.parse``; for a batch, in a worker process), so that
    the process that stores only inserts them, and what a worker hands back is a few strings per case
    rather than two dicts (issue 11). ``write_case_rows`` adds the keys the store gives out."""

    case_type: str
    codes: tuple[str, ...]  # the layout
    refs: tuple[str, ...]
    attributes: tuple[str, ...]  # each case's attributes, as JSON text
    answers: tuple[str, ...]  # each case's answers, packed against ``codes``
    totals: bytes | None  # every case's ``AttributeCounts`` bytes (None: no cases or no codes)
    attribute_tallies: tuple[tuple[str, str, bytes], ...]  # (attribute, value, ``AttributeCounts`` bytes)
    n_answers: int

    def __len__(self) -> int:
        return len(self.refs)

    @property
    def tallies(self) -> list[tuple[str, int, int, int]]:
        """(code, Yes, No, N/A) for each code some case answers, in the layout's order."""
        if self.totals is None:
            return []
        counts = AttributeCounts.from_bytes(self.totals, len(self.codes)).counts
        return [(code, *(int(n) for n in counts[:, j])) for j, code in enumerate(self.codes) if counts[:, j].any()]


def case_rows(case_type: str, codes: Sequence[str], cases: Sequence[CaseToStore]) -> CaseRows:
    """``cases`` (their answers packed against ``codes``) as they are stored, with their tallies."""
    names = sorted({name for c in cases for name in c.attributes})
    return _case_rows(case_type, tuple(codes), tuple(c.case_ref for c in cases), tuple(c.answers for c in cases),
                      {name: [c.attributes.get(name) for c in cases] for name in names},
                      tuple(_json_of_texts(c.attributes) for c in cases))


def rows_of_columns(case_type: str, codes: Sequence[str], refs: Sequence[str], answers: Mapping[str, Sequence[str | None]],
                    attributes: Mapping[str, Sequence[str | None]]) -> CaseRows:
    """Cases given column by column, as they are stored: ``answers``, code -> Yes, No, N/A or None
    (not answered) for each case; ``attributes``, name -> the value or None for each case, in the
    order a case lists them. The same rows as ``case_rows`` of the same cases, each column's words
    mapped in C and each case's text joined in one call (issue 11: a national round is 400,000 cells)."""
    codes = tuple(codes)
    unknown = sorted(set(answers) - set(codes))
    if unknown:
        raise ValueError(f"answers that cannot be packed against the layout: {unknown}")
    n = len(refs)
    try:
        chars = [tuple(map(_CHAR_OR_NONE.__getitem__, answers[code])) if code in answers else (NOT_ANSWERED,) * n for code in codes]
    except KeyError as exc:
        raise ValueError(f"answers that cannot be packed against the layout: {[exc.args[0]]}") from None
    packed = tuple(map("".join, zip(*chars))) if codes else ("",) * n
    return _case_rows(case_type, codes, tuple(refs), packed, {name: attributes[name] for name in sorted(attributes)},
                      _json_of_columns(attributes, n))


def _case_rows(case_type: str, codes: tuple[str, ...], refs: tuple[str, ...], packed: tuple[str, ...],
               attributes: Mapping[str, Sequence[str | None]], texts: tuple[str, ...]) -> CaseRows:
    matrix = answer_matrix(packed, len(codes))
    totals, by_value = _counted(matrix, attributes)
    return CaseRows(case_type, codes, refs, texts, packed, totals, tuple(by_value), int(np.count_nonzero(matrix)))


@functools.lru_cache(maxsize=4096)
def _json_member(name: str, value: str) -> str:
    return json.dumps({name: value})[1:-1]


def _json_of_texts(mapping: Mapping[str, str]) -> str:
    """``json.dumps`` of a dict of text to text, the same text, built from each (name, value) pair
    encoded once: attributes take a handful of values, and ``json.dumps`` of each case's small dict
    cost more than the rest of storing it."""
    return "{" + ", ".join(itertools.starmap(_json_member, mapping.items())) + "}"


def _json_of_columns(columns: Mapping[str, Sequence[str | None]], n: int) -> tuple[str, ...]:
    """``_json_of_texts`` of each case's dict, the pairs whose value is not None in the columns' order."""
    if not columns:
        return ("{}",) * n
    members = []
    for name, column in columns.items():
        member = {value: _json_member(name, value) for value in set(column) if value is not None}
        members.append(map(member.get, column))
    return tuple("{" + ", ".join(filter(None, pairs)) + "}" for pairs in zip(*members))


def write_cases(session: Session, upload_id: int, inspection_id: int, case_type: str, codes: Sequence[str],
                cases: Sequence[CaseToStore]) -> int:
    """Write one upload's cases of one case type, packed against ``codes``, and their tallies, in the
    session's transaction. Returns the number of answers."""
    return write_case_rows(session, upload_id, inspection_id, case_rows(case_type, codes, cases))


def write_case_rows(session: Session, upload_id: int, inspection_id: int, rows: CaseRows) -> int:
    """Write one upload's cases and their tallies in the session's transaction (the tallies are
    written once, here: an upload never changes). Returns the number of answers."""
    if not rows:
        return 0
    layout = layout_id(session, rows.codes)
    case_type = rows.case_type
    bulk_insert(session, Case.__table__, CASE_COLUMNS,
                [(upload_id, inspection_id, case_type, ref, attributes, layout, answers)
                 for ref, attributes, answers in zip(rows.refs, rows.attributes, rows.answers)])
    insert_tallies(session, [(upload_id, case_type, inspection_id, layout, rows.totals)] if rows.totals is not None else [],
                   [(upload_id, name, case_type, value, inspection_id, layout, blob) for name, value, blob in rows.attribute_tallies])
    return rows.n_answers


def insert_tallies(session: Session, tally_rows: Sequence[tuple], attribute_rows: Sequence[tuple]) -> None:
    """Write tally rows (tuples in ``TALLY_COLUMNS`` and ``ATTRIBUTE_TALLY_COLUMNS`` order) by the
    driver's bulk path (``core.store.bulk``), in the session's transaction."""
    bulk_insert(session, Tally.__table__, TALLY_COLUMNS, tally_rows)
    bulk_insert(session, AttributeTally.__table__, ATTRIBUTE_TALLY_COLUMNS, attribute_rows)


def tally_tuples(tally_rows: Iterable[dict], attribute_rows: Iterable[dict]) -> tuple[list[tuple], list[tuple]]:
    """``count``'s rows as ``insert_tallies`` takes them."""
    return ([tuple(r[c] for c in TALLY_COLUMNS) for r in tally_rows],
            [tuple(r[c] for c in ATTRIBUTE_TALLY_COLUMNS) for r in attribute_rows])


def answers_stored(session: Session, upload_id: int | None = None) -> int:
    """How many answers the cases hold (of one upload, or all), counted in SQL: every character but '.'."""
    answered = func.length(func.replace(Case.answers, NOT_ANSWERED, ""))
    stmt = select(func.coalesce(func.sum(answered), 0))
    if upload_id is not None:
        stmt = stmt.where(Case.upload_id == upload_id)
    return int(session.execute(stmt).scalar_one())
