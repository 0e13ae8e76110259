"""Tallies packed: one row per upload and case type, the counts of every code of its layout.

Revision ID: 0006_packed_tallies
Revises: 0005_packed_answers
Create Date: 2026-12-04

The dashboard's read of the store was one tallies row per upload, case type and code: 70,800 rows at
ten national rounds, and turning them into Python rows took several times what the database took to
find them (issue 11: the read at three rounds must take at most 100 ms). Each upload's counts of a
case type are now one row, 3 x n 32-bit integers against the layout of its cases, as
``attribute_tallies`` already were (``core.store.answers.AttributeCounts``). This revision packs the
tallies already stored, against the layout their cases use; where an upload's cases of a case type
use more than one layout, or a tallied code is not in it (neither is written by this code), against
a layout of the codes tallied, so that no count is lost.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006_packed_tallies"
down_revision: Union[str, Sequence[str], None] = "0005_packed_answers"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_layouts = sa.table("answer_layouts", sa.column("id"), sa.column("codes"))
_cases = sa.table("cases", sa.column("upload_id"), sa.column("case_type"), sa.column("layout_id"))
_OLD = ("upload_id", "case_type", "code", "inspection_id", "n_yes", "n_no", "n_na")
_NEW = ("upload_id", "case_type", "inspection_id", "layout_id", "counts")


def _create(packed: bool) -> None:
    if packed:
        columns = [sa.Column("inspection_id", sa.Integer(), nullable=False),
                   sa.Column("layout_id", sa.Integer(), nullable=False),
                   sa.Column("counts", sa.LargeBinary(), nullable=False),
                   sa.ForeignKeyConstraint(["layout_id"], ["answer_layouts.id"], name=op.f("fk_tallies_layout_id_answer_layouts"))]
        key = ("upload_id", "case_type")
    else:
        columns = [sa.Column("code", sa.String(length=20), nullable=False),
                   sa.Column("inspection_id", sa.Integer(), nullable=False),
                   *(sa.Column(n, sa.Integer(), nullable=False) for n in ("n_yes", "n_no", "n_na"))]
        key = ("upload_id", "case_type", "code")
    op.create_table(
        "tallies",
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("case_type", sa.String(length=40), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["inspection_id"], ["inspections.id"], name=op.f("fk_tallies_inspection_id_inspections")),
        sa.ForeignKeyConstraint(["upload_id"], ["uploads.id"], name=op.f("fk_tallies_upload_id_uploads"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(*key, name=op.f("pk_tallies")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_tallies_inspection_id"), "tallies", ["inspection_id"], unique=False)


def _drop() -> None:
    op.drop_index(op.f("ix_tallies_inspection_id"), table_name="tallies")
    op.drop_table("tallies")


def _layout(conn: sa.Connection, codes: list[str]) -> int:
    key = ",".join(codes)
    found = conn.execute(sa.select(_layouts.c.id).where(_layouts.c.codes == key)).scalar()
    if found is None:
        conn.execute(_layouts.insert().values(codes=key))
        found = conn.execute(sa.select(_layouts.c.id).where(_layouts.c.codes == key)).scalar_one()
    return found


def upgrade() -> None:
    import numpy as np

    from core.store.answers import AttributeCounts

    conn = op.get_bind()
    old = conn.execute(sa.text(f"SELECT {', '.join(_OLD)} FROM tallies ORDER BY upload_id, case_type, code")).all()
    codes_of = {i: codes.split(",") if codes else [] for i, codes in conn.execute(sa.select(_layouts.c.id, _layouts.c.codes))}
    layouts_used: dict[tuple[int, str], set[int]] = {}
    for upload_id, case_type, layout in conn.execute(sa.select(_cases.c.upload_id, _cases.c.case_type, _cases.c.layout_id).distinct()):
        layouts_used.setdefault((upload_id, case_type), set()).add(layout)
    groups: dict[tuple[int, str], list] = {}
    for row in old:
        groups.setdefault((row.upload_id, row.case_type), []).append(row)
    packed = []
    for (upload_id, case_type), rows in groups.items():
        used = layouts_used.get((upload_id, case_type), set())
        layout = next(iter(used)) if len(used) == 1 else None
        if layout is None or not {r.code for r in rows} <= set(codes_of[layout]):
            layout = _layout(conn, [r.code for r in rows])
            codes_of[layout] = [r.code for r in rows]
        place = {code: j for j, code in enumerate(codes_of[layout])}
        counts = np.zeros((3, len(place)), dtype=np.int64)
        for r in rows:
            counts[:, place[r.code]] = (r.n_yes, r.n_no, r.n_na)
        packed.append(dict(zip(_NEW, (upload_id, case_type, rows[0].inspection_id, layout, AttributeCounts(counts).to_bytes()))))
    _drop()
    _create(packed=True)
    if packed:
        conn.execute(sa.table("tallies", *map(sa.column, _NEW)).insert(), packed)


def downgrade() -> None:
    """Back to one row per upload, case type and code answered (nothing stored is lost)."""
    from core.store.answers import AttributeCounts

    conn = op.get_bind()
    codes_of = {i: codes.split(",") if codes else [] for i, codes in conn.execute(sa.select(_layouts.c.id, _layouts.c.codes))}
    unpacked = []
    for upload_id, case_type, inspection_id, layout, blob in conn.execute(sa.text(f"SELECT {', '.join(_NEW)} FROM tallies")).all():
        counts = AttributeCounts.from_bytes(bytes(blob), len(codes_of[layout])).counts
        unpacked += [dict(zip(_OLD, (upload_id, case_type, code, inspection_id, *(int(n) for n in counts[:, j]))))
                     for j, code in enumerate(codes_of[layout]) if counts[:, j].any()]
    _drop()
    _create(packed=False)
    if unpacked:
        conn.execute(sa.table("tallies", *map(sa.column, _OLD)).insert(), unpacked)
