"""Uploads listed, and withdrawn.

Withdrawing an upload marks it withdrawn (when, by whom, why) and no longer current; nothing is
deleted. If it was the version that counted, the newest earlier version that is not withdrawn
counts again; with none, that upload's data leaves the ratings (and an inspection with no current
upload of any kind leaves them altogether). The withdrawal and its audit row are one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from core.access import AccessDenied, Principal
from core.errors import InputError
from core.store import audit
from core.store.models import Inspection, Region, Upload
from core.store.scope import Scope

COLUMNS = ["upload_id", "file_name", "region", "unit", "round", "kind", "version", "current", "uploaded_by", "uploaded_at",
           "withdrawn_at", "withdrawn_by", "withdrawn_reason", "sha256", "counts"]


def _uploads_in_scope(stmt, scope: Scope):
    return (stmt.join(Inspection, Upload.inspection_id == Inspection.id).join(Region, Inspection.region_id == Region.id)
            .where(scope.filter(Region.name)))


def upload_rounds(engine: Engine, scope: Scope) -> list[str]:
    """The rounds with any upload in scope (withdrawn ones included), newest first."""
    with Session(engine) as s:
        rounds = s.execute(_uploads_in_scope(select(Inspection.round).distinct().select_from(Upload), scope)).scalars()
        return sorted((r for r in rounds if r is not None), reverse=True)


def uploads_listing(engine: Engine, scope: Scope, round_: str | None = None) -> pd.DataFrame:
    """Every upload in scope, of one round where given, newest first, withdrawn ones included (``COLUMNS``)."""
    with Session(engine) as s:
        stmt = _uploads_in_scope(select(Upload.id, Upload.file_name, Region.name, Inspection.unit_name, Inspection.round, Upload.kind,
                                        Upload.version, Upload.is_current, Upload.uploaded_by, Upload.uploaded_at, Upload.withdrawn_at,
                                        Upload.withdrawn_by, Upload.withdrawn_reason, Upload.sha256, Upload.counts), scope)
        if round_ is not None:
            stmt = stmt.where(Inspection.round == round_)
        return pd.DataFrame(s.execute(stmt.order_by(Upload.uploaded_at.desc(), Upload.id.desc())).all(), columns=COLUMNS)


@dataclass(frozen=True)
class Withdrawal:
    upload_id: int
    file_name: str
    kind: str
    version: int
    unit: str
    region: str
    round: str
    now_current: int | None  # the version that counts now, or None
    inspection_left: bool  # no upload of any kind counts for the inspection now

    def summary(self) -> str:
        what = f"upload {self.upload_id} ({self.file_name}, version {self.version} of the {self.kind} upload for {self.unit}, round {self.round})"
        if self.now_current is not None:
            then = f"version {self.now_current} counts again"
        elif self.inspection_left:
            then = "no version counts now, and the inspection has left the ratings"
        else:
            then = f"no version of the {self.kind} upload counts now"
        return f"withdrew {what}: {then}; nothing was deleted"


def withdraw_upload(engine: Engine, upload_id: int, reason: str, by: Principal) -> Withdrawal:
    """Withdraw an upload as ``by`` (its uploader if an inspector of its region, an admin, or the
    operator), with a reason. InputError for an unknown or already withdrawn upload or a blank
    reason; AccessDenied (recorded as access refused) where ``by`` may not; nothing changes then."""
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise InputError("a withdrawal needs a --reason")
    try:
        with Session(engine) as s, s.begin():
            if s.get_bind().dialect.name == "sqlite":
                s.execute(text("BEGIN IMMEDIATE"))  # one writer at a time, as uploads do
            row = s.execute(select(Upload, Inspection.unit_name, Inspection.round, Region.name)
                            .join(Inspection, Upload.inspection_id == Inspection.id)
                            .join(Region, Inspection.region_id == Region.id)
                            .where(Upload.id == int(upload_id)).with_for_update(of=Upload)).one_or_none()
            if row is None:
                raise InputError(f"there is no upload {upload_id}; see python -m core uploads")
            upload, unit, round_, region = row
            if not by.may_read(region) and not by.unrestricted:
                raise InputError(f"there is no upload {upload_id}; see python -m core uploads")
            if upload.withdrawn_at is not None:
                raise InputError(f"upload {upload_id} was already withdrawn on {upload.withdrawn_at:%Y-%m-%d %H:%M} by "
                                 f"{upload.withdrawn_by}: {upload.withdrawn_reason}")
            by.require(by.may_withdraw(upload.uploaded_by, region), f"withdraw upload {upload_id} (uploaded by {upload.uploaded_by})")
            was_current = upload.is_current
            s.execute(update(Upload).where(Upload.id == upload.id).values(
                is_current=False, withdrawn_at=audit.now(), withdrawn_by=by.who[:254], withdrawn_reason=reason))
            now_current = None
            if was_current:
                previous = s.scalars(select(Upload).where(Upload.inspection_id == upload.inspection_id, Upload.kind == upload.kind,
                                                          Upload.id != upload.id, Upload.withdrawn_at.is_(None))
                                     .order_by(Upload.version.desc()).limit(1)).first()
                if previous is not None:
                    s.execute(update(Upload).where(Upload.id == previous.id).values(is_current=True))
                    now_current = previous.version
            else:
                now_current = s.scalars(select(Upload.version).where(Upload.inspection_id == upload.inspection_id,
                                                                     Upload.kind == upload.kind, Upload.is_current.is_(True))).first()
            left = s.scalars(select(Upload.id).where(Upload.inspection_id == upload.inspection_id,
                                                     Upload.is_current.is_(True)).limit(1)).first() is None
            result = Withdrawal(upload.id, upload.file_name, upload.kind, upload.version, unit, region, round_, now_current, left)
            audit.record(s, by.who, audit.UPLOAD_WITHDRAWN, f"upload {upload.id} {upload.file_name}",
                         details={"reason": reason, "region": region, "unit": unit, "round": round_, "kind": upload.kind,
                                  "version": upload.version, "uploaded_by": upload.uploaded_by, "now_current": now_current,
                                  "inspection_left_ratings": left})
            return result
    except AccessDenied as exc:  # decided inside the transaction, which knows whose upload it is
        audit.refused(engine, by, f"withdraw upload {upload_id}", exc)
        raise
