"""Who may see and change what: the one place that decides access.

A ``Principal`` (who, role, regions) is built once per request: by ``app.py`` from the signed-in
person's verified e-mail and the people table, or by the command line from ``--as EMAIL``. Every
read, export, upload, withdrawal, scenario action and page takes it; nothing else decides access.

Roles (``ROLES``):

- **national** reads every region;
- **regional** (a regional leader) reads their regions and saves scenarios;
- **inspector** reads their regions, uploads for them and withdraws their own uploads;
- **admin** reads every region, manages people, loads published ratings, withdraws any upload
  and saves scenarios.

Two principals stand outside the people table: the **operator** of the command line (someone with
the store's URL in hand: not a known user, so no limits; what they do is recorded under the name
they give) and the **open local** user of an app run without ``[auth]`` (everyone who can reach
the server sees every region, and the app says so on every page). A signed-in person who is not a
known user, and an anonymous visitor where sign-in is configured, get a principal with no role:
they may do nothing.

Pure domain: no Streamlit, no SQLAlchemy.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Iterable, Mapping

from core.errors import InputError

NATIONAL, REGIONAL, INSPECTOR, ADMIN = "national", "regional", "inspector", "admin"
ROLES = (NATIONAL, REGIONAL, INSPECTOR, ADMIN)
OPERATOR, OPEN_LOCAL = "operator", "open local"  # not roles a person can be given: see the module's text
REGIONAL_ROLES = (REGIONAL, INSPECTOR)  # roles that read only the regions they are given

LOCAL_USER = "local user"
NO_ACCESS_MESSAGE = "no access yet: ask an administrator"
OPEN_LOCAL_BANNER = ("Open local mode: nobody signs in, so everyone who can reach this server sees every region. "
                     "Configure sign-in ([auth] in .streamlit/secrets.toml) before sharing it.")


class AccessDenied(InputError):
    """The principal may not do this. Nothing was read or written."""


def normalise_email(email: str) -> str:
    """An e-mail address as compared everywhere: Unicode NFKC, spaces trimmed, case folded
    ('Ｌead@Example.ORG ' and 'lead@example.org' are one person)."""
    return unicodedata.normalize("NFKC", str(email or "")).strip().casefold()


def check_email(email: str) -> str:
    """The normalised address, or InputError if it does not look like one (one '@', text either side)."""
    text = normalise_email(email)
    local, at, domain = text.partition("@")
    if not at or not local or not domain or "@" in domain or any(c.isspace() for c in text):
        raise InputError(f"{email!r} is not an e-mail address")
    return text


def check_role(role: str) -> str:
    text = str(role or "").strip().lower()
    if text not in ROLES:
        raise InputError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    return text


def _truthy(value) -> bool:
    """A claim's 'verified' value: JSON true, or the strings some providers send ('true', '1')."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return value == 1


def verified_email(claims: Mapping, email_claim: str = "email", verified_claim: str = "email_verified") -> str | None:
    """The person's identity from their ID token's claims: the ``email_claim``, normalised, and only
    where ``verified_claim`` marks it verified. Never a display name. None where either is missing."""
    email = claims.get(email_claim)
    if not isinstance(email, str) or not email.strip():
        return None
    if not _truthy(claims.get(verified_claim)):
        return None
    return normalise_email(email)


@dataclass(frozen=True)
class Principal:
    """Who is acting, in which role, over which regions (``regions=None``: every region).

    ``role`` is one of ``ROLES``, ``OPERATOR``, ``OPEN_LOCAL``, or None (no access at all)."""

    who: str
    role: str | None
    regions: frozenset[str] | None = frozenset()

    # -- the principals there are ---------------------------------------------------------------
    @classmethod
    def of_person(cls, email: str, role: str, regions: Iterable[str] = ()) -> "Principal":
        role = check_role(role)
        return cls(normalise_email(email), role, None if role in (NATIONAL, ADMIN) else frozenset(regions))

    @classmethod
    def operator(cls, who: str = "command line") -> "Principal":
        return cls(who, OPERATOR, None)

    @classmethod
    def open_local(cls) -> "Principal":
        return cls(LOCAL_USER, OPEN_LOCAL, None)

    @classmethod
    def nobody(cls, who: str = "anonymous") -> "Principal":
        return cls(who, None, frozenset())

    # -- what they may do -----------------------------------------------------------------------
    @property
    def has_access(self) -> bool:
        return self.role is not None

    @property
    def unrestricted(self) -> bool:
        """Command-line operator or open local mode: every permission, every region."""
        return self.role in (OPERATOR, OPEN_LOCAL)

    def may_read(self, region: str) -> bool:
        return self.has_access and (self.regions is None or region in self.regions)

    def may_upload(self, region: str) -> bool:
        return self.unrestricted or (self.role == INSPECTOR and self.may_read(region))

    def may_withdraw(self, uploaded_by: str, region: str) -> bool:
        """An admin (or the operator) any upload; an inspector their own, in their regions."""
        if self.unrestricted or self.role == ADMIN:
            return True
        return (self.role == INSPECTOR and self.may_read(region)
                and normalise_email(uploaded_by) == normalise_email(self.who))

    @property
    def may_save_scenarios(self) -> bool:
        return self.unrestricted or self.role in (REGIONAL, ADMIN)

    @property
    def may_manage_people(self) -> bool:
        return self.unrestricted or self.role == ADMIN

    @property
    def may_load_published(self) -> bool:
        return self.unrestricted or self.role == ADMIN

    @property
    def uploads(self) -> bool:
        """Whether they upload at all (the Upload page's form is for them): an inspector, or unrestricted."""
        return self.unrestricted or self.role == INSPECTOR

    def require(self, allowed: bool, action: str) -> None:
        """AccessDenied naming who, their role and what they tried, unless ``allowed``."""
        if not allowed:
            raise AccessDenied(f"{self.who} ({self.describe_role()}) may not {action}")

    def describe_role(self) -> str:
        if self.role is None:
            return "no access"
        return self.role

    def describe_regions(self) -> str:
        if not self.has_access:
            return "no regions"
        return "every region" if self.regions is None else (", ".join(sorted(self.regions)) or "no regions")


def principal_for(identity: str | None, person: tuple[str, list[str]] | None, admins: Iterable[str] = ()) -> Principal:
    """The principal of a signed-in request: ``identity`` is the verified e-mail (None: anonymous or
    unverified); ``person`` is the people table's (role, regions) for it, or None if unknown;
    ``admins`` are the addresses ``[access] admins`` names (admins even when not in the table)."""
    if identity is None:
        return Principal.nobody()
    email = normalise_email(identity)
    if email in {normalise_email(a) for a in admins}:
        return Principal.of_person(email, ADMIN)
    if person is None:
        return Principal.nobody(email)
    role, regions = person
    return Principal.of_person(email, role, regions)
