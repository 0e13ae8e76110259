"""Answers packed into their case, one character per code (answer_layouts); attribute tallies packed.

Revision ID: 0005_packed_answers
Revises: 0004_tallies
Create Date: 2026-12-03

A national round was 400,000 answer rows, and inserting them cost several times reading the
workbooks (issue 11). Each case now carries its answers as one string against a layout (the list of
codes they stand for, ``answer_layouts``), and each attribute value's tallies are one row holding the
counts of every code (``core.store.answers``). This revision packs the answers already stored (one
upload at a time, so memory stays flat at ten rounds), counts the attribute tallies from them, then
drops the ``answers`` table. The layout of a case type is the order of its framework's template, with
any other code a stored answer used after it: nothing stored is lost.
"""
from typing import Sequence, Union

import numpy as np
import sqlalchemy as sa
from alembic import op

revision: str = "0005_packed_answers"
down_revision: Union[str, Sequence[str], None] = "0004_tallies"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# only the four characters of core.store.answers, in words both SQLite and PostgreSQL understand
ANSWERS_CHECK = "length(replace(replace(replace(replace(answers, 'Y', ''), 'N', ''), 'X', ''), '.', '')) = 0"

_cases = sa.table("cases", sa.column("id"), sa.column("upload_id"), sa.column("inspection_id"), sa.column("case_type"),
                  sa.column("attributes", sa.JSON), sa.column("layout_id"), sa.column("answers"))
_answers = sa.table("answers", sa.column("id"), sa.column("case_id"), sa.column("code"), sa.column("value"))
_layouts = sa.table("answer_layouts", sa.column("id"), sa.column("codes"))
_inspections = sa.table("inspections", sa.column("id"), sa.column("framework"))


def upgrade() -> None:
    op.create_table(
        "answer_layouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("codes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_layouts")),
        sa.UniqueConstraint("codes", name=op.f("uq_answer_layouts_codes")),
    )
    with op.batch_alter_table("cases") as b:
        b.add_column(sa.Column("layout_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("answers", sa.Text(), nullable=True))
    op.drop_table("attribute_tallies")
    _create_attribute_tallies()
    _pack(op.get_bind())
    op.drop_table("answers")
    with op.batch_alter_table("cases") as b:
        b.alter_column("layout_id", existing_type=sa.Integer(), nullable=False)
        b.alter_column("answers", existing_type=sa.Text(), nullable=False)
        b.create_foreign_key(op.f("fk_cases_layout_id_answer_layouts"), "answer_layouts", ["layout_id"], ["id"])
        b.create_check_constraint(op.f("ck_cases_answers"), ANSWERS_CHECK)


def _create_attribute_tallies() -> None:
    op.create_table(
        "attribute_tallies",
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("attribute", sa.String(length=40), nullable=False),
        sa.Column("case_type", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=80), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("layout_id", sa.Integer(), nullable=False),
        sa.Column("counts", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspections.id"], name=op.f("fk_attribute_tallies_inspection_id_inspections")),
        sa.ForeignKeyConstraint(["layout_id"], ["answer_layouts.id"], name=op.f("fk_attribute_tallies_layout_id_answer_layouts")),
        sa.ForeignKeyConstraint(["upload_id"], ["uploads.id"], name=op.f("fk_attribute_tallies_upload_id_uploads"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("upload_id", "attribute", "case_type", "value", name=op.f("pk_attribute_tallies")),
        sqlite_with_rowid=False,
    )


def _template_codes(framework_id: str, case_type: str) -> list[str]:
    from core.framework import load_framework

    try:
        return load_framework(framework_id).case_questions(case_type)
    except (KeyError, ValueError, OSError, LookupError):  # a framework or case type no file has now: the codes stored
        return []


def _layout(conn: sa.Connection, codes: list[str]) -> int:
    key = ",".join(codes)
    found = conn.execute(sa.select(_layouts.c.id).where(_layouts.c.codes == key)).scalar()
    if found is None:
        conn.execute(_layouts.insert().values(codes=key))
        found = conn.execute(sa.select(_layouts.c.id).where(_layouts.c.codes == key)).scalar_one()
    return found


def _pack(conn: sa.Connection) -> None:
    from core.store.answers import answer_matrix, count, pack

    attribute_tallies = sa.table("attribute_tallies", *(sa.column(c) for c in (
        "upload_id", "attribute", "case_type", "value", "inspection_id", "layout_id", "counts")))
    frameworks = dict(conn.execute(sa.select(_inspections.c.id, _inspections.c.framework)).all())
    upload_ids = conn.execute(sa.select(_cases.c.upload_id).distinct().order_by(_cases.c.upload_id)).scalars().all()
    for upload_id in upload_ids:
        rows = conn.execute(sa.select(_cases.c.id, _cases.c.inspection_id, _cases.c.case_type, _cases.c.attributes)
                            .where(_cases.c.upload_id == upload_id).order_by(_cases.c.id)).all()
        answered: dict[int, dict[str, str]] = {r.id: {} for r in rows}
        for case_id, code, value in conn.execute(sa.select(_answers.c.case_id, _answers.c.code, _answers.c.value)
                                                 .join(_cases, _cases.c.id == _answers.c.case_id)
                                                 .where(_cases.c.upload_id == upload_id)):
            answered[case_id][code] = value
        for case_type in sorted({r.case_type for r in rows}):
            block = [r for r in rows if r.case_type == case_type]
            codes = _template_codes(frameworks[block[0].inspection_id], case_type)
            codes += sorted({code for r in block for code in answered[r.id]} - set(codes))
            layout = _layout(conn, codes)
            packed = [pack(codes, answered[r.id]) for r in block]
            conn.execute(_cases.update().where(_cases.c.id == sa.bindparam("case_id")).values(layout_id=layout, answers=sa.bindparam("packed")),
                         [{"case_id": r.id, "packed": p} for r, p in zip(block, packed)])
            attributes = {name: [(r.attributes or {}).get(name) for r in block]
                          for name in sorted({n for r in block for n in (r.attributes or {})})}
            _, attribute_rows = count(upload_id, block[0].inspection_id, case_type, layout, codes,
                                      answer_matrix(packed, len(codes)), attributes)
            if attribute_rows:
                conn.execute(attribute_tallies.insert(), attribute_rows)


def downgrade() -> None:
    """Back to one row per answer and per attribute value and code (nothing stored is lost)."""
    from core.store.answers import AttributeCounts, answer_matrix, values_of

    conn = op.get_bind()
    layouts = {i: codes.split(",") for i, codes in conn.execute(sa.select(_layouts.c.id, _layouts.c.codes))}
    packed = conn.execute(sa.select(_cases.c.id, _cases.c.layout_id, _cases.c.answers)).all()
    # the cases lose their packed columns before any answer row refers to them: on SQLite that rebuilds
    # the table, and dropping the old one would delete the answers that cascade from it
    with op.batch_alter_table("cases") as b:
        b.drop_constraint(op.f("ck_cases_answers"), type_="check")
        b.drop_constraint(op.f("fk_cases_layout_id_answer_layouts"), type_="foreignkey")
        b.drop_column("answers")
        b.drop_column("layout_id")
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_answers_case_id_cases"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint("case_id", "code", name=op.f("uq_answers_case_id_code")),  # as 0002 named it
        sa.CheckConstraint("value IN ('Yes', 'No', 'N/A')", name=op.f("ck_answers_value")),
    )
    for layout, codes in layouts.items():
        block = [r for r in packed if r.layout_id == layout]
        matrix = answer_matrix([r.answers for r in block], len(codes))
        rows, cols = np.nonzero(matrix)
        out = [{"case_id": block[i].id, "code": codes[j], "value": values_of(matrix[i, j])} for i, j in zip(rows, cols)]
        if out:
            conn.execute(_answers.insert(), out)
    old = [(r.upload_id, r.attribute, r.case_type, r.value, r.inspection_id, r.layout_id, r.counts)
           for r in conn.execute(sa.text("SELECT upload_id, attribute, case_type, value, inspection_id, layout_id, counts "
                                         "FROM attribute_tallies"))]
    op.drop_table("attribute_tallies")
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
        sa.ForeignKeyConstraint(["inspection_id"], ["inspections.id"], name=op.f("fk_attribute_tallies_inspection_id_inspections")),
        sa.ForeignKeyConstraint(["upload_id"], ["uploads.id"], name=op.f("fk_attribute_tallies_upload_id_uploads"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("upload_id", "attribute", "code", "case_type", "value", name=op.f("pk_attribute_tallies")),
        sqlite_with_rowid=False,
    )
    unpacked = sa.table("attribute_tallies", *(sa.column(c) for c in (
        "upload_id", "attribute", "code", "case_type", "value", "inspection_id", "n_yes", "n_no", "n_na")))
    rows = []
    for upload_id, attribute, case_type, value, inspection_id, layout, blob in old:
        counts = AttributeCounts.from_bytes(blob, len(layouts[layout])).counts
        rows += [{"upload_id": upload_id, "attribute": attribute, "code": code, "case_type": case_type, "value": value,
                  "inspection_id": inspection_id, "n_yes": int(counts[0, j]), "n_no": int(counts[1, j]), "n_na": int(counts[2, j])}
                 for j, code in enumerate(layouts[layout]) if counts[:, j].any()]
    if rows:
        conn.execute(unpacked.insert(), rows)
    op.drop_table("answer_layouts")
