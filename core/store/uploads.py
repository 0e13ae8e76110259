"""Writing one checked upload to the store, in one transaction.

The region, PDU and inspection rows are made on first upload. The inspection row is locked
(``SELECT … FOR UPDATE`` on PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite) so that two uploads for
the same inspection are numbered 1 and 2, never 1 and 1. A file identical to the current version
(same sha256) changes nothing; a changed file becomes the next version and the old one is kept,
no longer current. Cases go in with bulk inserts, their answers packed (``core.store.answers``).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from sqlalchemy import Connection, Engine, Table, and_, bindparam, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.errors import InvalidWorkbook
from core.findings import Finding
from core.names import name_key as unit_key  # how unit names are compared
from core.names import normalised_name
from core.store.answers import write_case_rows
from core.store.models import PDU, EvidenceItem, Inspection, Judgement, ProposedRating, Region, SurveyFigure, Upload

if TYPE_CHECKING:  # the store needs only the shape of a checked upload, not the spreadsheet readers
    from core.ingest.inspection import InspectionFields
    from core.ingest.parse import ParsedUpload

LOADED = "loaded"
ALREADY_LOADED = "already loaded"
NEW_VERSION = "new version"
DEMO_INSPECTION = "demo-inspection"  # the finding type of an upload that would land on a synthetic inspection


@dataclass(frozen=True)
class Receipt:
    """What became of an upload: loaded, already loaded (nothing changed) or a new version."""

    status: str
    file_name: str
    kind: str
    inspection_id: int
    inspection: str  # e.g. "Essex North PDU (East of England), hmip-2025, round 2025-26"
    region: str
    unit: str
    level: str
    framework: str
    round: str
    version: int
    upload_id: int
    sha256: str
    uploaded_by: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.status != ALREADY_LOADED

    def summary(self) -> str:
        """One line for a person: what was loaded, where, and which version now counts."""
        held = ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in self.counts.items())
        if self.status == ALREADY_LOADED:
            return (f"{self.file_name}: already loaded as version {self.version} of the {self.kind} upload for "
                    f"{self.inspection} ({held}); nothing changed")
        replaced = f"; version {self.version - 1} is kept in the history but no longer counts" if self.status == NEW_VERSION else ""
        return f"{self.file_name}: loaded as version {self.version} of the {self.kind} upload for {self.inspection} ({held}){replaced}"


def store_upload(engine: Engine, upload: ParsedUpload, sha256: str, user: str,
                 on_stored: Callable[[Session, Receipt], None] | None = None) -> Receipt:
    """Write a checked upload in one transaction and say what became of it.

    Either everything lands (the upload, its cases and answers or its evidence, any new region,
    PDU or inspection row, the previous version marked not current, and whatever ``on_stored``
    writes in the same session, such as the audit row) or, on any error, nothing.
    Statements go through the session's connection as Core statements: a national round is a
    hundred uploads, and the ORM's work per statement cost more than the database's.
    """
    with Session(engine) as s, s.begin():
        _serialise_writers(s)
        c = s.connection()
        inspection = _inspection_for_update(c, upload.inspection)
        if inspection.synthetic:
            raise InvalidWorkbook(upload.file_name, [Finding(DEMO_INSPECTION, _DEMO_REFUSAL.format(label=upload.inspection.label))])
        versions = c.execute(_VERSIONS, {"inspection_id": inspection.id, "kind": upload.kind}).all()
        current = next((v for v in versions if v.is_current), None)
        if current is not None and current.sha256 == sha256:
            return _stored(s, _receipt(ALREADY_LOADED, upload, inspection, current), on_stored)
        version = max((v.version for v in versions), default=0) + 1
        if current is not None:
            c.execute(_NO_LONGER_CURRENT, {"upload_id": current.id})
        _update_fieldwork(c, inspection, upload.inspection)
        row = c.execute(_NEW_UPLOAD, dict(inspection_id=inspection.id, kind=upload.kind, version=version, is_current=True,
                                          file_name=upload.file_name[:255], sha256=sha256, uploaded_by=user[:120],
                                          counts=upload.counts())).one()
        if upload.evidence is not None:
            _insert_evidence(s, row.id, inspection.id, upload)
        else:
            _insert_cases(s, row.id, inspection.id, upload)
        return _stored(s, _receipt(LOADED if version == 1 else NEW_VERSION, upload, inspection, row), on_stored)


def _stored(s: Session, receipt: Receipt, on_stored) -> Receipt:
    if on_stored is not None:
        on_stored(s, receipt)
    return receipt


# The statements of every upload, built once (values come as parameters): building a statement cost
# more than running it
_UPLOADS = Upload.__table__
_INSPECTIONS = Inspection.__table__
_PDUS = PDU.__table__
_REGIONS = Region.__table__
_VERSIONS = select(_UPLOADS).where(_UPLOADS.c.inspection_id == bindparam("inspection_id"), _UPLOADS.c.kind == bindparam("kind"))
_NO_LONGER_CURRENT = update(_UPLOADS).where(_UPLOADS.c.id == bindparam("upload_id")).values(is_current=False)
_NEW_UPLOAD = insert(_UPLOADS).returning(_UPLOADS.c.id, _UPLOADS.c.version, _UPLOADS.c.sha256, _UPLOADS.c.uploaded_by, _UPLOADS.c.counts)


_DEMO_REFUSAL = ("{label} is a synthetic demo inspection: real fieldwork cannot be mixed with invented data. "
                 "Remove the demo first (python -m core demo --remove), or check the unit and round.")


def _receipt(status: str, upload: ParsedUpload, inspection, row) -> Receipt:
    """``inspection``: its row (id, unit_name); ``row``: the upload's (id, version, sha256, uploaded_by, counts)."""
    fields = upload.inspection
    return Receipt(status=status, file_name=upload.file_name, kind=upload.kind, inspection_id=inspection.id,
                   inspection=_label(fields, inspection.unit_name), region=fields.region, unit=inspection.unit_name,
                   level=fields.level, framework=fields.framework, round=fields.round, version=row.version, upload_id=row.id,
                   sha256=row.sha256, uploaded_by=row.uploaded_by, counts=dict(row.counts or {}))


def _label(fields: InspectionFields, unit: str) -> str:
    where = f"{unit} PDU ({fields.region})" if fields.level == "pdu" else f"{fields.region} region"
    return f"{where}, {fields.framework}, round {fields.round}"


# -- finding or making the inspection ---------------------------------------------------------

def _serialise_writers(s: Session) -> None:
    # SQLite: take the write lock now. A deferred transaction that reads and then writes fails
    # with "database is locked" when another upload wrote in between; an immediate one waits.
    if s.get_bind().dialect.name == "sqlite":
        s.execute(text("BEGIN IMMEDIATE"))


# the region and the PDU as most uploads find them: both there already (one statement, not four)
_KNOWN_REGION_AND_PDU = (select(_REGIONS.c.id, _PDUS.c.id, _PDUS.c.name)
                         .outerjoin(_PDUS, and_(_PDUS.c.region_id == _REGIONS.c.id, _PDUS.c.name_key == bindparam("pdu_key")))
                         .where(_REGIONS.c.name_key == bindparam("region_key")))
_INSPECTION_COLUMNS = (_INSPECTIONS.c.id, _INSPECTIONS.c.unit_name, _INSPECTIONS.c.synthetic, _INSPECTIONS.c.fieldwork_start,
                       _INSPECTIONS.c.fieldwork_end)
_SAME = (_INSPECTIONS.c.region_id == bindparam("region_id"), _INSPECTIONS.c.level == bindparam("level"),
         _INSPECTIONS.c.framework == bindparam("framework"), _INSPECTIONS.c.round == bindparam("round"))
_SAME_INSPECTIONS = select(_INSPECTIONS.c.id, _INSPECTIONS.c.unit_name).where(*_SAME)
# FOR UPDATE: a second upload for this inspection waits here until this one commits, then sees its
# version; SQLite ignores it (BEGIN IMMEDIATE already serialised the writers)
_LOCK_BY_ID = select(*_INSPECTION_COLUMNS).where(_INSPECTIONS.c.id == bindparam("inspection_id")).with_for_update()
_LOCK_BY_NAME = select(*_INSPECTION_COLUMNS).where(*_SAME, _INSPECTIONS.c.unit_name == bindparam("unit_name")).with_for_update()


def _inspection_for_update(c: Connection, fields: InspectionFields):
    """The inspection's row (id, unit_name, synthetic, fieldwork_start, fieldwork_end), made if new,
    locked until this upload commits."""
    pdu_key = normalised_name(fields.unit) if fields.level == "pdu" else None
    known = c.execute(_KNOWN_REGION_AND_PDU, {"region_key": normalised_name(fields.region), "pdu_key": pdu_key}).first()
    region_id = known[0] if known is not None else _region_id(c, fields.region)
    pdu_id, unit = None, fields.unit
    if fields.level == "pdu":
        if known is not None and known[1] is not None:
            pdu_id, unit = known[1], known[2]
        else:
            pdu_id, unit = _pdu(c, region_id, fields.unit)
    same = {"region_id": region_id, "level": fields.level, "framework": fields.framework, "round": fields.round}
    known = {unit_key(name): i for i, name in c.execute(_SAME_INSPECTIONS, same).all()}
    inspection_id = known.get(unit_key(unit))
    if inspection_id is not None:
        return c.execute(_LOCK_BY_ID, {"inspection_id": inspection_id}).one()
    made = _insert_if_absent(c, _INSPECTIONS, dict(same, pdu_id=pdu_id, unit_name=unit, fieldwork_start=fields.fieldwork_start,
                                                   fieldwork_end=fields.fieldwork_end, status="fieldwork", synthetic=False),
                             ("region_id", "level", "unit_name", "framework", "round"), _INSPECTION_COLUMNS)
    if made is not None:
        return made  # inserted by this transaction: locked by it until it commits
    return c.execute(_LOCK_BY_NAME, dict(same, unit_name=unit)).one()


def _region_id(c: Connection, name: str) -> int:
    key = normalised_name(name)
    _insert_if_absent(c, _REGIONS, {"name": name, "name_key": key}, ("name_key",))
    return c.execute(select(_REGIONS.c.id).where(_REGIONS.c.name_key == key)).scalar_one()


def _pdu(c: Connection, region_id: int, name: str) -> tuple[int, str]:
    """The PDU's id and its name as first uploaded, made if new.

    One PDU per normalised name, kept by the unique (region_id, name_key): of eight first uploads at
    once spelt 'Salford', 'SALFORD', ' salford ', one inserts and the others, waiting on its key until
    it commits, insert nothing and read its row."""
    key = normalised_name(name)
    made = _insert_if_absent(c, _PDUS, {"region_id": region_id, "name": name, "name_key": key}, ("region_id", "name_key"),
                             (_PDUS.c.id, _PDUS.c.name))
    if made is None:
        made = c.execute(select(_PDUS.c.id, _PDUS.c.name).where(_PDUS.c.region_id == region_id, _PDUS.c.name_key == key)).one()
    return made[0], made[1]


def _insert_if_absent(c: Connection, table: Table, values: dict, unique: tuple[str, ...], returning: tuple = ()):
    """INSERT … ON CONFLICT DO NOTHING: two first uploads in a new region make one region row.
    Returns the ``returning`` columns of the row inserted, or None where it was there already (or
    nothing is asked)."""
    dialect = c.dialect.name
    if dialect in ("postgresql", "sqlite"):
        row = c.execute(_insert_or_nothing(dialect, table, returning), values)
        return row.first() if returning else None
    exists = select(table.c.id).where(*(table.c[k] == values[k] for k in unique))
    if c.execute(exists).first() is None:
        c.execute(insert(table).values(**values))
    return None


@functools.lru_cache(maxsize=None)
def _insert_or_nothing(dialect: str, table: Table, returning: tuple):
    """The INSERT … ON CONFLICT DO NOTHING [RETURNING …] of ``_insert_if_absent``, built once.

    No conflict target: a region or PDU has two unique keys (its name as written, and normalised),
    and PostgreSQL handles a conflict only on the target's index. Two first uploads racing on the
    other one (the same name, so the same key) would fail with a unique violation instead of one
    waiting and inserting nothing (seen once in the concurrency test)."""
    stmt = (postgresql if dialect == "postgresql" else sqlite).insert(table).on_conflict_do_nothing()
    return stmt.returning(*returning) if returning else stmt


def _update_fieldwork(c: Connection, inspection, fields: InspectionFields) -> None:
    # the latest accepted upload says when fieldwork ran; a later correction should show
    changed = {name: new for name, new, old in (("fieldwork_start", fields.fieldwork_start, inspection.fieldwork_start),
                                                ("fieldwork_end", fields.fieldwork_end, inspection.fieldwork_end)) if new and new != old}
    if changed:
        c.execute(update(_INSPECTIONS).where(_INSPECTIONS.c.id == inspection.id).values(**changed))


# -- the rows ---------------------------------------------------------------------------------

def _insert_cases(s: Session, upload_id: int, inspection_id: int, upload: ParsedUpload) -> None:
    """The cases, their answers packed against the case type's template codes, and their tallies
    (``core.store.answers``; packed and counted when the file was checked)."""
    write_case_rows(s, upload_id, inspection_id, upload.cases)


def _insert_evidence(s: Session, upload_id: int, inspection_id: int, upload: ParsedUpload) -> None:
    keys = {"upload_id": upload_id, "inspection_id": inspection_id}
    for model, rows in ((EvidenceItem, upload.evidence.items), (ProposedRating, upload.evidence.proposed),
                        (SurveyFigure, upload.evidence.survey), (Judgement, upload.evidence.judgements)):
        if rows:
            s.connection().execute(insert(model.__table__), [{**keys, **r} for r in rows])
