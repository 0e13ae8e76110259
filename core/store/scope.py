"""The reader's scope: which regions they may see. Every read of the store takes one."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """Regions a reader may see; ``regions=None`` means every region (a national user)."""

    regions: frozenset[str] | None = None
    user: str = "anonymous"

    @classmethod
    def national(cls, user: str = "anonymous") -> "Scope":
        return cls(None, user)

    @classmethod
    def of_regions(cls, *names: str, user: str = "anonymous") -> "Scope":
        return cls(frozenset(names), user)

    def allows(self, region: str) -> bool:
        return self.regions is None or region in self.regions

    @property
    def cache_key(self) -> tuple:
        """A hashable key for caches, so that no reader is served another's scope."""
        return ("*",) if self.regions is None else tuple(sorted(self.regions))

    @classmethod
    def for_principal(cls, principal) -> "Scope":
        """What a principal (``core.access.Principal``) may read: every region, theirs, or nothing at all
        for someone with no access."""
        if not principal.has_access:
            return cls.of_regions(user=principal.who)
        return cls.national(principal.who) if principal.regions is None else cls.of_regions(*principal.regions, user=principal.who)

    @classmethod
    def from_cache_key(cls, key: tuple) -> "Scope":
        return cls.national() if key == ("*",) else cls.of_regions(*key)

    def filter(self, region_name_column):
        """A SQL condition restricting a query to this scope (True for national readers)."""
        from sqlalchemy import true

        return true() if self.regions is None else region_name_column.in_(sorted(self.regions))
