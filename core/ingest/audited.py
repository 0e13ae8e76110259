"""Uploads as a principal: checked against ``core.access`` and recorded in the audit trail.

The Upload page and ``python -m core import`` upload through ``upload``: accepted, identical
re-upload, rejected (with the number of findings) or access refused (a region the principal may not
upload for), each leaves its audit row. A refused or rejected file writes nothing but that row; a stored one's row
is written in the upload's own transaction.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from core.access import Principal
from core.errors import InvalidWorkbook
from core.store import audit
from core.store.scope import Scope


def upload_scope(by: Principal) -> Scope | None:
    """The regions ``by`` may upload for: None (no limit) for the operator and open local mode; an
    inspector's regions; no region at all for anyone else."""
    if by.unrestricted:
        return None
    return Scope.for_principal(by) if by.uploads else Scope.of_regions(user=by.who)


def upload(engine: Engine, by: Principal, source, file_name: str | None = None):
    """Check and store a file as ``by`` (``core.ingest.importer.import_file``), and record what
    became of it: accepted, identical re-upload, rejected (with the number of findings), or access
    refused (a region ``by`` may not upload for). Returns the Receipt or raises InvalidWorkbook."""
    from core import findings as F
    from core.ingest.importer import import_file
    from core.store.uploads import ALREADY_LOADED

    name = file_name or Path(str(source)).name

    def record_stored(session, receipt) -> None:  # in the upload's own transaction: both land, or neither
        identical = receipt.status == ALREADY_LOADED
        audit.record(session, by.who, audit.UPLOAD_IDENTICAL if identical else audit.UPLOAD_ACCEPTED,
                     f"upload {receipt.upload_id} {receipt.file_name}", audit.UNCHANGED if identical else audit.OK,
                     details={"inspection": receipt.inspection, "region": receipt.region, "kind": receipt.kind,
                              "version": receipt.version, "status": receipt.status, "counts": receipt.counts,
                              "sha256": receipt.sha256})

    try:
        return import_file(engine, source, file_name, user=by.who, scope=upload_scope(by), on_stored=record_stored)
    except InvalidWorkbook as exc:
        out_of_scope = [f for f in exc.findings if f.type == F.OUT_OF_SCOPE]
        if out_of_scope:
            audit.record(engine, by.who, audit.ACCESS_REFUSED, f"upload {name}", audit.REFUSED,
                         details={"reason": out_of_scope[0].message, "role": by.describe_role()})
        else:
            audit.record(engine, by.who, audit.UPLOAD_REJECTED, name, audit.REJECTED,
                         details={"findings": exc.total, "first": exc.findings[0].message if exc.findings else ""})
        raise
