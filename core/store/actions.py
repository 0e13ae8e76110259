"""The other actions a principal takes, each decided by ``core.access`` and recorded in the audit trail:
loading published ratings, saving and deleting what-if scenarios, downloading a table. (Uploads:
``core.ingest.audited``.) A refused action writes nothing but its audit row.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from core.access import Principal
from core.store import audit


def load_published_as(engine: Engine, by: Principal, path=None):
    """Load a published ratings CSV as ``by`` (an admin or the operator), recording what changed."""
    from core.store.published import PUBLISHED_CSV, load_published

    path = path or PUBLISHED_CSV
    audit.require(engine, by, by.may_load_published, "load published ratings", f"load published ratings {Path(path).name}")
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
    audit.require(engine, by, by.may_save_scenarios, "save scenarios", f"save scenario {clean}")
    existed = overwrite and any(s.name == clean for s in list_scenarios(engine))
    saved = save_scenario(engine, clean, scenario, owner=by.who, overwrite=overwrite)
    audit.record(engine, by.who, audit.SCENARIO_OVERWRITTEN if existed else audit.SCENARIO_SAVED, saved.name,
                 details={"spec": saved.scenario.to_dict()})
    return saved


def delete_scenario_as(engine: Engine, by: Principal, name: str) -> None:
    from core.store.scenarios import delete_scenario, scenario_name

    clean = scenario_name(name)
    audit.require(engine, by, by.may_save_scenarios, "delete scenarios", f"delete scenario {clean}")
    delete_scenario(engine, clean, as_user=by.who)
    audit.record(engine, by.who, audit.SCENARIO_DELETED, clean)


def record_export(engine: Engine, by: Principal, table: str, file_name: str, rows: int) -> None:
    """A download of ``table`` (as ``file_name``, ``rows`` rows) in ``by``'s scope."""
    audit.record(engine, by.who, audit.EXPORT_DOWNLOADED, file_name,
                 details={"table": table, "rows": int(rows), "scope": by.describe_regions()})
