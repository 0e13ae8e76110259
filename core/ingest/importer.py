"""Importing an uploaded file: check all of it, then store all of it in one transaction, or nothing.

The upload page and ``python -m core import`` both call ``import_file``. It returns a ``Receipt``
(loaded, already loaded or new version; the inspection; the counts; the version; the sha256) or
raises ``InvalidWorkbook`` holding every finding, each with its cell. A rejected file leaves the
store exactly as it was.

Many files (``import_many``) are stored one at a time, in order, each in its own transaction; with
``workers`` above 1 the checking (reading, scanning, every check: no store) runs ahead in worker
processes while this one stores, so that a batch costs about as long as the slower of the two.
"""
from __future__ import annotations

import collections
import hashlib
import itertools
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.errors import InputError, InvalidWorkbook, ProbationError
from core import findings as F
from core.ingest.files import MAX_FILE_BYTES
from core.findings import Finding
from core.ingest.parse import ParsedUpload, parse_upload
from core.store.scope import Scope
from core.store.uploads import Receipt, store_upload

Source = str | Path | bytes | bytearray | memoryview


def read_source(source: Source, file_name: str | None = None) -> tuple[bytes, str]:
    """The file's bytes and the name to report it by. Raises InvalidWorkbook if it cannot be read."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), file_name or "upload"
    path = Path(source)
    name = file_name or path.name
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InvalidWorkbook(name, [Finding(F.TOO_LARGE, f"{name} is {path.stat().st_size / 2**20:.1f} MB; "
                                                              f"the limit is {MAX_FILE_BYTES // 2**20} MB")])
        return path.read_bytes(), name
    except OSError as exc:
        raise InvalidWorkbook(name, [Finding(F.UNREADABLE, f"cannot read {path}: {exc.strerror or exc}")]) from None


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def shown_name(source: Source, file_name: str | None = None) -> str:
    """The name a file is reported by: the one given, else a path's file name, else "upload"."""
    return file_name or (Path(source).name if isinstance(source, (str, Path)) else "upload")


@dataclass(frozen=True)
class CheckedFile:
    """A file read and checked, ready to store: the upload and the sha256 of its bytes, or why it
    was refused. Made by ``check_source``, in this process or a worker's."""

    name: str
    upload: ParsedUpload | None = None
    sha256: str = ""
    refused: ProbationError | None = None  # InvalidWorkbook; or another error of the core's, e.g. a framework file unreadable


def check_source(source: Source, file_name: str | None = None) -> CheckedFile:
    """Read and check a file (no store). Never raises an error of the core's (``ProbationError``):
    the refusal is in the result, for ``import_file`` to raise where the file is stored."""
    try:
        data, name = read_source(source, file_name)
        return CheckedFile(name, parse_upload(data, name), sha256_of(data))
    except ProbationError as exc:
        return CheckedFile(getattr(exc, "file_name", None) or shown_name(source, file_name), refused=exc)


def check_file(source: Source, file_name: str | None = None) -> list[Finding]:
    """Every finding against a file (empty if it would load). Writes nothing. Raises an error of the
    core's that is not about the file (e.g. a framework file unreadable)."""
    refused = check_source(source, file_name).refused
    if isinstance(refused, InvalidWorkbook):
        return refused.findings
    if refused is not None:
        raise refused
    return []


def import_file(engine: Engine, source: Source | CheckedFile, file_name: str | None = None, user: str = "anonymous",
                scope: Scope | None = None, on_stored: Callable[[Session, Receipt], None] | None = None) -> Receipt:
    """Check the whole file, then store it in one transaction; say what became of it.

    ``source`` is a path, or the bytes of an upload (then give ``file_name``: it tells a CSV file
    from a workbook and names the file in findings and in the audit trail), or a ``CheckedFile``
    (checked already, as ``import_many``'s workers do: stored as it is). Raises InvalidWorkbook
    with every finding, having written nothing, when anything in the file is wrong, or when its
    region is outside the uploader's ``scope`` (None: no limit, as for the command line).
    ``on_stored(session, receipt)`` runs in the upload's own transaction (the audit row: an upload and
    its record land together or not at all).
    """
    checked = source if isinstance(source, CheckedFile) else check_source(source, file_name)
    if checked.refused is not None:
        raise checked.refused
    upload: ParsedUpload = checked.upload
    name = checked.name
    if scope is not None and not scope.allows(upload.inspection.region):
        raise InvalidWorkbook(name, [Finding(F.OUT_OF_SCOPE, f"{upload.inspection.region} is not one of the regions you may upload for "
                                                             f"({', '.join(sorted(scope.regions or [])) or 'none'})", sheet="Inspection")])
    return store_upload(engine, upload, checked.sha256, user or "anonymous", on_stored)


# -- many files -------------------------------------------------------------------------------

UPLOAD_SUFFIXES = (".xlsx", ".csv")


@dataclass(frozen=True)
class Outcome:
    """What became of one file of many: its receipt, or the findings that refused it."""

    file_name: str
    receipt: Receipt | None = None
    findings: tuple[Finding, ...] = ()
    total: int = 0  # findings counted (only the first few hundred are listed)
    message: str = ""  # why it was refused, every finding listed, for a person

    @property
    def loaded(self) -> bool:
        return self.receipt is not None

    @property
    def cases(self) -> int:
        return self.receipt.counts.get("cases", 0) if self.receipt is not None else 0


@dataclass(frozen=True)
class Progress:
    """Where a batch is, after each file: for a progress bar."""

    done: int  # files finished, loaded or refused
    total: int
    cases: int  # cases in the files loaded so far
    outcome: Outcome  # the file just finished


def expand_sources(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and for a directory every .xlsx and .csv file in it and below, in name order
    (Excel's lock files, ``~$…``, and hidden files are skipped). Raises InputError for a path that is not there."""
    out: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in UPLOAD_SUFFIXES
                           and not p.name.startswith(("~$", ".")))
            out.extend(found)
        elif path.exists():
            out.append(path)
        else:
            raise InputError(f"{given}: no such file or directory")
    return out


def import_many(engine: Engine, sources: Sequence[Source | tuple[Source, str]], user: str = "anonymous", scope: Scope | None = None,
                progress: Callable[[Progress], None] | None = None,
                importer: Callable[[Source | CheckedFile, str | None], Receipt] | None = None,
                workers: int = 1) -> list[Outcome]:
    """Import each file in its own transaction, in order: a refused file is reported and the others
    still load. ``sources`` are paths, or (bytes, file name) pairs as an upload page has them.
    ``progress`` is called after each file. ``importer(source, name)`` stores one file, given as a
    ``CheckedFile`` when ``workers`` check ahead (default: ``import_file`` as ``user`` within
    ``scope``; ``core.ingest.audited.upload`` as a principal, audited). ``workers`` above 1 checks
    files in that many worker processes while this one stores (``checked_ahead``; for a command
    line process: the workers are forked). Returns one ``Outcome`` per file."""
    if importer is None:
        def importer(data, name):
            return import_file(engine, data, name, user=user, scope=scope)
    pairs = [source if isinstance(source, tuple) else (source, None) for source in sources]
    checked = checked_ahead(pairs, workers) if workers > 1 and len(pairs) > 1 and forking_is_safe() else None
    try:
        return _store_each(pairs, importer, progress, checked)
    finally:
        if checked is not None:
            checked.close()  # a batch cut short (a store error): the workers stop too


def _store_each(pairs, importer, progress, checked: Iterator[CheckedFile] | None) -> list[Outcome]:
    outcomes: list[Outcome] = []
    cases = 0
    for data, name in pairs:
        shown = shown_name(data, name)
        try:
            if checked is not None:
                ready = next(checked)
                data, name = ready, ready.name
            outcome = Outcome(shown, receipt=importer(data, name))
        except InvalidWorkbook as exc:
            outcome = Outcome(shown, findings=tuple(exc.findings), total=exc.total, message=str(exc))
        except ProbationError as exc:  # refused for a reason that is not in the file (e.g. the store)
            outcome = Outcome(shown, message=str(exc))
        outcomes.append(outcome)
        cases += outcome.cases
        if progress is not None:
            progress(Progress(len(outcomes), len(pairs), cases, outcome))
    return outcomes


def forking_is_safe() -> bool:
    """Whether worker processes may be forked: on Linux. Elsewhere (macOS, Windows) files are checked in
    this process, whatever ``workers`` says."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def default_workers() -> int:
    """Worker processes to check files in: the cores this process may use, at most 4 (one core, or
    where forking is not safe: none)."""
    if not forking_is_safe():
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cores, 4)


def checked_ahead(pairs: Sequence[tuple[Source, str | None]], workers: int) -> Iterator[CheckedFile]:
    """``check_source`` of each (source, name) in worker processes, yielded in order. At most
    ``2 * workers`` files are checked ahead of the one yielded, so that a long batch never holds
    more than a few parsed files. The workers are forked (they start at once, with this process's
    modules): call it from a command-line process, not from a server's threads."""
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=min(workers, len(pairs)), mp_context=context)
    try:
        waiting = iter(pairs)
        pending = collections.deque(pool.submit(check_source, *pair) for pair in itertools.islice(waiting, 2 * workers))
        while pending:
            ready = pending.popleft().result()
            for pair in itertools.islice(waiting, 1):
                pending.append(pool.submit(check_source, *pair))
            yield ready
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
