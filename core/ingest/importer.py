"""Importing an uploaded file: check all of it, then store all of it in one transaction, or nothing.

The upload page and ``python -m core import`` both call ``import_file``. It returns a ``Receipt``
(loaded, already loaded or new version; the inspection; the counts; the version; the sha256) or
raises ``InvalidWorkbook`` holding every finding, each with its cell. A rejected file leaves the
store exactly as it was.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import Engine

from core.errors import InvalidWorkbook
from core.ingest import findings as F
from core.ingest.files import MAX_FILE_BYTES
from core.ingest.findings import Finding
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


def check_file(source: Source, file_name: str | None = None) -> list[Finding]:
    """Every finding against a file (empty if it would load). Writes nothing."""
    try:
        data, name = read_source(source, file_name)
        parse_upload(data, name)
    except InvalidWorkbook as exc:
        return exc.findings
    return []


def import_file(engine: Engine, source: Source, file_name: str | None = None, user: str = "anonymous",
                scope: Scope | None = None) -> Receipt:
    """Check the whole file, then store it in one transaction; say what became of it.

    ``source`` is a path, or the bytes of an upload (then give ``file_name``: it tells a CSV file
    from a workbook and names the file in findings and in the audit trail). Raises InvalidWorkbook
    with every finding, having written nothing, when anything in the file is wrong, or when its
    region is outside the uploader's ``scope`` (None: no limit, as for the command line).
    """
    data, name = read_source(source, file_name)
    upload: ParsedUpload = parse_upload(data, name)
    if scope is not None and not scope.allows(upload.inspection.region):
        raise InvalidWorkbook(name, [Finding(F.OUT_OF_SCOPE, f"{upload.inspection.region} is not one of the regions you may upload for "
                                                             f"({', '.join(sorted(scope.regions or [])) or 'none'})", sheet="Inspection")])
    return store_upload(engine, upload, sha256_of(data), user or "anonymous")
