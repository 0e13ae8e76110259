"""Reads of the store. Every read takes the reader's scope (the regions they may see)."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, case, func, select
from sqlalchemy.orm import Session

from core.codes import display
from core.dataset import Dataset  # noqa: F401 (the read model lives in the core; imported from here too)
from core.store.models import Answer, Case, EvidenceItem, Inspection, Judgement, ProposedRating, PublishedRating, Region, SurveyFigure, Upload
from core.store.scope import Scope

INSPECTION_COLUMNS = ["inspection_id", "level", "region", "unit", "framework", "round", "fieldwork_start", "status", "synthetic"]


def _frame(session: Session, stmt, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(session.execute(stmt).all(), columns=columns)


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


def load_dataset(engine: Engine, scope: Scope) -> Dataset:
    """Everything the analysis rates, for the regions in scope, in one read-only session."""
    with Session(engine) as s:
        inspections = inspections_frame(s, scope)
        counts_stmt = _scoped(
            select(Case.inspection_id, Case.case_type, Answer.code,
                   func.sum(case((Answer.value == "Yes", 1), else_=0)),
                   func.sum(case((Answer.value == "No", 1), else_=0)),
                   func.sum(case((Answer.value == "N/A", 1), else_=0)))
            .join(Answer, Answer.case_id == Case.id)
            .where(Case.upload_id.in_(_current_upload_ids())),
            Case.inspection_id, scope).group_by(Case.inspection_id, Case.case_type, Answer.code)
        counts = _frame(s, counts_stmt, ["inspection_id", "case_type", "code", "n_yes", "n_no", "n_na"])
        for col in ("n_yes", "n_no", "n_na"):
            counts[col] = counts[col].astype("int64")
        proposed = _frame(s, _scoped(select(ProposedRating.inspection_id, ProposedRating.standard, ProposedRating.rating, ProposedRating.rationale)
                                     .where(ProposedRating.upload_id.in_(_current_upload_ids())), ProposedRating.inspection_id, scope),
                          ["inspection_id", "standard", "rating", "rationale"])
        judgements = _frame(s, _scoped(select(Judgement.inspection_id, Judgement.name, Judgement.value)
                                       .where(Judgement.upload_id.in_(_current_upload_ids())), Judgement.inspection_id, scope),
                            ["inspection_id", "name", "value"])
        pub_stmt = select(PublishedRating.seed, PublishedRating.region_name, PublishedRating.unit_name, PublishedRating.framework,
                          PublishedRating.fieldwork, PublishedRating.standard, PublishedRating.rating, PublishedRating.published_score,
                          PublishedRating.published_max, PublishedRating.published_overall).where(scope.filter(PublishedRating.region_name))
        published = _frame(s, pub_stmt, ["seed", "region", "unit", "framework", "fieldwork", "standard", "rating",
                                         "published_score", "published_max", "published_overall"])
    return Dataset(inspections, counts, proposed, judgements, published)


def case_answers(engine: Engine, scope: Scope, inspection_ids: list[int] | None = None, codes: list[str] | None = None) -> pd.DataFrame:
    """Case-level answers with the case attributes, for breakdowns: one row per case and code.

    Columns: inspection_id, case_id, case_ref, case_type, code, value, and one column per attribute.
    """
    with Session(engine) as s:
        stmt = _scoped(select(Case.inspection_id, Case.id, Case.case_ref, Case.case_type, Case.attributes, Answer.code, Answer.value)
                       .join(Answer, Answer.case_id == Case.id)
                       .where(Case.upload_id.in_(_current_upload_ids())), Case.inspection_id, scope)
        if inspection_ids is not None:
            stmt = stmt.where(Case.inspection_id.in_(list(inspection_ids)))
        if codes is not None:
            stmt = stmt.where(Answer.code.in_(list(codes)))
        df = _frame(s, stmt, ["inspection_id", "case_id", "case_ref", "case_type", "attributes", "code", "value"])
    attrs = pd.DataFrame(list(df["attributes"]), index=df.index) if len(df) else pd.DataFrame(index=df.index)
    return pd.concat([df.drop(columns=["attributes"]), attrs], axis=1)


def evidence_frame(engine: Engine, scope: Scope, inspection_ids: list[int] | None = None) -> pd.DataFrame:
    """Domain one evidence items of current uploads, with their unit and region."""
    with Session(engine) as s:
        stmt = _scoped(select(EvidenceItem.inspection_id, Region.name, Inspection.unit_name, Inspection.round, EvidenceItem.standard,
                              EvidenceItem.key_question, EvidenceItem.prompt, EvidenceItem.kind, EvidenceItem.judgement,
                              EvidenceItem.source, EvidenceItem.text, Inspection.synthetic)
                       .where(EvidenceItem.upload_id.in_(_current_upload_ids())), EvidenceItem.inspection_id, scope)
        if inspection_ids is not None:
            stmt = stmt.where(EvidenceItem.inspection_id.in_(list(inspection_ids)))
        items = _frame(s, stmt, ["inspection_id", "region", "unit", "round", "standard", "key_question", "prompt", "kind",
                                 "judgement", "source", "text", "synthetic"])
    for col in ("standard", "key_question", "prompt"):
        items[col] = items[col].map(_published_code)
    return items


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
    for col in ("standard", "prompt"):
        figures[col] = figures[col].map(_published_code)
    return figures


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
    with Session(engine) as s:
        n, top, withdrawn = s.execute(select(func.count(Upload.id), func.max(Upload.id), func.count(Upload.withdrawn_at))).one()
        n_pub, top_pub = s.execute(select(func.count(PublishedRating.id), func.max(PublishedRating.id))).one()
    return int(n or 0), int(top or 0), int(n_pub or 0), int(top_pub or 0), int(withdrawn or 0)
