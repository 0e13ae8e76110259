"""Typed SQLAlchemy 2.x models of the store.

Every stored row can be traced to its inspection, and every inspection to its region, so that
reads can be scoped to the regions a reader may see (``core.store.scope``).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, MetaData, String,
                        Text, UniqueConstraint, func, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core.names import normalised_name

NAMING = {
    "ix": "ix_%(column_0_label)s",
    # every column of a unique constraint in its name: (region_id, name) and (region_id, name_key) differ
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


LEVELS = ("pdu", "region")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _name_key_of_name(context) -> str:
    """The default of a name_key column: the row's own name, normalised (so that any insert gets it)."""
    return normalised_name(context.get_current_parameters()["name"])


class Region(Base):
    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # core.names.normalised_name(name): unique, so that 'Wales' and ' WALES ' can never be two regions
    name_key: Mapped[str] = mapped_column(String(120), unique=True, default=_name_key_of_name)
    pdus: Mapped[list[PDU]] = relationship(back_populates="region")


class PDU(Base):
    __tablename__ = "pdus"
    __table_args__ = (UniqueConstraint("region_id", "name"), UniqueConstraint("region_id", "name_key"))
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    name: Mapped[str] = mapped_column(String(160))  # as first uploaded
    # core.names.normalised_name(name): the database, not the uploader's code, keeps one PDU per name, so
    # that eight first uploads at once spelt 'Salford', 'SALFORD', ' salford ' ... make one PDU
    name_key: Mapped[str] = mapped_column(String(160), default=_name_key_of_name)
    region: Mapped[Region] = relationship(back_populates="pdus")


class Inspection(Base):
    """One inspection of one unit (a PDU, or a region) under one framework version, in one round."""

    __tablename__ = "inspections"
    __table_args__ = (
        UniqueConstraint("region_id", "level", "unit_name", "framework", "round"),
        CheckConstraint(_in("level", LEVELS), name="level"),
        # a PDU inspection inspects a PDU; a regional one none
        CheckConstraint("(level = 'pdu' AND pdu_id IS NOT NULL) OR (level = 'region' AND pdu_id IS NULL)", name="unit"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(10))  # "pdu" or "region"
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    pdu_id: Mapped[int | None] = mapped_column(ForeignKey("pdus.id"))
    unit_name: Mapped[str] = mapped_column(String(160))  # the PDU's name, or the region's for a regional inspection
    framework: Mapped[str] = mapped_column(String(40))
    round: Mapped[str] = mapped_column(String(40))  # e.g. "2025-26": PDU and regional inspections of a round pool together
    fieldwork_start: Mapped[dt.date | None] = mapped_column(Date)
    fieldwork_end: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="fieldwork")  # fieldwork, draft, published
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    region: Mapped[Region] = relationship()
    pdu: Mapped[PDU | None] = relationship()


class Upload(Base):
    """One accepted file. A changed file for the same inspection and kind is a new version; the latest counts."""

    __tablename__ = "uploads"
    __table_args__ = (
        UniqueConstraint("inspection_id", "kind", "version"),
        # one current version per inspection and kind: two current sets of cases, evidence or proposed
        # ratings can never both count (a partial unique index; SQLite and PostgreSQL both have them)
        Index("uq_uploads_inspection_id_kind_current", "inspection_id", "kind", unique=True,
              sqlite_where=text("is_current"), postgresql_where=text("is_current")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # cases, court, unpaid-work, victim, evidence, demo
    version: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # e.g. {"cases": 52, "answers": 2704}
    # a withdrawn upload no longer counts and never will again; its rows are kept (issue 10)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(254))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    inspection: Mapped[Inspection] = relationship()


class AnswerLayout(Base):
    """The codes a case's packed answers stand for, in order (``core.store.answers``): one row per
    distinct list, so that a stored case can always be read back, whatever later framework files say."""

    __tablename__ = "answer_layouts"
    id: Mapped[int] = mapped_column(primary_key=True)
    codes: Mapped[str] = mapped_column(Text, unique=True)  # canonical codes joined by commas, e.g. "P2.1,P2.1.1,P2.1.1.a"


class Case(Base):
    """One inspected case, with its answers packed: one character per code of its layout ("Y" Yes,
    "N" No, "X" not applicable, "." not answered), so that an upload is a few thousand rows, not
    hundreds of thousands (issue 11). ``core.store.answers`` packs, unpacks and counts them."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("upload_id", "case_ref"),
        # only the four characters, in words SQLite and PostgreSQL both understand
        CheckConstraint("length(replace(replace(replace(replace(answers, 'Y', ''), 'N', ''), 'X', ''), '.', '')) = 0", name="answers"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"), index=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    case_type: Mapped[str] = mapped_column(String(40))
    case_ref: Mapped[str] = mapped_column(String(80))  # the workbook's case_id
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    layout_id: Mapped[int] = mapped_column(ForeignKey("answer_layouts.id"))
    answers: Mapped[str] = mapped_column(Text)  # as long as the layout's codes; checked by the database (revision 0005)


class EvidenceItem(Base):
    __tablename__ = "evidence_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"), index=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    standard: Mapped[str] = mapped_column(String(20))
    key_question: Mapped[str | None] = mapped_column(String(20))
    prompt: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30))  # strength, area for improvement, observation
    judgement: Mapped[str | None] = mapped_column(String(10))  # positive, negative
    source: Mapped[str] = mapped_column(String(40))  # documents, meetings, staff survey, people on probation survey, case data
    text: Mapped[str] = mapped_column(Text)


class SurveyFigure(Base):
    __tablename__ = "survey_figures"
    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"), index=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    standard: Mapped[str] = mapped_column(String(20))
    prompt: Mapped[str | None] = mapped_column(String(20))
    survey: Mapped[str] = mapped_column(String(40))  # staff survey, people on probation survey
    question: Mapped[str] = mapped_column(Text)
    numerator: Mapped[int] = mapped_column(Integer)
    denominator: Mapped[int] = mapped_column(Integer)


class ProposedRating(Base):
    __tablename__ = "proposed_ratings"
    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"), index=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    standard: Mapped[str] = mapped_column(String(20))
    rating: Mapped[str] = mapped_column(String(30))
    rationale: Mapped[str] = mapped_column(Text, default="")


class Judgement(Base):
    """Yes/no judgements: 'R1.2.1' (regional staffing question) and 'diversity' (arrangements sufficient)."""

    __tablename__ = "judgements"
    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"), index=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    name: Mapped[str] = mapped_column(String(20))
    value: Mapped[bool] = mapped_column(Boolean)
    rationale: Mapped[str] = mapped_column(Text, default="")


class PublishedRating(Base):
    """Reference ratings from published reports (the annexes in the seeds)."""

    __tablename__ = "published_ratings"
    __table_args__ = (UniqueConstraint("unit_name", "framework", "fieldwork", "standard"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    seed: Mapped[str] = mapped_column(String(20))
    region_name: Mapped[str] = mapped_column(String(120))
    unit_name: Mapped[str] = mapped_column(String(160))
    framework: Mapped[str] = mapped_column(String(40))
    fieldwork: Mapped[str] = mapped_column(String(40))
    standard: Mapped[str] = mapped_column(String(20))
    rating: Mapped[str] = mapped_column(String(30))
    published_score: Mapped[int] = mapped_column(Integer)
    published_max: Mapped[int] = mapped_column(Integer)
    published_overall: Mapped[str] = mapped_column(String(30))
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))


class Scenario(Base):
    """A saved what-if scenario: overrides of the framework's rules, by name."""

    __tablename__ = "scenarios"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    owner: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)




class Tally(Base):
    """An upload's answers of one case type, counted once when the upload is stored (uploads never change):
    ``counts`` holds 3 x n 32-bit little-endian integers, Yes for each code of the layout, then No, then N/A
    (``core.store.answers.AttributeCounts``, as ``attribute_tallies``). One row per upload and case type: a
    national round is some 240 rows, not 7,000 (revision 0006).

    Dashboard reads sum these over the *current* uploads instead of scanning every answer; a new
    version or a withdrawn upload drops out by its upload's status, not by rewriting tallies."""

    __tablename__ = "tallies"
    __table_args__ = {"sqlite_with_rowid": False}  # SQLite: rows kept in key order, no second tree for the key
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True)
    case_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    layout_id: Mapped[int] = mapped_column(ForeignKey("answer_layouts.id"))
    counts: Mapped[bytes] = mapped_column(LargeBinary)


class AttributeTally(Base):
    """An upload's answers among its cases with one value of one case attribute (e.g.
    practitioner_grade = PSO), for every code of a layout at once: ``counts`` holds 3 x n 32-bit
    little-endian integers (Yes for each code of the layout, then No, then N/A;
    ``core.store.answers.AttributeCounts``). One row per upload, attribute, case type and value, so
    an upload writes some thirty rows, not a row per code. Cases without the attribute have no row:
    a breakdown's 'Not recorded' is the code's tally less the recorded values."""

    __tablename__ = "attribute_tallies"
    __table_args__ = {"sqlite_with_rowid": False}
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True)
    attribute: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(80), primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"))
    layout_id: Mapped[int] = mapped_column(ForeignKey("answer_layouts.id"))
    counts: Mapped[bytes] = mapped_column(LargeBinary)


# The dashboard's reads start from the current uploads of the inspections in scope (revision 0004_tallies)
Index("ix_uploads_is_current", Upload.is_current, Upload.inspection_id)


class Person(Base):
    """A known user: their verified e-mail (normalised: NFKC, case folded), role and regions."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # national, regional, inspector, admin (core.access.ROLES)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)  # canonical region names; empty for national and admin
    added_by: Mapped[str] = mapped_column(String(254), default="")
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuditEvent(Base):
    """One entry of the append-only audit trail. Nothing updates or deletes a row (a trigger refuses it)."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)  # UTC
    user: Mapped[str] = mapped_column(String(254), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    object: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(20))  # ok, refused, rejected, unchanged
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
