"""Bulk inserts by the driver's own path: COPY on PostgreSQL (psycopg), one executemany on SQLite.

For the hundreds of thousands of rows of a demo or of tallies, SQLAlchemy's per-row parameter
handling costs more than the database's work (about three quarters of the ten-round demo's time).
Rows are tuples in the order of ``columns``, and go into the session's own transaction.
"""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session


def bulk_insert(session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert ``rows`` (tuples, in ``columns`` order) into ``table`` in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    names = ", ".join(columns)
    driver = connection.connection.driver_connection
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    elif connection.dialect.name == "sqlite":
        cursor = driver.cursor()
        try:
            cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)
        finally:
            cursor.close()
    else:
        connection.execute(insert(table), [dict(zip(columns, row)) for row in rows])
