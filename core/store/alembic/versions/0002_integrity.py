"""Integrity: one region and one PDU per normalised name, one current upload per inspection and kind,
CHECK constraints on answer values and inspection levels, a PDU inspection has a PDU and a regional
one none, and unique constraints named after all their columns.

Stores made before this revision may hold what it now forbids; the upgrade mends that first, keeping
every row of history:
- regions or PDUs spelt two ways (the race this revision closes made 'Salford' and 'SALFORD') are
  merged into the first made, and so are the inspections that then coincide: their uploads become
  versions of one inspection, numbered by upload time, the latest of each kind current;
- a synthetic demo inspection that also took a real evidence upload had two current sets of domain one
  evidence and proposed ratings: the demo's set moves to an upload of its own, kind 'evidence',
  version 1 and no longer current, the real uploads following it.

Revision ID: 0002_integrity
Revises: 0001
Create Date: 2026-12-03

"""
from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002_integrity"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# constraint names as 0001 made them (the first column only) -> as the naming convention now makes them
RENAMED_UNIQUE = {
    "pdus": ("uq_pdus_region_id", ["region_id", "name"]),
    "inspections": ("uq_inspections_region_id", ["region_id", "level", "unit_name", "framework", "round"]),
    "published_ratings": ("uq_published_ratings_unit_name", ["unit_name", "framework", "fieldwork", "standard"]),
    "uploads": ("uq_uploads_inspection_id", ["inspection_id", "kind", "version"]),
    "cases": ("uq_cases_upload_id", ["upload_id", "case_ref"]),
    "answers": ("uq_answers_case_id", ["case_id", "code"]),
}
DOMAIN_ONE_TABLES = ("evidence_items", "survey_figures", "proposed_ratings", "judgements")
INSPECTION_CHILDREN = ("cases",) + DOMAIN_ONE_TABLES


def normalised_name(name: str) -> str:
    """core.names.normalised_name as it stood when this revision was written (a migration must not
    change meaning when the application's function does)."""
    text = unicodedata.normalize("NFKC", str(name)).casefold()
    return " ".join(text.replace("&", " and ").replace(",", " ").split())


def upgrade() -> None:
    # (on SQLite, core.store.migrations.upgrade turns foreign keys off around the batch copies and
    # checks them before commit)
    conn = op.get_bind()
    with op.batch_alter_table("regions") as b:
        b.add_column(sa.Column("name_key", sa.String(length=120), nullable=True))
    with op.batch_alter_table("pdus") as b:
        b.add_column(sa.Column("name_key", sa.String(length=160), nullable=True))
    _merge_units(conn)
    _separate_demo_evidence(conn)
    _one_current_per_kind(conn)

    with op.batch_alter_table("regions") as b:
        b.alter_column("name_key", existing_type=sa.String(length=120), nullable=False)
        b.create_unique_constraint(op.f("uq_regions_name_key"), ["name_key"])
    for table, (old, columns) in RENAMED_UNIQUE.items():
        with op.batch_alter_table(table) as b:
            b.drop_constraint(old, type_="unique")
            b.create_unique_constraint(op.f(f"uq_{table}_{'_'.join(columns)}"), columns)
            if table == "pdus":
                b.alter_column("name_key", existing_type=sa.String(length=160), nullable=False)
                b.create_unique_constraint(op.f("uq_pdus_region_id_name_key"), ["region_id", "name_key"])
            elif table == "inspections":
                b.create_check_constraint(op.f("ck_inspections_level"), "level IN ('pdu', 'region')")
                b.create_check_constraint(op.f("ck_inspections_unit"),
                                          "(level = 'pdu' AND pdu_id IS NOT NULL) OR (level = 'region' AND pdu_id IS NULL)")
            elif table == "answers":
                b.create_check_constraint(op.f("ck_answers_value"), "value IN ('Yes', 'No', 'N/A')")
    op.create_index("uq_uploads_inspection_id_kind_current", "uploads", ["inspection_id", "kind"], unique=True,
                    sqlite_where=sa.text("is_current"), postgresql_where=sa.text("is_current"))


def downgrade() -> None:
    op.drop_index("uq_uploads_inspection_id_kind_current", table_name="uploads")
    for table, (old, columns) in RENAMED_UNIQUE.items():
        with op.batch_alter_table(table) as b:
            if table == "pdus":
                b.drop_constraint(op.f("uq_pdus_region_id_name_key"), type_="unique")
                b.drop_column("name_key")
            elif table == "inspections":
                b.drop_constraint(op.f("ck_inspections_level"), type_="check")
                b.drop_constraint(op.f("ck_inspections_unit"), type_="check")
            elif table == "answers":
                b.drop_constraint(op.f("ck_answers_value"), type_="check")
            b.drop_constraint(op.f(f"uq_{table}_{'_'.join(columns)}"), type_="unique")
            b.create_unique_constraint(op.f(old), columns)
    with op.batch_alter_table("regions") as b:
        b.drop_constraint(op.f("uq_regions_name_key"), type_="unique")
        b.drop_column("name_key")


# -- mending what 0001 allowed -----------------------------------------------------------------------

def _rows(conn, sql: str, **params) -> list:
    return conn.execute(sa.text(sql), params).all()


def _run(conn, sql: str, **params) -> None:
    conn.execute(sa.text(sql), params)


def _merge_units(conn) -> None:
    """Regions and PDUs spelt two ways become one (the first made), with their inspections."""
    region_of, region_name = {}, {}
    first_region: dict[str, int] = {}
    for rid, name in _rows(conn, "SELECT id, name FROM regions ORDER BY id"):
        key = normalised_name(name)
        region_of[rid] = first_region.setdefault(key, rid)
        if region_of[rid] == rid:
            region_name[rid] = name
            _run(conn, "UPDATE regions SET name_key = :k WHERE id = :i", k=key, i=rid)
    pdu_of, pdu_name = {}, {}
    first_pdu: dict[tuple[int, str], int] = {}
    for pid, rid, name in _rows(conn, "SELECT id, region_id, name FROM pdus ORDER BY id"):
        key = normalised_name(name)
        pdu_of[pid] = first_pdu.setdefault((region_of[rid], key), pid)
        if pdu_of[pid] == pid:
            pdu_name[pid] = name
            _run(conn, "UPDATE pdus SET name_key = :k, region_id = :r WHERE id = :i", k=key, r=region_of[rid], i=pid)

    # inspections that now name one unit in one framework and round: merge into the first made
    groups: dict[tuple, list[int]] = defaultdict(list)
    units = {}
    for iid, level, rid, pid, unit, framework, round_ in _rows(
            conn, "SELECT id, level, region_id, pdu_id, unit_name, framework, round FROM inspections ORDER BY id"):
        region = region_of[rid]
        pdu = pdu_of.get(pid) if pid is not None else None
        unit_name = pdu_name[pdu] if pdu is not None else (region_name[region] if level == "region" else unit)
        groups[(region, level, normalised_name(unit_name), framework, round_)].append(iid)
        units[iid] = (region, pdu, unit_name)
    for ids in groups.values():
        keep, *others = ids
        for other in others:
            _move_inspection(conn, other, keep)
        region, pdu, unit_name = units[keep]
        _run(conn, "UPDATE inspections SET region_id = :r, pdu_id = :p, unit_name = :u WHERE id = :i",
             r=region, p=pdu, u=unit_name, i=keep)
    for pid, keep in pdu_of.items():
        if pid != keep:
            _run(conn, "DELETE FROM pdus WHERE id = :i", i=pid)
    for rid, keep in region_of.items():
        if rid != keep:
            _run(conn, "DELETE FROM regions WHERE id = :i", i=rid)


def _move_inspection(conn, other: int, keep: int) -> None:
    # versions out of the way (negative, unique by id) until _one_current_per_kind numbers them
    _run(conn, "UPDATE uploads SET inspection_id = :k, version = -id WHERE inspection_id = :o", k=keep, o=other)
    for table in ("published_ratings",) + INSPECTION_CHILDREN:
        _run(conn, f"UPDATE {table} SET inspection_id = :k WHERE inspection_id = :o", k=keep, o=other)
    _run(conn, "DELETE FROM inspections WHERE id = :o", o=other)


def _separate_demo_evidence(conn) -> None:
    """A demo upload's domain one rows move to an evidence upload of their own wherever the inspection
    also took a real evidence upload; the real one, being later, counts."""
    mixed = _rows(conn, """
        SELECT d.id, d.inspection_id, d.sha256, d.uploaded_by, d.uploaded_at, d.counts FROM uploads d
        WHERE d.kind = 'demo' AND EXISTS (SELECT 1 FROM uploads e WHERE e.inspection_id = d.inspection_id
                                          AND e.kind = 'evidence')""")
    uploads = sa.table("uploads", sa.column("id"), sa.column("inspection_id"), sa.column("kind"), sa.column("version"),
                       sa.column("is_current"), sa.column("file_name"), sa.column("sha256"), sa.column("uploaded_by"),
                       sa.column("uploaded_at"), sa.column("counts", sa.JSON))
    for upload_id, inspection_id, sha, user, at, counts in mixed:
        if not any(_rows(conn, f"SELECT 1 FROM {t} WHERE upload_id = :u", u=upload_id) for t in DOMAIN_ONE_TABLES):
            continue
        counts = json.loads(counts) if isinstance(counts, str) else dict(counts or {})
        moved = {k: counts.pop(k) for k in DOMAIN_ONE_TABLES if k in counts}
        conn.execute(uploads.update().where(uploads.c.id == upload_id).values(counts=counts))
        low = _rows(conn, "SELECT MIN(version) FROM uploads WHERE inspection_id = :i AND kind = 'evidence'", i=inspection_id)[0][0]
        conn.execute(uploads.insert().values(inspection_id=inspection_id, kind="evidence", version=min(low, 1) - 1,
                                             is_current=False, file_name="synthetic demo", sha256=sha, uploaded_by=user,
                                             uploaded_at=at, counts=moved))
        new_id = _rows(conn, "SELECT MAX(id) FROM uploads WHERE inspection_id = :i AND kind = 'evidence'", i=inspection_id)[0][0]
        for table in DOMAIN_ONE_TABLES:
            _run(conn, f"UPDATE {table} SET upload_id = :n WHERE upload_id = :u", n=new_id, u=upload_id)


def _one_current_per_kind(conn) -> None:
    """Versions numbered 1, 2, ... by upload time within each inspection and kind, the latest current
    where any was; where nothing was merged this changes nothing."""
    for inspection_id, kind in _rows(conn, "SELECT inspection_id, kind FROM uploads GROUP BY inspection_id, kind"):
        rows = _rows(conn, "SELECT id, version, is_current FROM uploads WHERE inspection_id = :i AND kind = :k "
                           "ORDER BY uploaded_at, version, id", i=inspection_id, k=kind)
        wanted = [(uid, n) for n, (uid, _, _) in enumerate(rows, start=1)]
        any_current = any(current for _, _, current in rows)
        current_now = [uid for uid, _, current in rows if current]
        if [v for _, v, _ in rows] == [n for _, n in wanted] and current_now == ([rows[-1][0]] if any_current else []):
            continue
        for uid, _ in wanted:  # out of the way first: (inspection, kind, version) stays unique throughout
            _run(conn, "UPDATE uploads SET version = :v, is_current = :f WHERE id = :u", v=-uid, f=False, u=uid)
        for uid, n in wanted:
            _run(conn, "UPDATE uploads SET version = :v, is_current = :c WHERE id = :u",
                 v=n, c=any_current and uid == rows[-1][0], u=uid)
