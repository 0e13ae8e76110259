"""One streaming scan of a workbook's package and sheet XML, before any spreadsheet library reads it.

The values are read by python-calamine, which is fast but builds each sheet whole in memory and
does not report formulas (it gives the value last computed), error cells, hidden parts or merged
cells. This scan does, and it is also where the limits hold, so that a small file declaring
millions of cells or strings is refused in a moment and in little memory:

- each part's uncompressed size, as the zip declares it (Python's zipfile never inflates more);
- the workbook part and the sheet list, with each sheet's state (visible, hidden, very hidden);
- the shared-string table: its declared count, then the strings themselves, counted as they stream;
- each sheet we read: its declared ``<dimension>``, the cells of each row, the row and column of
  every cell (so that the grid the reader will build stays small), formulas and error cells with
  their text, merged ranges, hidden rows and hidden columns.

The XML is parsed (expat, one callback per element, constant memory), never matched as text:
``<mergeCell ref = "B2:C2" />`` and a namespace prefix are read as Excel reads them. A document
type declaration is refused: no spreadsheet has one, and entities are how XML bombs work.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from itertools import repeat
from pyexpat import ExpatError, ParserCreate
from xml.etree import ElementTree

from openpyxl.utils import get_column_letter

from core import findings as F
from core.findings import Findings
from core.ingest.spec import MAX_COLUMNS, MAX_SCANNED_ROWS

MAX_PART_BYTES = 50 * 1024 * 1024  # one part, uncompressed: a sheet of 5,000 cases of 60 answers is some 10 MB
MAX_SHARED_STRINGS = 200_000  # distinct texts: a full cases sheet has under 6,000 (case ids, answers, attributes)
MAX_GRID_CELLS = 3_000_000  # rows x columns of a sheet as the reader lays it out (5,001 rows of 300 columns is 1.5 million)
MAX_LISTED_HIDDEN = 20  # hidden rows named one by one before the rest are counted

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SEP = "}"
C, ROW, F_ = (f"{_MAIN}{_SEP}{t}" for t in ("c", "row", "f"))
_DIMENSION, _MERGE, _COL, _SI, _SST = (f"{_MAIN}{_SEP}{t}" for t in ("dimension", "mergeCell", "col", "si", "sst"))
_CHUNK = 1 << 16
_DIGITS = "0123456789"
_COLUMNS = {get_column_letter(i): i for i in range(1, 703)}  # A..ZZ: a cell further right is refused anyway


@dataclass
class SheetScan:
    """What the scan found in one sheet. Rows and columns are numbered as the sheet shows them (from 1)."""

    name: str
    state: str = "visible"  # or "hidden", "veryHidden"
    present: bool = True  # False: the workbook lists the sheet, but its part is missing
    readable: bool = True  # False: a limit was crossed (a finding says which); the sheet must not be read
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) -> "=..."
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) -> "#N/A"
    merges: list[str] = field(default_factory=list)  # "B2:C3"
    hidden_rows: list[int] = field(default_factory=list)
    hidden_row_count: int = 0
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)  # (first, last)
    max_row: int = 0  # the furthest row and column seen (by the quick path: bounds on them)
    max_col: int = 0


@dataclass
class PackageScan:
    sheet_names: list[str]
    sheets: dict[str, SheetScan]  # the sheets asked for that the workbook has


class _Stop(Exception):
    """Raised inside the parser's callback to stop at the first limit crossed (a finding says which)."""


def scan_package(data: bytes, file_name: str, wanted: dict[str, int], findings: Findings,
                 package: zipfile.ZipFile | None = None) -> PackageScan | None:
    """Scan the package and the ``wanted`` sheets (name -> the most data rows it may hold).
    ``package``: the zip of ``data``, where it is open already (``core.ingest.files.sniff``); closed here.

    Returns None, with findings, where the package itself is refused; a sheet that crosses a limit
    is returned with ``readable`` False and a finding."""
    try:
        zf = package if package is not None else zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        findings.add(F.NOT_A_WORKBOOK, f"{file_name} is not an Excel workbook (.xlsx): it cannot be opened as one")
        return None
    with zf:
        for info in zf.infolist():
            if info.file_size > MAX_PART_BYTES:
                findings.add(F.SHEET_TOO_LARGE, f"{file_name}: the part {info.filename} would expand to {info.file_size / 2**20:,.0f} MB; "
                                                f"the limit for one part is {MAX_PART_BYTES // 2**20} MB")
                return None
        try:
            book_path = _workbook_path(zf)
            sheets = _sheets(zf, book_path)
            if not _shared_strings_ok(zf, book_path, file_name, findings):
                return None
            out = PackageScan([name for name, _, _ in sheets], {})
            for name, state, path in sheets:
                if name not in wanted or name in out.sheets:
                    continue
                scan = SheetScan(name, state)
                out.sheets[name] = scan
                if path is None or path not in zf.NameToInfo:
                    scan.present = scan.readable = False
                    findings.add(F.NOT_A_WORKBOOK, f"{file_name} is damaged: the {name} sheet's part is missing", name)
                    continue
                _scan_sheet(zf, path, scan, wanted[name], findings)
        except (KeyError, ElementTree.ParseError, ExpatError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            findings.add(F.NOT_A_WORKBOOK, f"{file_name} is damaged and cannot be read ({type(exc).__name__}: {str(exc)[:200]})")
            return None
    return out


# -- the package --------------------------------------------------------------------------------

def _workbook_path(zf: zipfile.ZipFile) -> str:
    try:
        return _parsed(_office_document, zf.read("_rels/.rels"))
    except KeyError:
        return "xl/workbook.xml"


def _sheets(zf: zipfile.ZipFile, book_path: str) -> list[tuple[str, str, str | None]]:
    """(name, state, path of its part) of every sheet, in workbook order."""
    sheets = _parsed(_book_sheets, zf.read(book_path))
    rels_path = posixpath.join(posixpath.dirname(book_path), "_rels", posixpath.basename(book_path) + ".rels")
    try:
        targets = _parsed(_targets, zf.read(rels_path))
    except KeyError:
        targets = {}
    out = []
    for name, state, rid in sheets:
        target = targets.get(rid)
        path = None
        if target:
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(posixpath.dirname(book_path), target))
        out.append((name, state, path))
    return out


def _office_document(xml: bytes) -> str:
    root = ElementTree.fromstring(xml)
    for r in root.iter(f"{{{_PKG_REL}}}Relationship"):
        if r.get("Type", "").endswith("/officeDocument"):
            return r.get("Target", "xl/workbook.xml").lstrip("/")
    return "xl/workbook.xml"


def _book_sheets(xml: bytes) -> tuple[tuple[str, str, str | None], ...]:
    """(name, state, relationship id) of every sheet of a workbook part."""
    book = ElementTree.fromstring(xml)
    return tuple((sheet.get("name") or "", (sheet.get("state") or "visible").strip(), sheet.get(f"{{{_REL}}}id"))
                 for sheet in book.iter(f"{{{_MAIN}}}sheet"))


def _targets(xml: bytes) -> dict[str | None, str]:
    rels = ElementTree.fromstring(xml)
    return {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{_PKG_REL}}}Relationship")}


_PARSED: dict[tuple, object] = {}  # (reader, the part's bytes) -> what it read: the parts files of one template share


def _parsed(read, xml: bytes):
    """``read(xml)``, remembered for the same bytes (a few dozen parts at most; what raises is not kept).
    Read only, never changed, by the callers."""
    key = (read, xml)
    value = _PARSED.get(key, _PARSED)  # (one look-up: another thread may clear it meanwhile)
    if value is not _PARSED:
        return value
    value = read(xml)
    if len(_PARSED) >= 64:
        _PARSED.clear()
    _PARSED[key] = value
    return value


def _parser():
    p = ParserCreate(namespace_separator=_SEP)
    p.buffer_text = True

    def no_doctype(*_):
        raise ExpatError("a document type declaration (DOCTYPE) is not allowed in a workbook")

    p.StartDoctypeDeclHandler = no_doctype
    p.EntityDeclHandler = no_doctype
    return p


def _shared_strings_ok(zf: zipfile.ZipFile, book_path: str, file_name: str, findings: Findings) -> bool:
    """Count the shared strings, declared and actual, stopping at the limit."""
    path = posixpath.join(posixpath.dirname(book_path), "sharedStrings.xml")
    name = next((n for n in zf.NameToInfo if n.lower() == path.lower()), None)
    if name is None:
        return True
    seen = [0]

    def start(tag, attrs):
        if tag == _SI:
            seen[0] += 1
            if seen[0] > MAX_SHARED_STRINGS:
                raise _Stop
        elif tag == _SST:
            declared = max(_int(attrs.get("count")), _int(attrs.get("uniqueCount")))
            if declared > MAX_SHARED_STRINGS:
                seen[0] = declared
                raise _Stop

    p = _parser()
    p.StartElementHandler = start
    try:
        with zf.open(name) as part:
            while chunk := part.read(_CHUNK):
                p.Parse(chunk, False)
            p.Parse(b"", True)
    except _Stop:
        findings.add(F.SHEET_TOO_LARGE, f"{file_name} holds {seen[0]:,}{'+' if seen[0] == MAX_SHARED_STRINGS + 1 else ''} shared strings "
                                         f"(distinct texts); a workbook may hold at most {MAX_SHARED_STRINGS:,}")
        return False
    return True


def _int(text) -> int:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return 0


# -- one sheet --------------------------------------------------------------------------------

# The quick path, for the cells of a sheet as Excel and openpyxl write them. Everything outside
# <sheetData> (the dimension, columns, merged ranges: a few kilobytes) is parsed in full. Inside it,
# where the cells are, a sheet qualifies when no formula, error cell, hidden row, comment, CDATA
# section, processing instruction or namespace declaration is there (not even the bytes that would
# begin one), every cell tag is written ``<c r="B7"``, and every reference lies within column KN
# and row 9,999. Then the sheet is at most 9,999 rows by 300 columns whatever it holds, and its
# cells are not read one by one here. Anything else, or any doubt, takes the full parse of the whole
# sheet, which reads every element and places every cell.
# one pass finds any of: a formula, a cell tag written otherwise (or without its reference first), a comment or CDATA, a processing
# instruction, a second <sheetData>, or a reference not of the form A1..KN9999 (three letters, a
# column past KN, five digits, anything else)
_RARE_TAG = re.compile(rb'<(?:f[\t\n\r />]|c[\t\n\r/>]|!|\?|sheetData|c (?!r=")|c r="(?:[A-Z]{3}|[L-Z][A-Z]|K[O-Z]|[A-Z]{1,2}[0-9]{8}|'
                       rb'(?![A-Z]{1,2}[1-9][0-9]{0,6}")))')
_LONG_SHEET = re.compile(rb'<c r="[A-Z]{1,2}[0-9]{5}')  # a row past 9,999: the rows are then read one by one
_ROW_OF_CELL = re.compile(rb'<c r="[A-Z]{1,2}([0-9]{1,7})"')
_COLUMN_OF_CELL = re.compile(rb'<c r="([A-Z]{1,2})[0-9]')
_RARE_WORDS = (b'"e"', b"hidden", b"xmlns")
# The same answer in fewer steps, for the sheets that qualify (the searches above try an alternation at
# every "<", some 2 million of them in a full cases sheet). Proofs, each a pass in C, that neither
# _RARE_TAG nor _LONG_SHEET can match:
# - no "<f", "<!", "<?" (each looked for from its rare second byte, see _absent) and no "<sheetData";
# - every "<c" begins ``<c r="B7"``: a reference within column KN, its row under 10,000 (1 to 4 digits,
#   the first not 0), closed by its quote.
# Then each alternative of _RARE_TAG fails (a formula, comment, CDATA and processing instruction begin
# "<f", "<!", "<?"; a cell tag is followed by ` r="` and a reference of one letter, or two up to KN, then
# 1 to 4 digits and its quote), and so does _LONG_SHEET (5 digits). Where a proof fails, the searches
# above decide, as before; tests/test_ingest_scan.py holds the proofs to them.
# (Possessive quantifiers: the same matches as without, with no backtracking into them.)
_CELL_NOT_PLAIN = re.compile(rb'<c(?! r="(?:[A-J][A-Z]?+|K[A-N]?+|[L-Z])[1-9][0-9]{0,3}+")')
_TAG_STARTS = (b"<f", b"<!", b"<?")
_QUICK_ROWS = 9_999
_QUICK_LIMIT = 24 * 1024 * 1024  # larger sheets are streamed by the full parse, in constant memory


def _scan_sheet(zf: zipfile.ZipFile, path: str, scan: SheetScan, max_rows: int, findings: Findings) -> None:
    if zf.getinfo(path).file_size <= _QUICK_LIMIT:
        xml = zf.read(path)
        if _quick_scan(xml, scan, max_rows, findings):
            return
        part = io.BytesIO(xml)
    else:
        part = zf.open(path)
    with part:
        _SheetScanner(scan, max_rows, findings).run(part)


# the sheet's namespace bound to a prefix (xmlns:x="…/spreadsheetml/2006/main")
_MAIN_PREFIXED = re.compile(rb'xmlns:[^\s=]+\s*=\s*["\']' + re.escape(_MAIN.encode()) + rb'["\']')


def _quick_scan(xml: bytes, scan: SheetScan, max_rows: int, findings: Findings) -> bool:
    """True where the sheet was scanned here; False where it needs the full parse."""
    start, end = xml.find(b"<sheetData>"), xml.rfind(b"</sheetData>")
    if start == -1 or end < start:
        return False
    body = start + len(b"<sheetData>")
    if _MAIN_PREFIXED.search(xml, 0, start):  # cells written <x:c>, formulas <x:f>: only the full parse reads them so
        return False
    plain = _plain_cells(xml, body, end)  # True: neither _RARE_TAG nor _LONG_SHEET can match
    if (not plain and _RARE_TAG.search(xml, body, end)) or not all(map(_absent, repeat(xml), _RARE_WORDS, repeat(body), repeat(end))):
        return False
    # (at most 24 MB of XML: some 2 million cells, so the reader's memory is bounded too)
    # the rest of the sheet, parsed in full: <dimension>, <cols>, <mergeCells>, ...
    checker = _SheetScanner(scan, max_rows, findings)
    rest = xml[:start] + b"<sheetData/>" + xml[end + len(b"</sheetData>"):]
    if not _quiet_rest(rest, checker):
        checker.run(io.BytesIO(rest))
    scan.max_row, scan.max_col = _QUICK_ROWS, MAX_COLUMNS  # bounds, not counts
    if scan.readable and not plain and _LONG_SHEET.search(xml, body, end):
        rows = sorted({int(r) for r in _ROW_OF_CELL.findall(xml, body, end)})
        try:
            if rows[-1] > MAX_SCANNED_ROWS and sum(r <= MAX_SCANNED_ROWS for r in rows) <= max_rows + 1:
                checker.refuse(f"a row numbered {rows[-1]:,}: more than {MAX_SCANNED_ROWS:,} rows; delete the rows beyond your data")
            checker.row = rows[-1]
            checker.max_col = max(_COLUMNS[c.decode()] for c in set(_COLUMN_OF_CELL.findall(xml, body, end)))
            checker._check_grid()
        except _Stop:
            scan.readable = False
        scan.max_row, scan.max_col = rows[-1], checker.max_col
    return True


# an element the checker acts on at every occurrence, in any namespace: a cell, a formula, a row (a
# start tag is "<", the name, with a prefix and ":" or not, then a space, a tab, a line break, "/" or ">")
_NOTED_ELEMENT = re.compile(rb"<(?:[^\t\n\r />:]*:)?(?:c|f|row)[\t\n\r />]")


def _quiet_rest(rest: bytes, checker: _SheetScanner) -> bool:
    """The rest of a sheet (all but its cells) checked as the checker's parse would check it, without a
    call into Python for each element (a template's sheet has a hundred or so, the columns' widths and
    the data validations: those calls were most of the cost). Where no byte spells "hidden" (no hidden column) or
    "mergeCell", no element is a cell, formula or row, and one element at most names a dimension, only
    that dimension can say anything: the same parse (expat, no document type declaration) runs with
    no handler once past it. True where done; False, with nothing changed, where the checker's own
    parse must run: the XML is broken, or holds any of those."""
    if b"hidden" in rest or b"mergeCell" in rest or _NOTED_ELEMENT.search(rest):
        return False
    dimensions = rest.count(b"dimension")
    if dimensions > 1:
        return False
    found = []
    p = _parser()

    def start(name, attrs):
        if name == _DIMENSION:
            found.append(attrs)
            p.StartElementHandler = None  # the only one: nothing after it is looked at

    if dimensions:
        p.StartElementHandler = start
    try:
        p.Parse(rest, True)
    except Exception:  # the checker's parse reports it, as before
        return False
    if found:
        try:
            checker._dimension(found[0].get("ref") or "")
        except _Stop:
            checker.scan.readable = False
    return True


def _absent(xml: bytes, word: bytes, start: int, end: int, at: int = 0) -> bool:
    """``xml.find(word, start, end) == -1``, sooner where the word's byte ``at`` is rare (an "h" or "x" of
    a word, the "f" after a "<", in a sheet of answers): memchr jumps from one to the next, and each is
    looked at in place. Past a few of them per kilobyte, the find."""
    if word[:1] == b'"':  # the quotes of every attribute: the find itself
        return xml.find(word, start, end) == -1
    lead, give_up = word[at:at + 1], 16 + (end - start) // 512
    i = xml.find(lead, start + at, end)
    while i != -1:
        if xml.startswith(word, i - at, end):
            return False
        give_up -= 1
        if not give_up:
            return xml.find(word, i - at, end) == -1
        i = xml.find(lead, i + 1, end)
    return True


def _plain_cells(xml: bytes, body: int, end: int) -> bool:
    """True where ``xml[body:end]`` is proven to hold no match of _RARE_TAG or _LONG_SHEET (see above);
    False where it is not proven (either may match or not)."""
    if not all(_absent(xml, tag, body, end, 1) for tag in _TAG_STARTS) or xml.find(b"<sheetData", body, end) != -1:
        return False
    return _CELL_NOT_PLAIN.search(xml, body, end) is None


class _SheetScanner:
    """The expat callbacks for one sheet. ``start`` runs for every element, so its path for a cell is short."""

    def __init__(self, scan: SheetScan, max_rows: int, findings: Findings):
        self.scan, self.max_rows, self.findings = scan, max_rows, findings
        self.row = 0  # the current row's number
        self.row_text = "0"
        self.col = 0  # the current cell's column
        self.row_cells = 0
        self.data_rows = 0  # rows holding at least one cell
        self.max_col = 0
        self.capture: tuple | None = None  # (kind, row, col, parts) while a formula's or error's text is read
        self.p = None
        self.others = {ROW: self._row, F_: self._formula, _MERGE: self._merge, _COL: self._col, _DIMENSION: self._dimension_tag}

    def run(self, part) -> None:
        p = self.p = _parser()
        p.StartElementHandler = self.start
        try:
            while chunk := part.read(_CHUNK):
                p.Parse(chunk, False)
            p.Parse(b"", True)
        except _Stop:
            self.scan.readable = False
        self.scan.max_row, self.scan.max_col = self.row, self.max_col

    def refuse(self, message: str) -> None:
        self.findings.add(F.SHEET_TOO_LARGE, message, self.scan.name)
        raise _Stop

    def start(self, name, attrs):
        if name == C:
            n = self.row_cells = self.row_cells + 1
            if n == 1:
                self.data_rows += 1
            elif n > MAX_COLUMNS:
                self.refuse(f"row {self.row:,} holds more than {MAX_COLUMNS} cells; a template has at most {MAX_COLUMNS} columns")
            r = attrs.get("r")
            if r is None:
                col = self.col + 1
            else:
                letters = r.rstrip(_DIGITS)
                col = _COLUMNS.get(letters)
                if col is None or r[len(letters):] != self.row_text:
                    col = self._odd_reference(r)
            self.col = col
            if col > self.max_col:
                if col > MAX_COLUMNS:
                    self.refuse(f"a cell in column {get_column_letter(min(col, 16384))} (row {self.row:,}); a template has at most "
                                f"{MAX_COLUMNS} columns: delete the columns beyond your data")
                self.max_col = col
                self._check_grid()
            if attrs.get("t") == "e":
                self._capture("error")
            return
        other = self.others.get(name)  # None for the text of a cell (<v>, <is>, <t>), the most of the rest
        if other is not None:
            other(attrs)

    def _formula(self, attrs) -> None:
        self._capture("formula")

    def _merge(self, attrs) -> None:
        ref = (attrs.get("ref") or "").strip().upper()
        if ref:
            self.scan.merges.append(ref)

    def _col(self, attrs) -> None:
        if str(attrs.get("hidden", "")).strip().lower() in ("1", "true"):
            first = _int(attrs.get("min")) or 1
            self.scan.hidden_columns.append((first, max(first, _int(attrs.get("max")) or first)))

    def _dimension_tag(self, attrs) -> None:
        self._dimension(attrs.get("ref") or "")

    def _row(self, attrs) -> None:
        r = attrs.get("r")
        number = int(r) if r is not None and r.isdigit() and r.isascii() else (_int(r) or self.row + 1)
        if number < self.row:
            number = self.row + 1  # rows out of order: placed after the last, as readers do
        self.row, self.row_text, self.col, self.row_cells = number, str(number), 0, 0
        if number > MAX_SCANNED_ROWS and self.data_rows <= self.max_rows + 1:
            self.refuse(f"a row numbered {number:,}: more than {MAX_SCANNED_ROWS:,} rows; delete the rows beyond your data")
        if number * self.max_col > MAX_GRID_CELLS:
            self._check_grid()
        hidden = attrs.get("hidden")
        if hidden is not None and hidden.strip().lower() in ("1", "true"):
            self.scan.hidden_row_count += 1
            if len(self.scan.hidden_rows) < MAX_LISTED_HIDDEN:
                self.scan.hidden_rows.append(number)

    def _check_grid(self) -> None:
        if self.row * max(self.max_col, 1) > MAX_GRID_CELLS:
            self.refuse(f"the sheet spans {self.row:,} rows and {self.max_col:,} columns, more than {MAX_GRID_CELLS:,} cells; "
                        "delete the rows and columns beyond your data")

    def _odd_reference(self, ref: str) -> int:
        """The column of a cell whose reference is not a plain A..ZZ in this row: refused where it lies
        in another row (readers place a cell by its own reference) or beyond the columns allowed."""
        letters = ref.strip().rstrip(_DIGITS).upper()
        digits = ref.strip()[len(letters):]
        if not letters.isalpha() or not letters.isascii() or not digits.isdigit():
            self.refuse(f'a cell reference "{ref[:20]}" that is not one (in row {self.row:,})')
        col = 0
        for ch in letters[:4]:
            col = col * 26 + ord(ch) - 64
        if len(letters) > 3 or col > 16384:
            col = 16385
        if int(digits) != self.row:
            self.refuse(f"a cell {ref[:20]} written inside row {self.row:,}: the sheet's XML is not as Excel writes it")
        return col

    def _dimension(self, ref: str) -> None:
        last = ref.strip().split(":")[-1].upper()
        letters = last.rstrip(_DIGITS)
        digits = last[len(letters):]
        if not digits.isdigit() or not letters.isalpha():
            return  # not a dimension: nothing is trusted from it anyway
        rows = int(digits)
        cols = 0
        for ch in letters[:4]:
            cols = cols * 26 + ord(ch) - 64
        if rows > MAX_SCANNED_ROWS or cols > MAX_COLUMNS:
            span = f"{rows:,} rows" if rows > MAX_SCANNED_ROWS else f"{cols:,} columns"
            self.refuse(f"the sheet spans {span} ({ref.strip()[:40]}); a template has at most {self.max_rows:,} rows below its "
                        f"heading and {MAX_COLUMNS} columns: delete the rows and columns beyond your data")

    def _capture(self, kind: str) -> None:
        self.capture = (kind, self.row, self.col, [])
        self.p.CharacterDataHandler = self._text
        self.p.EndElementHandler = self._end

    def _text(self, text: str) -> None:
        self.capture[3].append(text)

    def _end(self, name) -> None:
        kind, row, col, parts = self.capture
        if kind == "formula" and name == F_:
            self.scan.formulas[(row, col)] = "=" + "".join(parts).strip()
        elif kind == "error" and name == C:
            self.scan.errors[(row, col)] = "".join(parts).strip() or "#VALUE!"
        else:
            return
        self.capture = None
        self.p.CharacterDataHandler = None
        self.p.EndElementHandler = None
