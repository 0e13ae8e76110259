"""Tallies: each upload's answers counted once, when it is stored.

An upload never changes once stored (a correction is a new version), so its counts of Yes, No and
Not applicable per code, and per code and case attribute value, can be written beside it and read
instead of the answers. Reads sum the tallies of the *current* uploads (``core.store.queries``), so
a new version or a withdrawn upload drops out through its upload's status, with no tally rewritten.

- ``tallies``: upload_id, case_type, code, inspection_id, n_yes, n_no, n_na
- ``attribute_tallies``: the same per (attribute, value) the cases carry; a case without the
  attribute (or with it blank) has no row there, so "not recorded" = the code's tally less the
  recorded values.

Counting is numpy over a cases x codes matrix: a national round (6,500 cases, 400,000 answers)
takes a fraction of a second, and one workbook about a millisecond.
"""
from __future__ import annotations

from operator import itemgetter
from typing import Iterable, Mapping, Sequence

import numpy as np
from sqlalchemy import JSON, Connection, column, select, table
from sqlalchemy.orm import Session

from core.store.bulk import bulk_insert
from core.store.models import AttributeTally, Tally

ANSWER_VALUES = ("Yes", "No", "N/A")  # stored as 1, 2, 3 in the answer matrix; 0 is no answer
_COLUMNS = ("n_yes", "n_no", "n_na")


def answer_matrix(codes: Sequence[str], answers: Iterable[Mapping[str, str]]) -> np.ndarray:
    """A cases x codes int8 matrix of answers (0 none, 1 Yes, 2 No, 3 N/A) from one mapping
    code -> value per case. Values other than the three are left out (the store holds no others)."""
    position = {c: j for j, c in enumerate(codes)}
    number = {v: i + 1 for i, v in enumerate(ANSWER_VALUES)}
    rows = [dict(a) for a in answers]
    out = np.zeros((len(rows), len(codes)), dtype=np.int8)
    for i, a in enumerate(rows):
        for code, value in a.items():
            k = number.get(value)
            if k:
                out[i, position[code]] = k
    return out


def count(upload_id: int, inspection_id: int, case_type: str, codes: Sequence[str], matrix: np.ndarray,
          attributes: Mapping[str, Sequence[str | None]]) -> tuple[list[dict], list[dict]]:
    """The tally rows of one upload's cases of one case type.

    ``matrix``: cases x codes (``answer_matrix``); ``attributes``: attribute name -> one value per
    case (None or blank where the case does not record it). Returns (tallies rows, attribute_tallies
    rows), only for codes and values with some answer."""
    matrix = np.asarray(matrix)
    n_cases, n_codes = matrix.shape
    if n_cases == 0 or n_codes == 0:
        return [], []
    # one indicator block per answer value, side by side: cases x (3 * codes)
    indicators = np.concatenate([(matrix == k) for k in (1, 2, 3)], axis=1).astype(np.int64)
    keys = {"upload_id": upload_id, "inspection_id": inspection_id, "case_type": case_type}
    totals = indicators.sum(axis=0).reshape(3, n_codes)
    tally_rows = [{**keys, "code": code, "n_yes": int(totals[0, j]), "n_no": int(totals[1, j]), "n_na": int(totals[2, j])}
                  for j, code in enumerate(codes) if totals[:, j].any()]
    attribute_rows = []
    for name, values in attributes.items():
        if len(values) != n_cases:
            raise ValueError(f"attribute {name!r} has {len(values)} values for {n_cases} cases")
        labels = [None if v is None or str(v).strip() == "" else str(v) for v in values]
        distinct = sorted({v for v in labels if v is not None})
        if not distinct:
            continue
        where = {v: g for g, v in enumerate(distinct)}
        groups = np.zeros((len(distinct), n_cases), dtype=np.int64)
        for i, v in enumerate(labels):
            if v is not None:
                groups[where[v], i] = 1
        by_group = (groups @ indicators).reshape(len(distinct), 3, n_codes)
        for g, value in enumerate(distinct):
            block = by_group[g]
            for j in np.flatnonzero(block.any(axis=0)):
                attribute_rows.append({**keys, "attribute": name, "value": value, "code": codes[j],
                                       "n_yes": int(block[0, j]), "n_no": int(block[1, j]), "n_na": int(block[2, j])})
    return tally_rows, attribute_rows


def count_cases(upload_id: int, inspection_id: int, case_type: str,
                cases: Iterable[tuple[Mapping[str, str], Mapping[str, str]]]) -> tuple[list[dict], list[dict]]:
    """``count`` for cases given as (attributes, answers) pairs of mappings."""
    cases = list(cases)
    codes = sorted({code for _, answers in cases for code in answers})
    names = sorted({name for attrs, _ in cases for name in attrs})
    attributes = {name: [attrs.get(name) for attrs, _ in cases] for name in names}
    return count(upload_id, inspection_id, case_type, codes, answer_matrix(codes, (a for _, a in cases)), attributes)


TALLY_COLUMNS = ("upload_id", "case_type", "code", "inspection_id", *_COLUMNS)
ATTRIBUTE_TALLY_COLUMNS = ("upload_id", "attribute", "code", "case_type", "value", "inspection_id", *_COLUMNS)


def insert_tallies(session: Session, tally_rows: list[dict], attribute_rows: list[dict]) -> None:
    """Write tally rows by the driver's bulk path (``core.store.bulk``), in the session's transaction."""
    bulk_insert(session, Tally.__table__, TALLY_COLUMNS, list(map(itemgetter(*TALLY_COLUMNS), tally_rows)))
    bulk_insert(session, AttributeTally.__table__, ATTRIBUTE_TALLY_COLUMNS,
                list(map(itemgetter(*ATTRIBUTE_TALLY_COLUMNS), attribute_rows)))


def write_upload_tallies(session: Session, upload_id: int, inspection_id: int, upload) -> None:
    """Count a checked upload's cases (``core.ingest.parse.ParsedUpload``) and write the tallies, in
    the upload's own transaction. An evidence upload has no cases and gets none."""
    if not getattr(upload, "cases", None):
        return
    insert_tallies(session, *count_cases(upload_id, inspection_id, upload.case_type,
                                         ((c.attributes, c.answers) for c in upload.cases)))


def count_stored(connection: Connection, upload_ids: Iterable[int] | None = None) -> int:
    """Count uploads already in the store from their stored answers and write their tallies: the
    backfill of revision 0004_tallies, and for stores written row by row (tests). ``upload_ids``:
    which uploads (default: every upload with cases, which must have no tallies yet). One upload at
    a time, so memory stays flat at ten rounds. Returns how many uploads were counted."""
    cases = table("cases", column("id"), column("upload_id"), column("inspection_id"), column("case_type"),
                  column("attributes", JSON))
    answers = table("answers", column("case_id"), column("code"), column("value"))
    tallies = table("tallies", *(column(c) for c in ("upload_id", "case_type", "code", "inspection_id", *_COLUMNS)))
    attribute_tallies = table("attribute_tallies", *(column(c) for c in (
        "upload_id", "attribute", "code", "case_type", "value", "inspection_id", *_COLUMNS)))
    if upload_ids is None:
        upload_ids = connection.execute(select(cases.c.upload_id).distinct().order_by(cases.c.upload_id)).scalars().all()
    done = 0
    for upload_id in upload_ids:
        rows = connection.execute(select(cases.c.id, cases.c.inspection_id, cases.c.case_type, cases.c.attributes)
                                  .where(cases.c.upload_id == upload_id).order_by(cases.c.id)).all()
        answered: dict[int, dict[str, str]] = {r.id: {} for r in rows}
        for case_id, code, value in connection.execute(select(answers.c.case_id, answers.c.code, answers.c.value)
                                                       .join(cases, cases.c.id == answers.c.case_id)
                                                       .where(cases.c.upload_id == upload_id)):
            answered[case_id][code] = value
        for case_type in sorted({r.case_type for r in rows}):
            block = [r for r in rows if r.case_type == case_type]
            tally_rows, attribute_rows = count_cases(upload_id, block[0].inspection_id, case_type,
                                                     (((r.attributes or {}), answered[r.id]) for r in block))
            if tally_rows:
                connection.execute(tallies.insert(), tally_rows)
            if attribute_rows:
                connection.execute(attribute_tallies.insert(), attribute_rows)
        done += 1
    return done
