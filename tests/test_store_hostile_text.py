"""Nothing in the store can break a page or an output: names, texts and file names holding control and
invisible characters, planted directly in the store (as a store made before import refused them could
hold them), still render every page and every download, and the commands print them escaped."""
from __future__ import annotations

import io
import json

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import text

from core.cli import main
from core.csvio import printable, safe_cell, safe_frame, write_rows
from core.store.db import get_engine
from tests.app_helpers import build_demo_store
from core.exports import annex_workbook_bytes, csv_bytes, excel_bytes
from tests.test_app_access import downloads  # noqa: F401 (fixture: the files a page offers, made as on a click)
from tests.test_app_pages import PAGES, open_app

HOSTILE = "\x1b[2J\x1b]8;;http://evil.example/\x07\x0b\u202e\u200b\x9b"
RAW = ["\x1b", "\x07", "\x0b", "\u202e", "\u200b", "\x9b"]


@pytest.mark.parametrize("raw, shown", [("a\x1bb", "a\\x1bb"), ("bell\x07", "bell\\x07"), ("\u202eevil", "\\u202eevil"),
                                        ("tab\tand\nnewline", "tab\tand\nnewline"), ("plain", "plain"), ("\x9b2J", "\\x9b2J")])
def test_printable_escapes_controls_and_invisible_format_characters(raw, shown):
    assert printable(raw) == shown


def test_a_cell_is_escaped_before_it_is_guarded_against_formulas():
    assert safe_cell("=HYPERLINK(\x1b)") == "'=HYPERLINK(\\x1b)"


def test_an_excel_export_of_a_hostile_table_opens(tmp_path):
    frame = pd.DataFrame({f"unit{HOSTILE}": [f"Essex{HOSTILE}", "=1+1"], "n": [1, 2]}, index=[f"i{HOSTILE}", "j"])
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        safe_frame(frame).to_excel(xw, sheet_name="t")
    cells = [c.value for row in openpyxl.load_workbook(io.BytesIO(buf.getvalue()))["t"].iter_rows() for c in row]
    assert "Essex" + printable(HOSTILE) in cells and "'=1+1" in cells
    assert not any(isinstance(v, str) and any(r in v for r in RAW) for v in cells)


def _no_raw(values) -> bool:
    return not any(isinstance(v, str) and any(r in v for r in RAW) for v in values)


def _workbook_values(data: bytes) -> list:
    wb = openpyxl.load_workbook(io.BytesIO(data))  # a control character anywhere would make it unreadable
    return [ws.title for ws in wb] + [c.value for ws in wb for row in ws.iter_rows() for c in row]


def test_the_pages_exports_escape_names_in_sheets_headings_and_cells():
    frame = pd.DataFrame({f"Essex{HOSTILE}": [f"Essex{HOSTILE}", "=1+1"], "n": [1, 2]})
    values = _workbook_values(excel_bytes({f"why-Essex{HOSTILE}-2025-26": frame}))
    assert _no_raw(values) and "'=1+1" in values and "Essex" + printable(HOSTILE) in values
    assert values[0].startswith("why-Essex") and len(values[0]) <= 31
    assert _no_raw(csv_bytes(frame).decode("utf-8-sig"))
    annex = annex_workbook_bytes([("title", f"Essex{HOSTILE} PDU"), ("block", f"Ratings{HOSTILE}", frame)], sheet=f"Essex{HOSTILE}")
    assert _no_raw(_workbook_values(annex))


def test_csv_output_holds_no_raw_control_character():
    out = io.StringIO()
    write_rows(["unit"], [{"unit": f"Essex{HOSTILE}"}], out)
    assert not any(r in out.getvalue() for r in RAW)


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    """The small demo store with control characters planted in every unit name, evidence text,
    rationale, survey question, case attribute and upload file name."""
    demo = build_demo_store(tmp_path_factory.mktemp("hostile"), regions=1, scale=0.3)
    engine = get_engine(demo.url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE pdus SET name = name || :h"), {"h": HOSTILE})
        conn.execute(text("UPDATE inspections SET unit_name = unit_name || :h WHERE level = 'pdu'"), {"h": HOSTILE})
        conn.execute(text("UPDATE evidence_items SET text = :h || text"), {"h": HOSTILE})
        conn.execute(text("UPDATE proposed_ratings SET rationale = rationale || :h"), {"h": HOSTILE})
        conn.execute(text("UPDATE survey_figures SET question = question || :h"), {"h": HOSTILE})
        conn.execute(text("UPDATE uploads SET file_name = file_name || :h, uploaded_by = uploaded_by || :h"), {"h": HOSTILE})
        conn.execute(text("UPDATE published_ratings SET unit_name = unit_name || :h"), {"h": HOSTILE})
        conn.execute(text("UPDATE cases SET attributes = json_set(attributes, '$.sex', :h)"), {"h": "Female" + HOSTILE})
    return demo.url


PAGES_WITHOUT_DOWNLOADS = {"pages/upload.py"}  # its templates hold no stored text


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_control_characters_in_the_store(hostile_store, monkeypatch, downloads, page):
    open_app(hostile_store, monkeypatch, page)  # raises on any exception a page shows
    assert downloads or page in PAGES_WITHOUT_DOWNLOADS, f"{page} offered no download to check"
    for name, make in downloads.items():  # every download the page offers, made as on a click
        data = make()
        if name.endswith(".xlsx"):
            assert _no_raw(_workbook_values(data)), name
        else:
            assert _no_raw([data.decode("utf-8-sig")]), name


def test_the_commands_print_stored_control_characters_escaped(hostile_store, capsys):
    assert main(["ratings", "--db", hostile_store]) == 0
    out = capsys.readouterr().out
    assert "\\x1b" in out and not any(r in out for r in RAW)
    assert main(["ratings", "--db", hostile_store, "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert not any(r in out for r in RAW)
    units = {r["unit"] for r in json.loads(out)}
    assert any(u.endswith(HOSTILE) for u in units)  # JSON keeps the stored value, escaped in its own way
    assert main(["whatif", "--db", hostile_store, "--thresholds", "95,90,85"]) == 0
    captured = capsys.readouterr()
    assert not any(r in captured.out + captured.err for r in RAW)
    assert main(["ratings", "--db", hostile_store, "--unit", "no such\x1b[2J"]) == 2
    assert not any(r in capsys.readouterr().err for r in RAW)
    for command in (["uploads"], ["uploads", "--format", "csv"], ["audit", "--format", "json"], ["audit"], ["users", "list"]):
        assert main([*command, "--db", hostile_store]) == 0, command
        captured = capsys.readouterr()
        assert not any(r in captured.out + captured.err for r in RAW), command
    assert main(["uploads", "--db", hostile_store]) == 0
    assert "\\x1b" in capsys.readouterr().out  # the file names are there, escaped
