"""Benchmark: hostile workbooks are refused quickly (the timings that used to sit in the tests).

The tests (tests/test_ingest_hostile.py) say *that* each of these is refused and how; this says how
fast, as medians, against the limits the tests used to assert:

- a zip bomb (a member declaring 4 GB) is refused before anything is inflated: < 2 s
- a hundred thousand junk rows give their findings: < 10 s
- a sheet declaring A1:XFD1048576 is refused without being walked: < 2 s
- a far-away cell without a declared dimension stops at the scan limit: < 5 s

    python bench/bench_hostile.py
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.errors import InvalidWorkbook  # noqa: E402
from core.ingest.importer import check_file, import_file  # noqa: E402
from tests.test_ingest_hostile import (INSPECTION_ROWS, _good_bytes, _junk_rows, _sheet_xml, _with_declared_size,  # noqa: E402
                                       raw_xlsx)

REPEATS = 5


def _refuse_import(data: bytes) -> None:
    try:
        import_file(None, data, "junk.xlsx")
    except InvalidWorkbook:
        return
    raise AssertionError("the junk workbook was accepted")


def cases():
    far = [(1, ["case_id", "P2.1.1"]), (2, ["C1", "Yes"]), (1_048_576, ["far", "away"])]
    wide = [(1, ["case_id", "P2.1.1"]), (2, ["C1", "Yes"]), (1_048_576, [None] * 5 + ["far away"])]
    yield ("zip bomb (a member declaring 4 GB)", 2.0,
           _with_declared_size(_good_bytes(), "xl/worksheets/sheet3.xml", 4_000_000_000), lambda d: check_file(d, "bomb.xlsx"))
    yield ("100,000 junk rows, through import_file", 10.0,
           raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": _junk_rows(100_000)}), _refuse_import)
    yield ("dimension A1:XFD1048576", 2.0,
           raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": _sheet_xml(wide, dimension="A1:XFD1048576")}),
           lambda d: check_file(d, "wide.xlsx"))
    yield ("a far-away cell, no dimension", 5.0,
           raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": _sheet_xml(far)}), lambda d: check_file(d, "far.xlsx"))


def main() -> int:
    met = 0
    all_cases = list(cases())
    for name, limit, data, refuse in all_cases:
        times = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            refuse(data)
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        met += median < limit
        print(f"{name:42s} refused in {median * 1000:7.0f} ms (median of {REPEATS}; limit {limit:g} s): "
              f"{'ok' if median < limit else 'MISSED'}")
    print(f"{met} of {len(all_cases)} within their limits")
    return 0


if __name__ == "__main__":
    sys.exit(main())
