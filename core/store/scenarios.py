"""Saved what-if scenarios: save by name, list, load, delete. Each is one session and one transaction.

Scenarios are rules, not inspection data: they belong to no region, so these functions take no
reader's scope. The spec is stored as ``Scenario.to_dict()`` JSON and read back through
``Scenario.from_dict``, so a stored scenario is validated again whenever it is loaded.

Anyone may list and load any scenario. Only its owner may overwrite or delete it (``as_user``, the
user acting); a scenario with a blank owner (saved with no user) may be overwritten or deleted by
anyone. Overwriting records the saver as the owner. The owner is checked inside the transaction that
writes, so a scenario cannot change hands between the check and the write.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import InputError
from core.scenario import Scenario
from core.store.models import Scenario as ScenarioRow

NAME_LENGTH = 120  # the width of scenarios.name


class UnknownScenario(InputError):
    """No scenario is saved under that name."""


class ScenarioExists(InputError):
    """A scenario is already saved under that name and overwriting was not asked for."""


class NotScenarioOwner(InputError):
    """The scenario belongs to another user: only its owner may overwrite or delete it."""


@dataclass(frozen=True)
class SavedScenario:
    name: str
    owner: str
    created_at: dt.datetime | None
    scenario: Scenario


def scenario_name(name: str) -> str:
    """The name as stored: spaces trimmed and runs of spaces made one; it must be non-empty and fit the column."""
    text = " ".join(str(name or "").split())
    if not text:
        raise InputError("a scenario needs a name")
    if len(text) > NAME_LENGTH:
        raise InputError(f"a scenario name has at most {NAME_LENGTH} characters; {text[:30]!r}... has {len(text)}")
    return text


def _saved(row: ScenarioRow) -> SavedScenario:
    try:
        scenario = Scenario.from_dict(row.spec or {})
    except InputError as exc:
        raise InputError(f"saved scenario {row.name!r} is no longer valid: {exc}") from None
    return SavedScenario(row.name, row.owner or "", row.created_at, scenario)


def may_change(owner: str | None, user: str | None) -> bool:
    """Whether ``user`` may overwrite or delete a scenario saved by ``owner``: its owner, or anyone if
    it has none (a blank owner)."""
    return not (owner or "").strip() or owner == (user or "")


def _not_owner(name: str, owner: str, what: str) -> NotScenarioOwner:
    return NotScenarioOwner(f"cannot {what} {name!r}: it belongs to {owner}, and only its owner may {what} it; "
                            "save yours under another name")


def save_scenario(engine: Engine, name: str, scenario: Scenario, *, owner: str = "", overwrite: bool = False,
                  as_user: str | None = None) -> SavedScenario:
    """Save a scenario under a name, owned by ``owner``. An existing one of that name is replaced only
    with ``overwrite`` (keeping its creation time; otherwise ScenarioExists), and only when ``as_user``
    (the user saving; default ``owner``) owns it or it has no owner (otherwise NotScenarioOwner).
    Nothing is written when either is raised."""
    name = scenario_name(name)
    acting = owner if as_user is None else as_user
    try:
        with Session(engine) as s, s.begin():
            row = s.scalars(select(ScenarioRow).where(ScenarioRow.name == name).with_for_update()).one_or_none()
            if row is not None and not overwrite:
                raise ScenarioExists(f"a scenario named {name!r} already exists; choose another name or overwrite it")
            if row is not None and not may_change(row.owner, acting):
                raise _not_owner(name, row.owner, "overwrite")
            if row is None:
                row = ScenarioRow(name=name)
                s.add(row)
            row.owner = owner or ""
            row.spec = scenario.to_dict()
            s.flush()
            s.refresh(row)  # the server fills created_at
            return _saved(row)
    except IntegrityError:
        # another session saved the same name between our look and our insert
        raise ScenarioExists(f"a scenario named {name!r} already exists; choose another name or overwrite it") from None


def list_scenarios(engine: Engine) -> list[SavedScenario]:
    """Every saved scenario, by name (ignoring case)."""
    with Session(engine) as s:
        rows = s.scalars(select(ScenarioRow).order_by(func.lower(ScenarioRow.name), ScenarioRow.name)).all()
        return [_saved(r) for r in rows]


def load_scenario(engine: Engine, name: str) -> SavedScenario:
    """The scenario saved under this name; UnknownScenario (naming those there are) if none is."""
    name = scenario_name(name)
    with Session(engine) as s:
        row = s.scalars(select(ScenarioRow).where(ScenarioRow.name == name)).one_or_none()
        if row is None:
            known = s.scalars(select(ScenarioRow.name).order_by(ScenarioRow.name)).all()
            raise UnknownScenario(f"no scenario is saved as {name!r}; saved: {', '.join(map(repr, known)) or 'none'}")
        return _saved(row)


def delete_scenario(engine: Engine, name: str, *, as_user: str = "") -> None:
    """Delete the scenario saved under this name, as ``as_user``: UnknownScenario if there is none,
    NotScenarioOwner (deleting nothing) if it belongs to another user. With no ``as_user`` only a
    scenario with no owner may be deleted."""
    name = scenario_name(name)
    as_user = as_user or ""
    with Session(engine) as s, s.begin():
        # one statement: the owner is checked where the row is deleted
        mine = or_(ScenarioRow.owner.is_(None), func.trim(ScenarioRow.owner) == "", ScenarioRow.owner == as_user)
        deleted = s.execute(delete(ScenarioRow).where(ScenarioRow.name == name, mine)).rowcount
        if not deleted:
            owner = s.scalars(select(ScenarioRow.owner).where(ScenarioRow.name == name)).first()
            if owner is None:
                raise UnknownScenario(f"no scenario is saved as {name!r}")
            raise _not_owner(name, owner, "delete")
