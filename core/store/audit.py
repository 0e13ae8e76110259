"""The append-only audit trail: who did what, to what, when (UTC), with what outcome.

``record`` adds one row (inside the caller's transaction where it is given a session, so that an
action and its record land together or not at all). Nothing here updates or deletes a row, and the
migration's trigger refuses it on both SQLite and PostgreSQL.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from core.access import AccessDenied, Principal
from core.store.models import AuditEvent

# The actions recorded (``--action NAME`` on the command line; a filter on the admin page).
SIGN_IN = "sign-in"
ACCESS_REFUSED = "access-refused"
UPLOAD_ACCEPTED = "upload-accepted"
UPLOAD_REJECTED = "upload-rejected"
UPLOAD_IDENTICAL = "upload-identical"
UPLOAD_WITHDRAWN = "upload-withdrawn"
PUBLISHED_LOADED = "published-loaded"
PUBLISHED_CHANGED = "published-changed"
SCENARIO_SAVED = "scenario-saved"
SCENARIO_OVERWRITTEN = "scenario-overwritten"
SCENARIO_DELETED = "scenario-deleted"
EXPORT_DOWNLOADED = "export-downloaded"
USER_ADDED = "user-added"
USER_CHANGED = "user-changed"
USER_REMOVED = "user-removed"
ACTIONS = (SIGN_IN, ACCESS_REFUSED, UPLOAD_ACCEPTED, UPLOAD_REJECTED, UPLOAD_IDENTICAL, UPLOAD_WITHDRAWN, PUBLISHED_LOADED,
           PUBLISHED_CHANGED, SCENARIO_SAVED, SCENARIO_OVERWRITTEN, SCENARIO_DELETED, EXPORT_DOWNLOADED, USER_ADDED,
           USER_CHANGED, USER_REMOVED)

OK, REFUSED, REJECTED, UNCHANGED = "ok", "refused", "rejected", "unchanged"
COLUMNS = ["at", "user", "action", "object", "outcome", "details"]


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def record(target: Engine | Session, user: str, action: str, object: str = "", outcome: str = OK,
           details: dict[str, Any] | None = None) -> None:
    """Append one event. ``target`` is an engine (its own short transaction) or the session of the
    action being recorded (then it commits or rolls back with the action)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    values = dict(at=now(), user=str(user or "anonymous")[:254], action=action, object=str(object or ""),
                  outcome=outcome, details=_plain(details or {}))
    if isinstance(target, Session):
        target.connection().execute(_APPEND, values)
    else:
        with target.begin() as c:
            c.execute(_APPEND, values)


_APPEND = insert(AuditEvent.__table__)  # a Core insert, built once: an import of a hundred files writes a hundred


def _plain(value):
    """Details as JSON can hold them (numbers from pandas or numpy become plain ones; others text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in (sorted(value) if isinstance(value, (set, frozenset)) else value)]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def events(engine: Engine, since: dt.datetime | dt.date | None = None, user: str | None = None,
           action: str | None = None) -> pd.DataFrame:
    """The trail, oldest first, filtered by time (from ``since``, a UTC date or time), user and action.
    Columns: at (UTC), user, action, object, outcome, details."""
    from core.access import normalise_email

    stmt = select(AuditEvent.at, AuditEvent.user, AuditEvent.action, AuditEvent.object, AuditEvent.outcome,
                  AuditEvent.details).order_by(AuditEvent.at, AuditEvent.id)
    if since is not None:
        if not isinstance(since, dt.datetime):
            since = dt.datetime(since.year, since.month, since.day)
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.timezone.utc)
        stmt = stmt.where(AuditEvent.at >= since)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    with Session(engine) as s:
        frame = pd.DataFrame(s.execute(stmt).all(), columns=COLUMNS)
    if user:  # compared as e-mails are everywhere (NFKC, case folded)
        frame = frame[frame["user"].map(normalise_email) == normalise_email(user)]
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame.reset_index(drop=True)


def require(engine: Engine, by: Principal, allowed: bool, action: str, what: str) -> None:
    """``by.require(allowed, action)``; where it refuses, the refusal is recorded (``what`` was refused,
    in its own transaction: the refused action writes nothing) and AccessDenied raised."""
    try:
        by.require(allowed, action)
    except AccessDenied as exc:
        refused(engine, by, what, exc)
        raise


def refused(engine: Engine, by: Principal, what: str, exc: AccessDenied) -> None:
    """Record that ``by`` was refused ``what``, with the reason."""
    record(engine, by.who, ACCESS_REFUSED, what, REFUSED, details={"reason": str(exc)})
