"""The small exception hierarchy of the core. Pages and the command line turn these into messages."""


def _rebuilt(cls, args: tuple, state: dict):
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class ProbationError(Exception):
    """Base of every error the core raises on purpose."""

    def __reduce__(self):
        # Pickled as its message and attributes, made again without calling __init__ (subclasses take other
        # arguments than the message): an error raised in a worker process (the import's) comes back whole.
        return _rebuilt, (type(self), self.args, self.__dict__)


class FrameworkError(ProbationError):
    """A framework file is malformed: names the file and the key."""

    def __init__(self, path, key: str, message: str):
        self.path, self.key = str(path), key
        super().__init__(f"{path}: {key}: {message}")


class UnknownFramework(ProbationError):
    pass


class InputError(ProbationError):
    """Bad input to a rule or command: names the row and column where it can."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None):
        self.row, self.column = row, column
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class InvalidPublishedRatings(InputError):
    """A published ratings CSV was refused: holds every finding (``core.findings.Finding``),
    each naming its row and column. Nothing was written to the store."""

    def __init__(self, file_name: str, findings: list, total: int | None = None):
        self.file_name = file_name
        self.findings = list(findings)
        self.total = len(self.findings) if total is None else total
        lines = [f"{file_name} was not loaded: {self.total} problem{'s' if self.total != 1 else ''}"]
        lines += [f"  row {f.row}, column {f.header}" + (f" ({f.cell})" if f.cell else "") + f": {f.message}" for f in self.findings]
        if self.total > len(self.findings):
            lines.append(f"  ... and {self.total - len(self.findings)} more")
        super().__init__("\n".join(lines))


class InvalidWorkbook(ProbationError):
    """An uploaded workbook or CSV was rejected: holds every finding, each naming its cell.

    ``findings`` lists the first problems found (at most a few hundred, so that a file of junk
    stays readable); ``total`` counts them all. Nothing was written to the store.
    """

    def __init__(self, file_name: str, findings: list, total: int | None = None):
        self.file_name = file_name
        self.findings = list(findings)
        self.total = len(self.findings) if total is None else total
        lines = [f"{file_name} was not loaded: {self.total} problem{'s' if self.total != 1 else ''}"]
        lines += [f"  {f}" for f in self.findings]
        if self.total > len(self.findings):
            lines.append(f"  ... and {self.total - len(self.findings)} more")
        super().__init__("\n".join(lines))
