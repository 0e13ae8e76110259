"""Saved what-if scenarios: save by name, list, load, delete. Each is one session and one transaction.

Scenarios are rules, not inspection data: they belong to no region, so these functions take no
reader's scope. The spec is stored as ``Scenario.to_dict()`` JSON and read back through
``Scenario.from_dict``, so a stored scenario is validated again whenever it is loaded.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, select
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


def save_scenario(engine: Engine, name: str, scenario: Scenario, *, owner: str = "", overwrite: bool = False) -> SavedScenario:
    """Save a scenario under a name. An existing one of that name is replaced only with ``overwrite``
    (keeping its creation time); otherwise ScenarioExists, and nothing is written."""
    name = scenario_name(name)
    try:
        with Session(engine) as s, s.begin():
            row = s.scalars(select(ScenarioRow).where(ScenarioRow.name == name)).one_or_none()
            if row is not None and not overwrite:
                raise ScenarioExists(f"a scenario named {name!r} already exists; choose another name or overwrite it")
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


def delete_scenario(engine: Engine, name: str) -> None:
    """Delete the scenario saved under this name; UnknownScenario if there is none."""
    name = scenario_name(name)
    with Session(engine) as s, s.begin():
        deleted = s.execute(delete(ScenarioRow).where(ScenarioRow.name == name)).rowcount
        if not deleted:
            raise UnknownScenario(f"no scenario is saved as {name!r}")
