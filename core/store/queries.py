"""Reads of the store. Every read takes the reader's scope (the regions they may see)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, case, false, func, or_, select, true
from sqlalchemy.orm import Session

from core.codes import display
from core.dataset import Dataset  # noqa: F401 (the read model lives in the core; imported from here too)
from core.store.answers import NOT_ANSWERED, AttributeCounts, answer_matrix, answered_codes, counts_by_layout, layouts, values_of
from core.store.models import AttributeTally, Case, EvidenceItem, Inspection, Judgement, ProposedRating, PublishedRating, Region, SurveyFigure, Tally, Upload
from core.store.scope import Scope

COUNT_COLUMNS = ["inspection_id", "case_type", "code", "n_yes", "n_no", "n_na"]
INSPECTION_COLUMNS = ["inspection_id", "level", "region", "unit", "framework", "round", "fieldwork_start", "status", "synthetic"]


def _frame(session: Session, stmt, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records([tuple(r) for r in session.execute(stmt).all()], columns=columns)


def _current_upload_ids():
    return select(Upload.id).where(Upload.is_current.is_(True))


def inspections_frame(session: Session, scope: Scope) -> pd.DataFrame:
    stmt = (select(Inspection.id, Inspection.level, Region.name, Inspection.unit_name, Inspection.framework, Inspection.round,
                   Inspection.fieldwork_start, Inspection.status, Inspection.synthetic)
            .join(Region, Inspection.region_id == Region.id)
            .where(scope.filter(Region.name))
            # an inspection whose every upload was withdrawn leaves the ratings (issue 10)
            .where(Inspection.id.in_(select(Upload.inspection_id).where(Upload.is_current.is_(True))))
            .order_by(Inspection.round, Region.name, Inspection.level.desc(), Inspection.unit_name))
    return _frame(session, stmt, INSPECTION_COLUMNS)


def _scoped(stmt, inspection_id_column, scope: Scope):
    return (stmt.join(Inspection, inspection_id_column == Inspection.id)
            .join(Region, Inspection.region_id == Region.id)
            .where(scope.filter(Region.name)))


def _in_scope(stmt, inspection_id_column, scope: Scope):
    """``_scoped`` for a statement that selects no column of the inspection or region: a national
    reader's rows need no join at all, a regional reader's are those of the inspections in scope."""
    if scope.regions is None:
        return stmt
    return stmt.where(inspection_id_column.in_(select(Inspection.id).join(Region, Inspection.region_id == Region.id)
                                               .where(scope.filter(Region.name))))


def _counts_statement(scope: Scope):
    return _in_scope(select(Tally.inspection_id, Tally.case_type, Tally.counts, Tally.layout_id)
                     .where(Tally.upload_id.in_(_current_upload_ids())), Tally.inspection_id, scope).order_by(Tally.upload_id, Tally.case_type)


def _counts_frame(rows: list, codes_of: dict[int, tuple[str, ...]]) -> pd.DataFrame:
    """COUNT_COLUMNS from tallies rows (inspection_id, case_type, counts, layout_id): one row per code some
    case answers, upload by upload, each upload's codes in order of case type and code."""
    place, codes, counts = answered_codes([(blob, layout) for _, _, blob, layout in rows], codes_of)
    inspection_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    case_types = np.array([r[1] for r in rows], dtype=object)
    return pd.DataFrame({"inspection_id": inspection_ids[place], "case_type": pd.array(case_types[place], dtype="str"),
                         "code": pd.array(codes, dtype="str"), "n_yes": counts[:, 0], "n_no": counts[:, 1], "n_na": counts[:, 2]},
                        columns=COUNT_COLUMNS)


def load_dataset(engine: Engine, scope: Scope) -> Dataset:
    """Everything the analysis rates, for the regions in scope, in one read-only session."""
    with Session(engine) as s:
        inspections = inspections_frame(s, scope)
        # from the tallies written when each upload was stored, never from the answers; an inspection
        # has one current upload of a kind, so rows are summed only where two current uploads overlap
        rows = s.execute(_counts_statement(scope)).all()
        counts = _counts_frame(rows, layouts(s) if rows else {})
        keys = ["inspection_id", "case_type", "code"]
        if counts.duplicated(keys).any():
            counts = counts.groupby(keys, as_index=False, sort=False)[["n_yes", "n_no", "n_na"]].sum()
        proposed = _frame(s, _in_scope(select(ProposedRating.inspection_id, ProposedRating.standard, ProposedRating.rating, ProposedRating.rationale)
                                     .where(ProposedRating.upload_id.in_(_current_upload_ids())), ProposedRating.inspection_id, scope),
                          ["inspection_id", "standard", "rating", "rationale"])
        judgements = _frame(s, _in_scope(select(Judgement.inspection_id, Judgement.name, Judgement.value)
                                       .where(Judgement.upload_id.in_(_current_upload_ids())), Judgement.inspection_id, scope),
                            ["inspection_id", "name", "value"])
        pub_stmt = select(PublishedRating.seed, PublishedRating.region_name, PublishedRating.unit_name, PublishedRating.framework,
                          PublishedRating.fieldwork, PublishedRating.standard, PublishedRating.rating, PublishedRating.published_score,
                          PublishedRating.published_max, PublishedRating.published_overall).where(scope.filter(PublishedRating.region_name))
        published = _frame(s, pub_stmt, ["seed", "region", "unit", "framework", "fieldwork", "standard", "rating",
                                         "published_score", "published_max", "published_overall"])
    return Dataset(inspections, counts, proposed, judgements, published)


CASE_ANSWER_COLUMNS = ["inspection_id", "case_id", "case_ref", "case_type", "code", "value"]


def case_answers(engine: Engine, scope: Scope, inspection_ids: list[int] | None = None, codes: list[str] | None = None) -> pd.DataFrame:
    """Case-level answers with the case attributes, for breakdowns: one row per case and code answered
    (unpacked from each case's answers, ``core.store.answers``).

    Columns: inspection_id, case_id, case_ref, case_type, code, value, and one column per attribute.
    """
    with Session(engine) as s:
        stmt = _scoped(select(Case.inspection_id, Case.id, Case.case_ref, Case.case_type, Case.attributes, Case.layout_id, Case.answers)
                       .where(Case.upload_id.in_(_current_upload_ids())), Case.inspection_id, scope)
        if inspection_ids is not None:
            stmt = stmt.where(Case.inspection_id.in_(list(inspection_ids)))
        cases = s.execute(stmt.order_by(Case.id)).all()
        codes_of = layouts(s) if cases else {}
    wanted = None if codes is None else set(codes)
    case_index, codes_found, values = [], [], []
    for layout, layout_codes in codes_of.items():
        block = np.array([k for k, c in enumerate(cases) if c.layout_id == layout], dtype=np.int64)
        columns = np.array([j for j, code in enumerate(layout_codes) if wanted is None or code in wanted], dtype=np.int64)
        if not len(block) or not len(columns):
            continue
        matrix = answer_matrix([cases[k].answers for k in block], len(layout_codes))[:, columns]
        rows, cols = np.nonzero(matrix)  # row by row, each in its layout's order
        case_index.append(block[rows])
        codes_found.append(np.array(layout_codes, dtype=object)[columns[cols]])
        values.append(values_of(matrix[rows, cols]))
    if not case_index:
        return pd.DataFrame(columns=CASE_ANSWER_COLUMNS)
    index = np.concatenate(case_index)
    order = np.argsort(index, kind="stable")  # in case order (by id), whatever their layouts
    index = index[order]
    frame = pd.DataFrame({"inspection_id": [cases[k].inspection_id for k in index], "case_id": [cases[k].id for k in index],
                          "case_ref": [cases[k].case_ref for k in index], "case_type": [cases[k].case_type for k in index],
                          "code": np.concatenate(codes_found)[order], "value": np.concatenate(values)[order]})
    attrs = pd.DataFrame([cases[k].attributes or {} for k in index], index=frame.index)
    return pd.concat([frame, attrs], axis=1)


BREAKDOWN_COLUMNS = ["group", "n_cases", "n_yes", "n_no", "n_na"]


def breakdown_counts(engine: Engine, scope: Scope, attribute: str, codes: list[str],
                     inspection_ids: list[int] | None = None) -> pd.DataFrame:
    """Answers to ``codes`` in the current uploads of the inspections (all in scope when None), by the
    value of one case attribute, from the tallies: one row per value, and ``group`` None for the cases
    that do not record it (the codes' tallies less the recorded values).

    ``n_cases``: cases with an answer to any of the codes. For one code that is its number of answers;
    for several (a theme), a case answering two of them is one case, so it is counted in SQL over
    the cases' packed answers. Columns: BREAKDOWN_COLUMNS."""
    codes = list(dict.fromkeys(codes))
    by_value, total = _breakdown_statements(scope, attribute, codes, inspection_ids)
    with Session(engine) as s:
        value_rows, total_rows = s.execute(by_value).all(), s.execute(total).all()
        codes_of = layouts(s)  # after the tallies: a layout an upload made meanwhile is among them
        rows = _sum_attribute_counts(value_rows, codes_of, codes)
        all_yes, all_no, all_na = _sum_counts(total_rows, codes_of, codes)
        rest = (all_yes - sum(r[1] for r in rows), all_no - sum(r[2] for r in rows), all_na - sum(r[3] for r in rows))
        if any(rest):
            rows.append([None, *rest])
        frame = pd.DataFrame(rows, columns=["group", "n_yes", "n_no", "n_na"])
        if len(codes) == 1 or frame.empty:
            frame["n_cases"] = frame["n_yes"] + frame["n_no"] + frame["n_na"]
        else:
            frame = frame.merge(_distinct_cases(s, scope, attribute, codes, inspection_ids, codes_of), on="group", how="left")
    for col in ("n_cases", "n_yes", "n_no", "n_na"):
        frame[col] = frame[col].fillna(0).astype("int64")
    return frame[BREAKDOWN_COLUMNS]


def _breakdown_statements(scope: Scope, attribute: str, codes: list[str], inspection_ids):
    """The two reads behind a breakdown: the packed counts of each recorded value (summed over the
    codes by ``_sum_attribute_counts``), and those of every case (by ``_sum_counts``)."""
    by_value = _in_scope(select(AttributeTally.value, AttributeTally.layout_id, AttributeTally.counts)
                         .where(AttributeTally.upload_id.in_(_current_upload_ids()), AttributeTally.attribute == attribute),
                         AttributeTally.inspection_id, scope)
    total = _in_scope(select(Tally.layout_id, Tally.counts).where(Tally.upload_id.in_(_current_upload_ids())), Tally.inspection_id, scope)
    if inspection_ids is not None:
        by_value = by_value.where(AttributeTally.inspection_id.in_(list(inspection_ids)))
        total = total.where(Tally.inspection_id.in_(list(inspection_ids)))
    return by_value, total


def _sum_attribute_counts(rows, codes_of: dict[int, tuple[str, ...]], codes: list[str]) -> list[list]:
    """[value, yes, no, n/a] per recorded value, summed over ``codes``, from attribute_tallies rows
    (value, layout_id, counts), in order of value."""
    wanted = set(codes)
    columns = {layout: [j for j, code in enumerate(layout_codes) if code in wanted] for layout, layout_codes in codes_of.items()}
    sums: dict[str, np.ndarray] = {}
    for value, layout, blob in rows:
        picked = AttributeCounts.from_bytes(blob, len(codes_of[layout])).counts[:, columns[layout]].sum(axis=1)
        sums[value] = sums[value] + picked if value in sums else picked
    return [[value, *(int(n) for n in sums[value])] for value in sorted(sums) if sums[value].any()]


def _sum_counts(rows, codes_of: dict[int, tuple[str, ...]], codes: list[str]) -> tuple[int, int, int]:
    """Yes, No and N/A summed over ``codes`` and over tallies rows (layout_id, counts): each layout's rows
    at once (a national reader's breakdown reads every current upload's)."""
    wanted = set(codes)
    total = np.zeros(3, dtype=np.int64)
    for layout, _, block in counts_by_layout(((blob, layout) for layout, blob in rows), codes_of):
        columns = [j for j, code in enumerate(codes_of[layout]) if code in wanted]
        total += block[:, :, columns].sum(axis=(0, 2), dtype=np.int64)
    return int(total[0]), int(total[1]), int(total[2])


def _answered_any(codes: list[str], codes_of: dict[int, tuple[str, ...]]):
    """SQL: the case answers at least one of ``codes`` (a character other than '.' at one of their
    places in its layout)."""
    wanted = set(codes)
    by_layout = []
    for layout, layout_codes in codes_of.items():
        places = [j + 1 for j, code in enumerate(layout_codes) if code in wanted]
        if places:
            by_layout.append(and_(Case.layout_id == layout, or_(*(func.substr(Case.answers, p, 1) != NOT_ANSWERED for p in places))))
    return or_(*by_layout) if by_layout else false()


def _distinct_cases_statement(scope: Scope, attribute: str, codes: list[str], inspection_ids, codes_of: dict[int, tuple[str, ...]]):
    raw = Case.attributes[attribute].as_string()
    value = case((func.trim(raw) == "", None), else_=raw)
    stmt = _in_scope(select(value, func.count(Case.id)).where(Case.upload_id.in_(_current_upload_ids()), _answered_any(codes, codes_of)),
                     Case.inspection_id, scope)
    if inspection_ids is not None:
        stmt = stmt.where(Case.inspection_id.in_(list(inspection_ids)))
    return stmt.group_by(value)


def _distinct_cases(s: Session, scope: Scope, attribute: str, codes: list[str], inspection_ids, codes_of) -> pd.DataFrame:
    """Cases answering any of ``codes``, by the attribute's value (None: not recorded)."""
    stmt = _distinct_cases_statement(scope, attribute, codes, inspection_ids, codes_of)
    return pd.DataFrame([list(r) for r in s.execute(stmt).all()], columns=["group", "n_cases"])


def hot_reads(scope: Scope, attribute: str, codes: list[str], inspection_ids: list[int],
              codes_of: dict[int, tuple[str, ...]]) -> dict[str, object]:
    """The statements the dashboard runs on every cache miss, by name, as they are run: for the
    benchmark to print their query plans (bench/bench_pages.py). ``codes_of``: the store's layouts."""
    by_value, total = _breakdown_statements(scope, attribute, list(codes), inspection_ids)
    return {
        "dataset: key question counts, packed (tallies of current uploads)": _counts_statement(scope),
        "dataset: proposed ratings of current uploads": _in_scope(
            select(ProposedRating.inspection_id, ProposedRating.standard, ProposedRating.rating)
            .where(ProposedRating.upload_id.in_(_current_upload_ids())), ProposedRating.inspection_id, scope),
        "breakdown: packed counts by attribute value (attribute tallies)": by_value,
        "breakdown: all answers, packed (tallies)": total,
        "breakdown: cases answering any of a theme's codes": _distinct_cases_statement(scope, attribute, list(codes), inspection_ids, codes_of),
        "store version (every page, every run)": select(func.count(Upload.id), func.max(Upload.id)),
    }


def evidence_rounds(engine: Engine, scope: Scope) -> list[str]:
    """The rounds that hold domain one evidence of current uploads in scope, newest first."""
    with Session(engine) as s:
        stmt = _scoped(select(Inspection.round).distinct().select_from(EvidenceItem).where(EvidenceItem.upload_id.in_(_current_upload_ids())),
                       EvidenceItem.inspection_id, scope)
        return sorted((r for (r,) in s.execute(stmt).all() if r is not None), reverse=True)


def evidence_frame(engine: Engine, scope: Scope, inspection_ids: list[int] | None = None, round_: str | None = None) -> pd.DataFrame:
    """Domain one evidence items of current uploads, with their unit and region: of the given
    inspections, or of one round, or all in scope."""
    with Session(engine) as s:
        stmt = _scoped(select(EvidenceItem.inspection_id, Region.name, Inspection.unit_name, Inspection.round, EvidenceItem.standard,
                              EvidenceItem.key_question, EvidenceItem.prompt, EvidenceItem.kind, EvidenceItem.judgement,
                              EvidenceItem.source, EvidenceItem.text, Inspection.synthetic)
                       .where(EvidenceItem.upload_id.in_(_current_upload_ids())), EvidenceItem.inspection_id, scope)
        if inspection_ids is not None:
            stmt = stmt.where(EvidenceItem.inspection_id.in_(list(inspection_ids)))
        if round_ is not None:
            stmt = stmt.where(Inspection.round == round_)
        items = _frame(s, stmt, ["inspection_id", "region", "unit", "round", "standard", "key_question", "prompt", "kind",
                                 "judgement", "source", "text", "synthetic"])
    return _codes_published(items, ("standard", "key_question", "prompt"))


def _codes_published(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """The frame with codes as published ('P 1.2.3.c') in these columns, whatever form they were stored in
    (each distinct code worked out once)."""
    for col in columns:
        published = {code: _published_code(code) for code in frame[col].unique()}
        frame[col] = [published.get(code, code) for code in frame[col]]
    return frame


def _published_code(code):
    """Codes as published ('P 1.2.3.c'), whatever form they were stored in."""
    if code is None or code == "":
        return code
    try:
        return display(code)
    except ValueError:
        return code


def survey_frame(engine: Engine, scope: Scope, inspection_ids: list[int] | None = None) -> pd.DataFrame:
    """Survey figures of current uploads (e.g. 68 of 84 staff), codes in their published form."""
    with Session(engine) as s:
        stmt = _scoped(select(SurveyFigure.inspection_id, SurveyFigure.standard, SurveyFigure.prompt, SurveyFigure.survey,
                              SurveyFigure.question, SurveyFigure.numerator, SurveyFigure.denominator)
                       .where(SurveyFigure.upload_id.in_(_current_upload_ids())), SurveyFigure.inspection_id, scope)
        if inspection_ids is not None:
            stmt = stmt.where(SurveyFigure.inspection_id.in_(list(inspection_ids)))
        figures = _frame(s, stmt, ["inspection_id", "standard", "prompt", "survey", "question", "numerator", "denominator"])
    return _codes_published(figures, ("standard", "prompt"))


def uploads_frame(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Upload history (audit): who uploaded what, when, with its hash, counts and version."""
    with Session(engine) as s:
        stmt = _scoped(select(Upload.id, Region.name, Inspection.unit_name, Inspection.round, Upload.kind, Upload.version,
                              Upload.is_current, Upload.file_name, Upload.sha256, Upload.uploaded_by, Upload.uploaded_at, Upload.counts),
                       Upload.inspection_id, scope).order_by(Upload.uploaded_at.desc(), Upload.id.desc())
        return _frame(s, stmt, ["upload_id", "region", "unit", "round", "kind", "version", "current", "file_name", "sha256",
                                "uploaded_by", "uploaded_at", "counts"])


def store_version(engine: Engine) -> tuple[int, ...]:
    """A cheap fingerprint that changes whenever an upload lands or is withdrawn, or the published
    ratings change: (uploads, highest upload id, published ratings, highest published id, withdrawn). Caches key on it so that
    new data is seen at once."""
    uploads = select(func.count(Upload.id), func.max(Upload.id), func.count(Upload.withdrawn_at)).subquery()
    published = select(func.count(PublishedRating.id).label("n_pub"), func.max(PublishedRating.id).label("top_pub")).subquery()
    with engine.connect() as c:  # one round trip: every cached read of every page asks
        n, top, withdrawn, n_pub, top_pub = c.execute(select(*uploads.c, *published.c).select_from(uploads.join(published, true()))).one()
    return int(n or 0), int(top or 0), int(n_pub or 0), int(top_pub or 0), int(withdrawn or 0)
