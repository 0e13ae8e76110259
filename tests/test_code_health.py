"""Health checks over the whole codebase."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "core").rglob("*.py") if "streamlit" in _imports(p)]
    assert (ROOT / "core" / "engine.py").exists()
    assert offenders == []


def test_only_chart_builders_in_core_import_plotly():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "core").rglob("*.py")
                 if "plotly" in _imports(p) and p.name != "charts.py"]
    assert offenders == []


# -- the core stands on its own (issue 8, item 6) ---------------------------------------------------------

# Adapters at the edge: the store, spreadsheet ingest, chart builders, the command line and the demo
# writer may use a database, spreadsheet or plotting library. Every other module of core/ is the domain.
ADAPTERS = {"core/charts.py", "core/cli.py", "core/demo.py", "core/exports.py"}  # exports: the downloads, written with openpyxl
ADAPTER_PACKAGES = {"core/store", "core/ingest", "core/commands"}
EDGE_LIBRARIES = {"sqlalchemy", "openpyxl", "streamlit", "plotly", "alembic", "psycopg"}


def _runtime_imports(path: Path) -> set[str]:
    """Modules a file imports when it runs: imports under ``if TYPE_CHECKING:`` only describe shapes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
               for n in ast.walk(node)}
    names = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _domain_modules() -> list[Path]:
    out = []
    for p in sorted((ROOT / "core").rglob("*.py")):
        rel = p.relative_to(ROOT).as_posix()
        if rel in ADAPTERS or any(rel.startswith(pkg + "/") for pkg in ADAPTER_PACKAGES):
            continue
        out.append(p)
    return out


def test_every_domain_module_is_free_of_database_spreadsheet_and_ui_libraries():
    modules = _domain_modules()
    names = {p.relative_to(ROOT).as_posix() for p in modules}
    assert {"core/analysis.py", "core/engine.py", "core/rules.py", "core/dataset.py", "core/robustness.py"} <= names
    offenders = {p.relative_to(ROOT).as_posix(): sorted(m for m in _runtime_imports(p) if m.split(".")[0] in EDGE_LIBRARIES)
                 for p in modules}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_domain_modules_reach_the_store_and_ingest_only_through_the_core():
    offenders = {p.relative_to(ROOT).as_posix(): sorted(m for m in _runtime_imports(p) if m.startswith(("core.store", "core.ingest")))
                 for p in _domain_modules()}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_store_does_not_import_ingest():
    found = {p.relative_to(ROOT).as_posix(): sorted(m for m in _runtime_imports(p) if m == "core.ingest" or m.startswith("core.ingest."))
             for p in sorted((ROOT / "core" / "store").rglob("*.py"))}
    assert {k: v for k, v in found.items() if v} == {}
