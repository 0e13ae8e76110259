"""Importing an uploaded file: check all of it, then store all of it in one transaction, or nothing.

The upload page and ``python -m core import`` both call ``import_file``. It returns a ``Receipt``
(loaded, already loaded or new version; the inspection; the counts; the version; the sha256) or
raises ``InvalidWorkbook`` holding every finding, each with its cell. A rejected file leaves the
store exactly as it was.

Checking a file (``check_source``: reading, the scan, python-calamine's read, every check) writes
nothing, so ``import_many`` checks the next file in a worker thread while it stores the one before:
python-calamine parses a sheet, zlib inflates its XML and SQLite writes without holding Python's GIL,
so on two cores much of the one overlaps the other. Files are still stored one by one, in order.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
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


@dataclass(frozen=True)
class CheckedFile:
    """A file read and checked (``check_source``), not yet stored: its upload, or why it was refused."""

    name: str
    sha256: str = ""
    upload: ParsedUpload | None = None
    refusal: InvalidWorkbook | None = None

    def parsed(self) -> ParsedUpload:
        """The checked upload; raises the refusal (every finding) where the file was refused."""
        if self.refusal is not None:
            raise self.refusal
        return self.upload


Source = str | Path | bytes | bytearray | memoryview | CheckedFile


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


def check_source(source: str | Path | bytes | bytearray | memoryview, file_name: str | None = None) -> CheckedFile:
    """Read and check the whole file; writes nothing. A refusal is held in the result, not raised."""
    try:
        data, name = read_source(source, file_name)
        return CheckedFile(name, sha256_of(data), parse_upload(data, name))
    except InvalidWorkbook as exc:
        return CheckedFile(exc.file_name, refusal=exc)


def check_file(source: Source, file_name: str | None = None) -> list[Finding]:
    """Every finding against a file (empty if it would load). Writes nothing."""
    refusal = check_source(source, file_name).refusal
    return refusal.findings if refusal is not None else []


def import_file(engine: Engine, source: Source, file_name: str | None = None, user: str = "anonymous",
                scope: Scope | None = None, on_stored: Callable[[Session, Receipt], None] | None = None) -> Receipt:
    """Check the whole file, then store it in one transaction; say what became of it.

    ``source`` is a path, or the bytes of an upload (then give ``file_name``: it tells a CSV file
    from a workbook and names the file in findings and in the audit trail), or a file checked
    already (``check_source``). Raises InvalidWorkbook with every finding, having written nothing,
    when anything in the file is wrong, or when its region is outside the uploader's ``scope`` (None: no limit, as for the command line).
    ``on_stored(session, receipt)`` runs in the upload's own transaction (the audit row: an upload and
    its record land together or not at all).
    """
    checked = source if isinstance(source, CheckedFile) else check_source(source, file_name)
    upload, name = checked.parsed(), checked.name
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
                importer: Callable[[Source, str | None], Receipt] | None = None) -> list[Outcome]:
    """Import each file in its own transaction, in order: a refused file is reported and the others
    still load. ``sources`` are paths, or (bytes, file name) pairs as an upload page has them.
    ``progress`` is called after each file. ``importer(checked, name)`` stores one file, given as
    ``check_source`` left it (default: ``import_file`` as ``user`` within ``scope``;
    ``core.ingest.audited.upload`` as a principal, audited). Returns one ``Outcome`` per file.

    The next file is checked in a worker thread while this one is stored (see the module's note)."""
    if importer is None:
        def importer(checked, name):
            return import_file(engine, checked, name, user=user, scope=scope)
    given = [source if isinstance(source, tuple) else (source, None) for source in sources]
    outcomes: list[Outcome] = []
    cases = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="check-ahead") as ahead:
        checking: Future | None = ahead.submit(check_source, *given[0]) if given else None
        for i, (data, name) in enumerate(given):
            checked = checking.result()  # an error that is not a refusal (a bug) is raised here, in turn
            checking = ahead.submit(check_source, *given[i + 1]) if i + 1 < len(given) else None
            shown = name or (Path(data).name if isinstance(data, (str, Path)) else "upload")
            outcome = _store_one(importer, checked, name, shown)
            outcomes.append(outcome)
            cases += outcome.cases
            if progress is not None:
                progress(Progress(len(outcomes), len(sources), cases, outcome))
    return outcomes


def _store_one(importer: Callable[[CheckedFile, str | None], Receipt], checked: CheckedFile, name: str | None,
               shown: str) -> Outcome:
    try:
        return Outcome(shown, receipt=importer(checked, name))
    except InvalidWorkbook as exc:
        return Outcome(shown, findings=tuple(exc.findings), total=exc.total, message=str(exc))
    except ProbationError as exc:  # refused for a reason that is not in the file (e.g. the store)
        return Outcome(shown, message=str(exc))
