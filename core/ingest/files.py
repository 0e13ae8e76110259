"""What an uploaded file is, and whether it is safe to open.

Checked on the raw bytes before any spreadsheet library sees them: an empty or oversized file,
an encrypted workbook (an OLE compound file), a macro-enabled workbook, a zip that would expand
beyond reason (a zip bomb), a file that is neither a workbook nor a CSV. The scan of the package
and its sheet XML (``core.ingest.scan``) comes next, before any full read.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

from core import findings as F
from core.findings import Findings

MAX_FILE_BYTES = 25 * 1024 * 1024  # a PDU's cases workbook is some 50 KB; a national CSV a few MB
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # 5,000 cases of 60 answers expand to about 20 MB
MAX_ZIP_ENTRIES = 2000
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: encrypted .xlsx, or an old .xls
ZIP_SIGNATURE = b"PK\x03\x04"

XLSX = "xlsx"
CSV = "csv"


@dataclass(frozen=True)
class Sniffed:
    """The file's format (``xlsx`` or ``csv``), or None where findings say why it cannot be read."""

    format: str | None
    package: zipfile.ZipFile | None = field(default=None, compare=False, repr=False)  # a workbook's zip, as opened here


def sniff(data: bytes, file_name: str, findings: Findings) -> Sniffed:
    """Decide whether ``data`` may be opened as an .xlsx workbook or read as CSV; add findings if not."""
    name = file_name.lower()
    if not data:
        findings.add(F.EMPTY_FILE, f"{file_name} is empty")
        return Sniffed(None)
    if len(data) > MAX_FILE_BYTES:
        findings.add(F.TOO_LARGE, f"{file_name} is {len(data) / 2**20:.1f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB")
        return Sniffed(None)
    if data.startswith(OLE_SIGNATURE):
        findings.add(F.ENCRYPTED, f"{file_name} is an encrypted (password-protected) workbook or an old-style .xls file: "
                                  "remove the password, or save it as an Excel workbook (.xlsx)")
        return Sniffed(None)
    if data.startswith(ZIP_SIGNATURE) or name.endswith((".xlsx", ".xlsm", ".xltx", ".xltm")):
        package = _safe_zip(data, file_name, findings)
        return Sniffed(XLSX, package) if package is not None else Sniffed(None)
    if name.endswith(".csv"):
        return Sniffed(CSV)
    findings.add(F.NOT_A_WORKBOOK, f"{file_name} is neither an Excel workbook (.xlsx) nor a CSV file (.csv)")
    return Sniffed(None)


def _safe_zip(data: bytes, file_name: str, findings: Findings) -> zipfile.ZipFile | None:
    """The zip, open (for the scan to read on), where it may be; else None, with findings."""
    if file_name.lower().endswith((".xlsm", ".xltm")):
        findings.add(F.MACRO_ENABLED, f"{file_name} is a macro-enabled workbook; save it as an Excel workbook (.xlsx) without macros")
        return None
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        entries = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        findings.add(F.NOT_A_WORKBOOK, f"{file_name} is not an Excel workbook (.xlsx): it cannot be opened as one")
        return None
    if not _safe_entries(entries, file_name, findings):
        zf.close()
        return None
    return zf


def _safe_entries(entries: list[zipfile.ZipInfo], file_name: str, findings: Findings) -> bool:
    if len(entries) > MAX_ZIP_ENTRIES:
        findings.add(F.ZIP_BOMB, f"{file_name} holds {len(entries)} parts; a workbook has a few dozen")
        return False
    # the sizes a zip declares bound what Python's zipfile will inflate, so they can be trusted here
    expanded = sum(e.file_size for e in entries)
    if expanded > MAX_UNCOMPRESSED_BYTES:
        findings.add(F.ZIP_BOMB, f"{file_name} would expand to {expanded / 2**20:,.0f} MB; the limit is "
                                 f"{MAX_UNCOMPRESSED_BYTES // 2**20} MB")
        return False
    names = {e.filename.lower() for e in entries}
    if any(n.endswith("vbaproject.bin") for n in names):
        findings.add(F.MACRO_ENABLED, f"{file_name} contains macros (vbaProject.bin); save it as an Excel workbook (.xlsx) without macros")
        return False
    if "[content_types].xml" not in names or not any(n.endswith("workbook.xml") for n in names):
        findings.add(F.NOT_A_WORKBOOK, f"{file_name} is a zip file but not an Excel workbook (.xlsx)")
        return False
    return True
