"""Schema creation and upgrade. (Replaced by Alembic migrations in the store issue.)"""
from __future__ import annotations

from sqlalchemy import Engine

from core.store.models import Base


def upgrade(engine: Engine) -> None:
    Base.metadata.create_all(engine)
