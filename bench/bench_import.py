"""Time importing one national round into a fresh SQLite store against merely reading its workbooks.

Reading is the floor: openpyxl in read-only mode walking every cell of the Inspection and Cases
sheets. Importing adds the checks (file safety, merged cells, every cell), the hash and the bulk
inserts, each workbook in its own transaction. Each is run several times; the median is reported.

    python bench/bench_import.py [--runs 3] [--round bench/out/round-2025-26]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
from sqlalchemy import create_engine, event, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.build_national_round import DEFAULT_OUT, write_round  # noqa: E402
from core.ingest.importer import import_file  # noqa: E402
from core.store.db import _sqlite_pragmas  # noqa: E402
from core.store.migrations import upgrade  # noqa: E402
from core.store.models import Answer, Case  # noqa: E402


def read_only(paths: list[Path]) -> int:
    """Walk every cell of every workbook's Inspection and Cases sheets; returns the cells seen."""
    cells = 0
    for path in paths:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
        for name in ("Inspection", "Cases"):
            for row in wb[name].iter_rows():
                cells += sum(1 for c in row if c.value is not None)
        wb.close()
    return cells


def import_all(paths: list[Path]) -> tuple[int, int]:
    """Import every workbook into a fresh SQLite store; returns (cases, answers) stored."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'bench.db'}", connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        upgrade(engine)
        for path in paths:
            import_file(engine, path, user="bench")
        with Session(engine) as s:
            stored = (s.execute(select(func.count()).select_from(Case)).scalar_one(),
                      s.execute(select(func.count()).select_from(Answer)).scalar_one())
        engine.dispose()
    return stored


def timed(fn, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--round", type=Path, default=DEFAULT_OUT, help="directory of workbooks (written first if empty)")
    args = parser.parse_args(argv)
    paths = sorted(args.round.glob("*.xlsx"))
    if not paths:
        print(f"writing a national round into {args.round} ...")
        write_round(args.round)
        paths = sorted(args.round.glob("*.xlsx"))
    reads, imports = [], []
    for run in range(1, args.runs + 1):
        seconds, cells = timed(read_only, paths)
        reads.append(seconds)
        seconds, (cases, answers) = timed(import_all, paths)
        imports.append(seconds)
        print(f"run {run}: read {reads[-1]:.2f} s ({cells:,} cells), import {imports[-1]:.2f} s ({cases:,} cases, {answers:,} answers)")
    read_s, import_s = statistics.median(reads), statistics.median(imports)
    print(f"{len(paths)} workbooks; median of {args.runs} runs:")
    print(f"  reading with openpyxl (read-only):       {read_s:6.2f} s")
    print(f"  importing into a fresh SQLite store:      {import_s:6.2f} s  ({cases / import_s:,.0f} cases/s, {answers / import_s:,.0f} answers/s)")
    print(f"  import / read:                            {import_s / read_s:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
