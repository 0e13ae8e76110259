"""The actions a principal takes, each decided by ``core.access`` and recorded in the audit trail.

The Upload page and ``python -m core import`` upload through ``upload``; ``load-published`` through
``load_published_as``; the What-if page saves and deletes scenarios through ``save_scenario_as`` and
``delete_scenario_as``; every download of a table is recorded with ``record_export``. A refused
action writes nothing but its audit row.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from core.access import AccessDenied, Principal
from core.errors import InvalidWorkbook
from core.store import audit
from core.store.scope import Scope


def upload_scope(by: Principal) -> Scope | None:
    """The regions ``by`` may upload for: None (no limit) for the operator and open local mode; an
    inspector's regions; no region at all for anyone else."""
    if by.unrestricted:
        return None
    return by.scope if by.uploads else Scope.of_regions(user=by.who)


def upload(engine: Engine, by: Principal, source, file_name: str | None = None):
    """Check and store a file as ``by`` (``core.ingest.importer.import_file``), and record what
    became of it: accepted, identical re-upload, rejected (with the number of findings), or access
    refused (a region ``by`` may not upload for). Returns the Receipt or raises InvalidWorkbook."""
    from core.ingest import findings as F
    from core.ingest.importer import import_file
    from core.store.uploads import ALREADY_LOADED

    name = file_name or Path(str(source)).name
    try:
        receipt = import_file(engine, source, file_name, user=by.who, scope=upload_scope(by))
    except InvalidWorkbook as exc:
        out_of_scope = [f for f in exc.findings if f.type == F.OUT_OF_SCOPE]
        if out_of_scope:
            audit.record(engine, by.who, audit.ACCESS_REFUSED, f"upload {name}", audit.REFUSED,
                         details={"reason": out_of_scope[0].message, "role": by.describe_role()})
        else:
            audit.record(engine, by.who, audit.UPLOAD_REJECTED, name, audit.REJECTED,
                         details={"findings": exc.total, "first": exc.findings[0].message if exc.findings else ""})
        raise
    identical = receipt.status == ALREADY_LOADED
    audit.record(engine, by.who, audit.UPLOAD_IDENTICAL if identical else audit.UPLOAD_ACCEPTED,
                 f"upload {receipt.upload_id} {receipt.file_name}", audit.UNCHANGED if identical else audit.OK,
                 details={"inspection": receipt.inspection, "region": receipt.region, "kind": receipt.kind,
                          "version": receipt.version, "status": receipt.status, "counts": receipt.counts,
                          "sha256": receipt.sha256})
    return receipt


def load_published_as(engine: Engine, by: Principal, path=None):
    """Load a published ratings CSV as ``by`` (an admin or the operator), recording what changed."""
    from core.store.published import PUBLISHED_CSV, load_published

    path = path or PUBLISHED_CSV
    try:
        by.require(by.may_load_published, "load published ratings")
    except AccessDenied as exc:
        audit.record(engine, by.who, audit.ACCESS_REFUSED, f"load published ratings {Path(path).name}", audit.REFUSED,
                     details={"reason": str(exc)})
        raise
    result = load_published(engine, path)
    changed = result.added or result.updated
    audit.record(engine, by.who, audit.PUBLISHED_CHANGED if result.updated else audit.PUBLISHED_LOADED, Path(path).name,
                 audit.OK if changed else audit.UNCHANGED,
                 details={"added": result.added, "updated": result.updated, "unchanged": result.unchanged})
    return result


def save_scenario_as(engine: Engine, by: Principal, name: str, scenario, *, overwrite: bool = False):
    """Save a what-if scenario as ``by`` (regional, admin, or unrestricted), recording saved or overwritten."""
    from core.store.scenarios import list_scenarios, save_scenario, scenario_name

    clean = scenario_name(name)
    try:
        by.require(by.may_save_scenarios, "save scenarios")
    except AccessDenied as exc:
        audit.record(engine, by.who, audit.ACCESS_REFUSED, f"save scenario {clean}", audit.REFUSED, details={"reason": str(exc)})
        raise
    existed = overwrite and any(s.name == clean for s in list_scenarios(engine))
    saved = save_scenario(engine, clean, scenario, owner=by.who, overwrite=overwrite)
    audit.record(engine, by.who, audit.SCENARIO_OVERWRITTEN if existed else audit.SCENARIO_SAVED, saved.name,
                 details={"spec": saved.scenario.to_dict()})
    return saved


def delete_scenario_as(engine: Engine, by: Principal, name: str) -> None:
    from core.store.scenarios import delete_scenario, scenario_name

    clean = scenario_name(name)
    try:
        by.require(by.may_save_scenarios, "delete scenarios")
    except AccessDenied as exc:
        audit.record(engine, by.who, audit.ACCESS_REFUSED, f"delete scenario {clean}", audit.REFUSED, details={"reason": str(exc)})
        raise
    delete_scenario(engine, clean, as_user=by.who)
    audit.record(engine, by.who, audit.SCENARIO_DELETED, clean)


def record_export(engine: Engine, by: Principal, table: str, file_name: str, rows: int) -> None:
    """A download of ``table`` (as ``file_name``, ``rows`` rows) in ``by``'s scope."""
    audit.record(engine, by.who, audit.EXPORT_DOWNLOADED, file_name,
                 details={"table": table, "rows": int(rows), "scope": by.describe_regions()})
