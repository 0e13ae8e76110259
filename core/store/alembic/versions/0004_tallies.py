"""Tallies: each upload's answers counted once (tallies, attribute_tallies), backfilled for stored uploads.

Revision ID: 0004_tallies
Revises: 0003_people_audit
Create Date: 2026-12-03

Uploads never change once stored, so their counts of Yes / No / N/A per code (and per code and case
attribute value) are written when they are stored (``core.store.tallies``); dashboard reads sum them
over the current uploads. This revision makes the two tables and counts every upload already in the
store into ``tallies``, in SQL from the answers. ``attribute_tallies`` is left empty here: revision
0005 replaces it with packed counts and counts them from the answers before it packs those.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004_tallies"
down_revision: Union[str, Sequence[str], None] = "0003_people_audit"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "tallies",
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("case_type", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("n_yes", sa.Integer(), nullable=False),
        sa.Column("n_no", sa.Integer(), nullable=False),
        sa.Column("n_na", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspections.id"], name=op.f("fk_tallies_inspection_id_inspections")),
        sa.ForeignKeyConstraint(["upload_id"], ["uploads.id"], name=op.f("fk_tallies_upload_id_uploads"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("upload_id", "case_type", "code", name=op.f("pk_tallies")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_tallies_inspection_id"), "tallies", ["inspection_id"], unique=False)
    op.create_table(
        "attribute_tallies",
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("attribute", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("case_type", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=80), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("n_yes", sa.Integer(), nullable=False),
        sa.Column("n_no", sa.Integer(), nullable=False),
        sa.Column("n_na", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspections.id"],
                                name=op.f("fk_attribute_tallies_inspection_id_inspections")),
        sa.ForeignKeyConstraint(["upload_id"], ["uploads.id"], name=op.f("fk_attribute_tallies_upload_id_uploads"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("upload_id", "attribute", "code", "case_type", "value", name=op.f("pk_attribute_tallies")),
        sqlite_with_rowid=False,
    )
    # the hot reads (see bench/bench_pages.py, which prints their plans): current uploads of the
    # inspections in scope, and every case of an upload
    op.create_index(op.f("ix_uploads_is_current"), "uploads", ["is_current", "inspection_id"], unique=False)
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    def n(value: str) -> str:
        return f"SUM(CASE WHEN a.value = '{value}' THEN 1 ELSE 0 END)"

    conn.execute(sa.text(
        "INSERT INTO tallies (upload_id, case_type, code, inspection_id, n_yes, n_no, n_na) "
        f"SELECT c.upload_id, c.case_type, a.code, MIN(c.inspection_id), {n('Yes')}, {n('No')}, {n('N/A')} "
        "FROM answers a JOIN cases c ON c.id = a.case_id GROUP BY c.upload_id, c.case_type, a.code"))


def downgrade() -> None:
    op.drop_index(op.f("ix_uploads_is_current"), table_name="uploads")
    op.drop_table("attribute_tallies")
    op.drop_index(op.f("ix_tallies_inspection_id"), table_name="tallies")
    op.drop_table("tallies")
