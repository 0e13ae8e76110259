"""Time importing one national round against reading its workbooks with python-calamine (the floor).

The headline is the ratio import / read in wall-clock time, both measured from this process, in the
same run, run after run in turn (the median of each is reported). The import uses the worker
processes the command uses, the read one process: the headline is what a person running the command
waits for against the read, not the work each does. So the same import in one process is timed
beside it (in turn with the other, the first of the two alternating), with its own verdict, and the
CPU time of every process against the read's:

- read: python-calamine opens each workbook and reads the Inspection and Cases sheets into Python
  values, as ``pandas.read_excel(engine="calamine")`` would. Nothing is checked.
- import: ``import_many`` of every workbook into a fresh SQLite store, as ``python -m core import``
  does (without the interpreter's start-up, which is not import work): the scan of the package and
  its sheet XML (limits, formulas, merged cells, hidden parts), the calamine read, every check with
  its cell reference, the text rules, the hash, the cases packed, encoded and counted (their
  tallies), and the store: their rows inserted, one transaction per file. As the command does, the checking runs ahead in
  worker processes (``default_workers()``: the cores this process may use, at most 4) while this
  process stores. The same in one process (``--workers 1``) is a secondary line, and the CPU time
  of all processes is given beside the wall-clock ratio.

Then the command itself: ``python -m core import DIR`` into a fresh store, less the same command's
run on one small workbook (the interpreter's and the libraries' start, the new store's migrations),
against the median read (median of as many runs).

Issue 11 asks for at most 3x. The old floor, openpyxl's read-only mode, is timed once as a
secondary line.

    python bench/bench_import.py [--runs 3] [--round bench/out/round-2025-26] [--no-openpyxl]
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from python_calamine import CalamineWorkbook  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.build_national_round import DEFAULT_OUT, write_round  # noqa: E402
from core.ingest.importer import default_workers, import_many  # noqa: E402
from core.store.db import get_engine  # noqa: E402
from core.store.answers import answers_stored  # noqa: E402
from core.store.models import Case  # noqa: E402

SHEETS = ("Inspection", "Cases")
TARGET = 3.0


def read_calamine(paths: list[Path]) -> int:
    """Read every workbook's Inspection and Cases sheets with python-calamine; returns the cells read
    (counted without a loop in Python, so that the floor is the reader's own time)."""
    cells = 0
    for path in paths:
        with CalamineWorkbook.from_path(str(path)) as wb:
            for name in SHEETS:
                cells += sum(map(len, wb.get_sheet_by_name(name).to_python()))
    return cells


def read_openpyxl(paths: list[Path]) -> int:
    import openpyxl

    cells = 0
    for path in paths:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
        for name in SHEETS:
            for row in wb[name].iter_rows():
                cells += sum(1 for c in row if c.value is not None)
        wb.close()
    return cells


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the import's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def import_all(paths: list[Path], workers: int) -> tuple[float, float, int, int]:
    """Import every workbook into a fresh SQLite store as the command does; returns (seconds importing,
    CPU seconds of every process, cases, answers stored). Making the empty store (migrations) is not
    timed: it is not the import's work."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = get_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        started, cpu = time.perf_counter(), cpu_seconds()
        outcomes = import_many(engine, paths, user="bench", workers=workers)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        refused = [o.message for o in outcomes if not o.loaded]
        if refused:
            raise SystemExit(f"the import refused {len(refused)} workbook(s):\n{refused[0]}")
        with Session(engine) as s:
            cases = s.execute(select(func.count()).select_from(Case)).scalar_one()
            answers = answers_stored(s)
        engine.dispose()
    return seconds, cpu, cases, answers


def time_the_command(paths: list[Path]) -> float:
    """Seconds ``python -m core import`` takes for every workbook, less its run on the smallest one."""
    import subprocess

    def run(sources: list[Path]) -> float:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "core", "import", *map(str, sources), "--db", f"sqlite:///{Path(tmp) / 'c.db'}"],
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return time.perf_counter() - started

    smallest = min(paths, key=lambda p: p.stat().st_size)
    return run(paths) - run([smallest])


def timed(fn, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def cpu_timed(fn, *args) -> tuple[float, float, object]:
    started, cpu = time.perf_counter(), cpu_seconds()
    result = fn(*args)
    return time.perf_counter() - started, cpu_seconds() - cpu, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--round", type=Path, default=DEFAULT_OUT, help="directory of workbooks (written first if empty)")
    parser.add_argument("--no-openpyxl", action="store_true", help="skip the secondary openpyxl line")
    args = parser.parse_args(argv)
    paths = sorted(args.round.glob("*.xlsx"))
    if not paths:
        print(f"writing a national round into {args.round} ...")
        write_round(args.round)
        paths = sorted(args.round.glob("*.xlsx"))
    workers = default_workers()
    read_calamine(paths[:3])  # warm the file cache and the imports: the first run is not a cold start for one only
    import_all(paths[:3], workers)  # warm up
    reads, imports, ratios, cpu_ratios, serial_ratios = [], [], [], [], []
    for run in range(1, args.runs + 1):
        read_s, read_cpu, cells = cpu_timed(read_calamine, paths)
        if run % 2:
            import_s, import_cpu, cases, answers = import_all(paths, workers)
            serial_s, _, _, _ = import_all(paths, 1)
        else:
            serial_s, _, _, _ = import_all(paths, 1)
            import_s, import_cpu, cases, answers = import_all(paths, workers)
        reads.append(read_s)
        imports.append(import_s)
        ratios.append(import_s / read_s)
        cpu_ratios.append(import_cpu / read_cpu)
        serial_ratios.append(serial_s / read_s)
        print(f"run {run}: calamine read {read_s:.2f} s ({cells:,} cells), import {import_s:.2f} s "
              f"({cases:,} cases, {answers:,} answers): {import_s / read_s:.2f}x; in one process {serial_s:.2f} s: "
              f"{serial_s / read_s:.2f}x")
    read_s, import_s, ratio = statistics.median(reads), statistics.median(imports), statistics.median(ratios)
    print(f"{len(paths)} workbooks; median of {args.runs} runs:")
    print(f"  reading with python-calamine:             {read_s:6.2f} s")
    print(f"  importing into a fresh SQLite store:      {import_s:6.2f} s  ({cases / import_s:,.0f} cases/s, "
          f"{answers / import_s:,.0f} answers/s; {workers} worker process{'es' if workers != 1 else ''} checking ahead)")
    print(f"  import / calamine read (target <= {TARGET:g}x):  {ratio:6.2f}x  {'ok' if ratio <= TARGET else 'ABOVE TARGET'}")
    serial = statistics.median(serial_ratios)
    print(f"  the same in one process (--workers 1):    {serial:6.2f}x  {'ok' if serial <= TARGET else 'ABOVE TARGET'}")
    print(f"  (the CPU time of every process against the read's: {statistics.median(cpu_ratios):.2f}x)")
    command_s = statistics.median(time_the_command(paths) for _ in range(args.runs))
    print(f"  python -m core import of the directory, less the command's run on one small workbook (median of {args.runs}): "
          f"{command_s:.2f} s = {command_s / read_s:.2f}x the median read")
    if not args.no_openpyxl:
        openpyxl_s, _ = timed(read_openpyxl, paths)
        print(f"  (secondary, one run) reading with openpyxl read-only: {openpyxl_s:.2f} s; import / openpyxl read: "
              f"{import_s / openpyxl_s:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
