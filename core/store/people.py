"""Known users: e-mail, role and regions, managed by an administrator (the ``users`` command, the
admin page). Each change is audited in the transaction that makes it."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.access import ADMIN, NATIONAL, REGIONAL_ROLES, Principal, check_email, check_role, normalise_email
from core.errors import InputError
from core.store import audit
from core.store.models import Person

COLUMNS = ["email", "role", "regions", "added_by", "added_at"]


@dataclass(frozen=True)
class PersonRecord:
    email: str
    role: str
    regions: tuple[str, ...]


def canonical_regions(names) -> tuple[str, ...]:
    """Region names as the framework spells them (case, spacing and '&' forgiven); every unknown
    name is reported at once (InputError)."""
    from core.framework import canonical_region, national_regions

    found, unknown = [], []
    for name in names or ():
        try:
            found.append(canonical_region(name))
        except KeyError:
            unknown.append(name)
    if unknown:
        known = ", ".join(r.name for r in national_regions())
        raise InputError(f"unknown region{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; the regions are: {known}")
    return tuple(sorted(set(found)))


def _checked(role: str, regions) -> tuple[str, tuple[str, ...]]:
    role = check_role(role)
    regions = canonical_regions(regions)
    if role in REGIONAL_ROLES and not regions:
        raise InputError(f"a {role} user needs at least one --region")
    if role in (NATIONAL, ADMIN) and regions:
        raise InputError(f"a {role} user sees every region; give no --region")
    return role, regions


def _require_admin(engine: Engine, by: Principal, what: str) -> None:
    audit.require(engine, by, by.may_manage_people, "manage users", what)


def find_person(engine: Engine, email: str) -> PersonRecord | None:
    with Session(engine) as s:
        row = s.scalars(select(Person).where(Person.email == normalise_email(email))).one_or_none()
        return None if row is None else PersonRecord(row.email, row.role, tuple(row.regions or ()))


def add_person(engine: Engine, email: str, role: str, regions=(), *, by: Principal) -> PersonRecord:
    _require_admin(engine, by, f"add user {email}")
    email = check_email(email)
    role, regions = _checked(role, regions)
    try:
        with Session(engine) as s, s.begin():
            if s.scalars(select(Person.id).where(Person.email == email)).first() is not None:
                raise InputError(f"{email} is already a user; use 'users change'")
            s.add(Person(email=email, role=role, regions=list(regions), added_by=by.who[:254]))
            s.flush()
            audit.record(s, by.who, audit.USER_ADDED, email, details={"role": role, "regions": list(regions)})
    except IntegrityError:
        raise InputError(f"{email} is already a user; use 'users change'") from None
    return PersonRecord(email, role, regions)


def change_person(engine: Engine, email: str, role: str | None = None, regions=None, *, by: Principal) -> PersonRecord:
    """Change a user's role and/or regions (``regions`` replaces theirs; None keeps them)."""
    _require_admin(engine, by, f"change user {email}")
    email = normalise_email(email)
    with Session(engine) as s, s.begin():
        row = s.scalars(select(Person).where(Person.email == email).with_for_update()).one_or_none()
        if row is None:
            raise InputError(f"{email} is not a user; use 'users add'")
        before = {"role": row.role, "regions": list(row.regions or [])}
        new_role = role if role is not None else row.role
        new_regions = regions if regions is not None else ([] if check_role(new_role) in (NATIONAL, ADMIN) else row.regions)
        new_role, new_regions = _checked(new_role, new_regions)
        row.role, row.regions = new_role, list(new_regions)
        audit.record(s, by.who, audit.USER_CHANGED, email,
                     details={"before": before, "after": {"role": new_role, "regions": list(new_regions)}})
    return PersonRecord(email, new_role, new_regions)


def remove_person(engine: Engine, email: str, *, by: Principal) -> None:
    _require_admin(engine, by, f"remove user {email}")
    email = normalise_email(email)
    with Session(engine) as s, s.begin():
        row = s.scalars(select(Person).where(Person.email == email).with_for_update()).one_or_none()
        if row is None:
            raise InputError(f"{email} is not a user")
        details = {"role": row.role, "regions": list(row.regions or [])}
        s.delete(row)
        audit.record(s, by.who, audit.USER_REMOVED, email, details=details)


def people_frame(engine: Engine) -> pd.DataFrame:
    """Every known user, by e-mail: email, role, regions ('; '-joined), added_by, added_at."""
    with Session(engine) as s:
        rows = s.execute(select(Person.email, Person.role, Person.regions, Person.added_by, Person.added_at)
                         .order_by(Person.email)).all()
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["regions"] = frame["regions"].map(lambda r: "; ".join(r or []))
    return frame


def principal_of(engine: Engine, email: str | None, admins=()) -> Principal:
    """The principal of a signed-in person (see ``core.access.principal_for``)."""
    from core.access import principal_for

    person = find_person(engine, email) if email else None
    return principal_for(email, None if person is None else (person.role, list(person.regions)), admins)


def command_line_principal(engine: Engine, as_user: str | None, login_name: str) -> Principal:
    """Whom a command-line action is for: ``--as EMAIL`` where that is a known user takes their role
    and regions; anyone else is the operator (no limits), recorded under the name given."""
    if as_user:
        person = find_person(engine, as_user)
        if person is not None:
            return Principal.of_person(person.email, person.role, person.regions)
        return Principal.operator(normalise_email(as_user))
    return Principal.operator(login_name)
