"""Issue 10 on the command line: users, audit, uploads, withdraw, import and load-published --as,
and the audit row each leaves. In-process (core.cli.main), on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.cli import main
from core.store.models import Case, PublishedRating, Upload
from core.store.published import PUBLISHED_CSV
from core.store.queries import load_dataset
from core.store.scope import Scope
from tests.ingest_helpers import ESSEX_NORTH, case_workbook, save, table_counts

CASES = [{"case_id": f"EN-{i:02d}", "sentence_type": "Community", "P2.1.1": "Yes" if i % 3 else "No", "MO": "Yes"}
         for i in range(1, 9)]
CORRECTED = [dict(c, **{"P2.1.1": "Yes"}) for c in CASES]


@pytest.fixture
def cli(store, monkeypatch, capsys):
    """Run ``python -m core ...`` in-process against the test store; returns (exit code, stdout, stderr)."""
    monkeypatch.setattr("core.store.db.get_engine", lambda url=None, **_: store)

    def run(*argv):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse's own errors
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


def audit_rows(cli, *args) -> list[dict]:
    code, out, err = cli("audit", *args)
    assert code == 0, err
    return list(csv.DictReader(io.StringIO(out)))


def workbook(tmp_path, name="en.xlsx", cases=CASES, inspection=ESSEX_NORTH):
    return save(case_workbook(cases=cases, inspection=inspection), tmp_path / name)


def uploads(cli) -> list[dict]:
    code, out, err = cli("uploads", "--format", "csv")
    assert code == 0, err
    return list(csv.DictReader(io.StringIO(out)))


def test_users_add_list_change_remove_each_leave_an_audit_row(cli):
    assert cli("users", "add", "Ｌead@Example.ORG ", "--role", "regional", "--region", "east of england",
               "--region", "Yorkshire and the Humber", "--as", "boss@example.org")[0] == 0
    assert cli("users", "add", "nat@example.org", "--role", "national")[0] == 0
    code, out, _ = cli("users", "list", "--format", "csv")
    rows = {r["email"]: r for r in csv.DictReader(io.StringIO(out))}
    assert list(rows) == ["lead@example.org", "nat@example.org"]  # NFKC and case folded
    assert rows["lead@example.org"]["role"] == "regional"
    assert rows["lead@example.org"]["regions"] == "East of England; Yorkshire & the Humber"
    assert rows["nat@example.org"]["regions"] == ""

    assert cli("users", "change", "LEAD@example.org", "--role", "inspector", "--region", "Wales")[0] == 0
    _, out, _ = cli("users", "list", "--format", "csv")
    assert "lead@example.org,inspector,Wales" in out
    assert cli("users", "remove", "lead@example.org")[0] == 0
    _, out, _ = cli("users", "list", "--format", "csv")
    assert "lead@example.org" not in out

    events = audit_rows(cli)
    assert [(e["action"], e["object"], e["outcome"]) for e in events] == [
        ("user-added", "lead@example.org", "ok"), ("user-added", "nat@example.org", "ok"),
        ("user-changed", "lead@example.org", "ok"), ("user-removed", "lead@example.org", "ok")]
    assert events[0]["user"] == "boss@example.org"
    assert json.loads(events[2]["details"])["before"] == {"role": "regional", "regions": ["East of England", "Yorkshire & the Humber"]}


@pytest.mark.parametrize("argv, message", [
    (["users", "add", "x@example.org", "--role", "regional", "--region", "Atlantis"], "unknown region 'Atlantis'"),
    (["users", "add", "x@example.org", "--role", "inspector"], "needs at least one --region"),
    (["users", "add", "x@example.org", "--role", "national", "--region", "Wales"], "give no --region"),
    (["users", "add", "not-an-address", "--role", "national"], "is not an e-mail address"),
    (["users", "add", "x@example.org", "--role", "boss"], "invalid choice"),
    (["users", "change", "nobody@example.org", "--role", "national"], "is not a user"),
    (["users", "remove", "nobody@example.org"], "is not a user"),
    (["audit", "--since", "yesterday"], "expected a date"),
    (["audit", "--action", "explode"], "expected one of"),
    (["withdraw", "999", "--reason", "typo"], "there is no upload 999"),
])
def test_bad_input_exits_2_with_a_message(cli, argv, message):
    code, _, err = cli(*argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_a_user_cannot_be_added_twice(cli):
    assert cli("users", "add", "a@example.org", "--role", "national")[0] == 0
    code, _, err = cli("users", "add", "A@EXAMPLE.org", "--role", "admin")
    assert code == 2 and "already a user" in err


def test_only_an_admin_or_the_operator_manages_users(cli):
    cli("users", "add", "reader@example.org", "--role", "national")
    cli("users", "add", "admin@example.org", "--role", "admin")
    code, _, err = cli("users", "add", "new@example.org", "--role", "national", "--as", "reader@example.org")
    assert code == 2 and "reader@example.org (national) may not manage users" in err
    assert cli("users", "add", "new@example.org", "--role", "national", "--as", "ADMIN@example.org")[0] == 0
    refused = audit_rows(cli, "--action", "access-refused")
    assert [(r["user"], r["outcome"]) for r in refused] == [("reader@example.org", "refused")]
    _, out, _ = cli("users", "list", "--format", "csv")
    assert "new@example.org" in out


def test_an_inspectors_import_for_another_region_exits_2_and_writes_nothing(cli, store, tmp_path):
    cli("users", "add", "wales@example.org", "--role", "inspector", "--region", "Wales")
    cli("users", "add", "east@example.org", "--role", "inspector", "--region", "East of England")
    cli("users", "add", "lead@example.org", "--role", "regional", "--region", "East of England")
    path = workbook(tmp_path)
    before = {k: v for k, v in table_counts(store).items() if k != "audit_events"}
    for who in ("wales@example.org", "lead@example.org"):
        code, _, err = cli("import", path, "--as", who)
        assert code == 2 and "East of England is not one of the regions you may upload for" in err
    assert {k: v for k, v in table_counts(store).items() if k != "audit_events"} == before
    assert cli("import", path, "--as", "east@example.org")[0] == 0
    assert cli("import", path, "--as", "east@example.org")[0] == 0  # identical: nothing changes
    events = audit_rows(cli, "--since", "2000-01-01")
    assert [(e["user"], e["action"], e["outcome"]) for e in events if e["action"] != "user-added"] == [
        ("wales@example.org", "access-refused", "refused"), ("lead@example.org", "access-refused", "refused"),
        ("east@example.org", "upload-accepted", "ok"), ("east@example.org", "upload-identical", "unchanged")]
    assert uploads(cli)[0]["uploaded_by"] == "east@example.org"


def test_an_upload_and_its_audit_row_land_together_or_not_at_all(cli, store, tmp_path, monkeypatch):
    """The accepted upload's audit row is written in the upload's own transaction: if it cannot be
    written, the upload is not stored either."""
    from core.store import audit

    record = audit.record

    def failing_in_the_uploads_transaction(target, *args, **kwargs):
        if isinstance(target, Session):
            raise RuntimeError("the audit trail cannot be written")
        return record(target, *args, **kwargs)

    path = workbook(tmp_path)
    before = table_counts(store)
    monkeypatch.setattr(audit, "record", failing_in_the_uploads_transaction)
    with pytest.raises(RuntimeError, match="audit trail"):
        cli("import", path)
    assert table_counts(store) == before
    monkeypatch.setattr(audit, "record", record)
    assert cli("import", path)[0] == 0
    (event,) = audit_rows(cli, "--action", "upload-accepted")
    with Session(store) as s:
        upload_id = s.execute(select(Upload.id)).scalar_one()
    assert event["object"] == f"upload {upload_id} en.xlsx"


def test_a_rejected_upload_is_audited_with_its_number_of_findings(cli, tmp_path):
    bad = [dict(c) for c in CASES]
    bad[0]["P2.1.1"], bad[1]["P2.1.1"] = "Yse", "Maybe"
    code, _, _ = cli("import", workbook(tmp_path, "bad.xlsx", bad), "--as", "someone@example.org")
    assert code == 2
    (event,) = audit_rows(cli, "--action", "upload-rejected")
    assert (event["user"], event["object"], event["outcome"]) == ("someone@example.org", "bad.xlsx", "rejected")
    assert json.loads(event["details"])["findings"] == 2
    assert uploads(cli) == []


def test_uploads_lists_every_upload_with_the_contract_columns(cli, tmp_path):
    cli("import", workbook(tmp_path), "--as", "a@example.org")
    cli("import", workbook(tmp_path, "en-v2.xlsx", CORRECTED), "--as", "b@example.org")
    code, out, _ = cli("uploads", "--format", "csv")
    header = out.splitlines()[0].split(",")
    for column in ("upload_id", "file_name", "unit", "round", "kind", "version", "current", "uploaded_by", "uploaded_at"):
        assert column in header
    rows = uploads(cli)
    assert [(r["file_name"], r["version"], r["current"], r["uploaded_by"]) for r in rows] == [
        ("en-v2.xlsx", "2", "True", "b@example.org"), ("en.xlsx", "1", "False", "a@example.org")]
    assert rows[0]["unit"] == "Essex North" and rows[0]["round"] == "2025-26" and rows[0]["kind"] == "cases"
    code, out, _ = cli("uploads")  # the table for a person
    assert code == 0 and "en-v2.xlsx" in out


def _p211(store) -> tuple[int, int]:
    counts = load_dataset(store, Scope.national()).counts
    row = counts[counts["code"] == "P2.1.1"]
    return int(row["n_yes"].sum()), int(row["n_no"].sum())


def test_withdrawing_the_current_version_brings_back_the_previous_then_the_inspection_leaves(cli, store, tmp_path):
    cli("users", "add", "east@example.org", "--role", "inspector", "--region", "East of England")
    cli("users", "add", "other@example.org", "--role", "inspector", "--region", "East of England")
    cli("import", workbook(tmp_path), "--as", "east@example.org")
    cli("import", workbook(tmp_path, "en-v2.xlsx", CORRECTED), "--as", "east@example.org")
    assert _p211(store) == (8, 0)
    v1, v2 = sorted(int(r["upload_id"]) for r in uploads(cli))
    with Session(store) as s:
        cases_before = s.execute(select(func.count(Case.id))).scalar_one()

    code, _, err = cli("withdraw", v2, "--reason", "wrong file", "--as", "other@example.org")
    assert code == 2 and "may not withdraw upload" in err  # not theirs
    code, out, _ = cli("withdraw", v2, "--reason", "wrong  file", "--as", "east@example.org")
    assert code == 0 and "version 1 counts again" in out
    assert _p211(store) == (6, 2)  # version 1's answers count again
    rows = {int(r["upload_id"]): r for r in uploads(cli)}
    assert rows[v1]["current"] == "True" and rows[v2]["current"] == "False"
    assert rows[v2]["withdrawn_by"] == "east@example.org" and rows[v2]["withdrawn_at"]
    code, _, err = cli("withdraw", v2, "--reason", "again")
    assert code == 2 and "already withdrawn" in err

    code, out, _ = cli("withdraw", v1, "--reason", "inspection cancelled")  # the operator may withdraw any
    assert code == 0 and "the inspection has left the ratings" in out
    assert load_dataset(store, Scope.national()).inspections.empty
    with Session(store) as s:  # nothing physically deleted
        assert s.execute(select(func.count(Case.id))).scalar_one() == cases_before
        assert s.execute(select(func.count(Upload.id))).scalar_one() == 2

    withdrawn = audit_rows(cli, "--action", "upload-withdrawn")
    assert [(e["user"], e["object"]) for e in withdrawn] == [("east@example.org", f"upload {v2} en-v2.xlsx"),
                                                               (withdrawn[1]["user"], f"upload {v1} en.xlsx")]
    assert json.loads(withdrawn[0]["details"])["reason"] == "wrong file"
    assert json.loads(withdrawn[0]["details"])["now_current"] == 1
    assert [e["user"] for e in audit_rows(cli, "--action", "access-refused")] == ["other@example.org"]


def test_an_admin_withdraws_any_upload_a_regional_leader_none(cli, tmp_path):
    cli("users", "add", "boss@example.org", "--role", "admin")
    cli("users", "add", "lead@example.org", "--role", "regional", "--region", "East of England")
    cli("import", workbook(tmp_path), "--as", "someone@example.org")
    (upload,) = uploads(cli)
    code, _, err = cli("withdraw", upload["upload_id"], "--reason", "x", "--as", "lead@example.org")
    assert code == 2 and "lead@example.org (regional) may not withdraw" in err
    assert cli("withdraw", upload["upload_id"], "--reason", "x", "--as", "boss@example.org")[0] == 0


def test_audit_filters_and_formats(cli, tmp_path):
    cli("users", "add", "a@example.org", "--role", "inspector", "--region", "East of England", "--as", "root@example.org")
    cli("import", workbook(tmp_path), "--as", "A@Example.org")
    header = cli("audit")[1].splitlines()[0]
    assert header.startswith("at,user,action,object,outcome")
    assert [e["action"] for e in audit_rows(cli, "--user", "a@example.org")] == ["upload-accepted"]
    assert [e["action"] for e in audit_rows(cli, "--user", "ROOT@example.org")] == ["user-added"]
    assert audit_rows(cli, "--since", "2999-01-01") == []
    assert len(audit_rows(cli, "--since", "2000-01-01T00:00")) == 2
    code, out, _ = cli("audit", "--format", "json", "--action", "upload-accepted")
    (event,) = json.loads(out)
    assert event["user"] == "a@example.org" and event["details"]["counts"]["cases"] == 8 and event["at"].endswith("Z")


def test_load_published_needs_an_admin_and_is_audited(cli):
    cli("users", "add", "lead@example.org", "--role", "regional", "--region", "Wales")
    code, _, err = cli("load-published", "--as", "lead@example.org")
    assert code == 2 and "may not load published ratings" in err
    assert cli("load-published", "--as", "ops@example.org")[0] == 0
    assert cli("load-published", "--as", "ops@example.org")[0] == 0
    events = [(e["user"], e["action"], e["outcome"]) for e in audit_rows(cli) if e["action"] != "user-added"]
    assert events == [("lead@example.org", "access-refused", "refused"), ("ops@example.org", "published-loaded", "ok"),
                      ("ops@example.org", "published-loaded", "unchanged")]


def test_a_load_that_corrects_published_ratings_is_audited_as_changed_and_a_refused_file_leaves_no_row(cli, store, tmp_path):
    cli("users", "add", "boss@example.org", "--role", "admin")
    assert cli("load-published", "--as", "ops@example.org")[0] == 0
    lines = PUBLISHED_CSV.read_text(encoding="utf-8").splitlines()
    assert "Leadership,Requires improvement" in lines[1]  # Redcar, Cleveland and Middlesbrough, standard 1.1
    corrected = tmp_path / "corrected.csv"
    corrected.write_text("\n".join([lines[0], lines[1].replace("Leadership,Requires improvement", "Leadership,Good", 1),
                                     *lines[2:]]) + "\n", encoding="utf-8")
    code, out, err = cli("load-published", "--file", corrected, "--as", "Boss@Example.org")
    assert code == 0, err
    assert out.strip() == f"published ratings: 0 added, 1 updated, {len(lines) - 2} unchanged"
    (changed,) = audit_rows(cli, "--action", "published-changed")
    assert (changed["user"], changed["object"], changed["outcome"]) == ("boss@example.org", "corrected.csv", "ok")
    assert json.loads(changed["details"]) == {"added": 0, "updated": 1, "unchanged": len(lines) - 2}

    before = audit_rows(cli)
    malformed = tmp_path / "malformed.csv"
    malformed.write_text("\n".join([lines[0], lines[1].replace("Leadership,Requires improvement", "Leadership,Fair", 1)]) + "\n",
                         encoding="utf-8")
    code, _, err = cli("load-published", "--file", malformed, "--as", "boss@example.org")
    assert code == 2 and "malformed.csv was not loaded" in err
    assert audit_rows(cli) == before
    with Session(store) as s:
        ratings = s.execute(select(PublishedRating.rating).where(
            PublishedRating.unit_name == "Redcar, Cleveland and Middlesbrough", PublishedRating.standard == "1.1")).scalars().all()
    assert ratings == ["Good"]


def test_nothing_updates_or_deletes_an_audit_row(cli, store):
    cli("users", "add", "a@example.org", "--role", "national")
    for statement in ("UPDATE audit_events SET outcome = 'forged'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            with store.begin() as conn:
                conn.execute(text(statement))
    assert [e["outcome"] for e in audit_rows(cli)] == ["ok"]


def test_no_module_of_the_app_updates_or_deletes_audit_rows():
    """Besides the trigger: nothing in the code writes to audit_events but an insert."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    offenders = []
    for path in [*root.glob("core/**/*.py"), *root.glob("pages/*.py"), root / "app.py"]:
        source = path.read_text(encoding="utf-8")
        if re.search(r"(update|delete)\(\s*AuditEvent|(UPDATE|DELETE FROM)\s+audit_events", source) and "alembic" not in str(path):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
