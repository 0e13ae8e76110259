"""The SQLAlchemy store: an adapter at the edge of the core."""
