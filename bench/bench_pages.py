"""Benchmark: the dashboard at ten national rounds, in a real browser, on SQLite and PostgreSQL.

Builds (once, then reuses) the ten-round synthetic demo (``python -m core demo --rounds 10``: some
85,000 cases and 3.5 million answers), copies it, and in one run:

1. prints the query plans (EXPLAIN) of the dashboard's hot reads (``core.store.queries.hot_reads``);
2. times the dashboard's read of the store and re-rating under new scenarios, in this process
   (``load_dataset``; ``Rerater.rate``: the store made ready once with its tallies, as the pages cache it);
3. starts ``streamlit run`` on a one-line page and times its first render in headless Chromium (Debian's
   ``/usr/bin/chromium`` via Playwright);
4. starts the dashboard on the copy as ``make run`` does (``serve.py``, which warms it up before it takes
   a visitor) and times the first page after the server starts, then every page in a fresh browser
   session (median of ``--repeats``), each render right after a fresh session of the one-line page (the
   yardstick: the median of those), then the What-if page by the link of a scenario the server has not
   seen (median of ``--repeats`` of each of four kinds, ``new_scenario_links``), and reads the server's memory.

A page has rendered when Streamlit says its script is no longer running
(``[data-testid=stApp][data-test-script-state=notRunning]``) and its title (``h1``) is on screen.

Targets (issue 11): first page within 2x the one-line page's render; every page in a fresh session
within 1.5x; re-rating at most 100 ms; the server under 1 GB. Wall-clock figures on a shared machine
are noisy: compare the ratios, which are measured in the same run.

    python bench/bench_pages.py                       # SQLite, then PostgreSQL where it answers
    python bench/bench_pages.py --only sqlite --repeats 5
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CACHE = ROOT / "bench" / ".cache"
ROUNDS = 10
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_SCHEMA = f"bench_rounds_{ROUNDS}"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PAGES = ["overview", "scorecard", "region", "compare", "whatif", "evidence", "upload"]
RENDERED = '[data-testid="stApp"][data-test-script-state="notRunning"] h1'
TIMEOUT_MS = 120_000
ONE_LINE_PAGE = 'import streamlit as st\nst.title("One line")\n'
SCENARIOS = ["t=85,70,55", "agg=mean", "t=75,60,45&w=4,2,1,0", "x=P2.1"]


def new_scenario_links(repeats: int) -> list[str]:
    """``repeats`` links of each kind of SCENARIOS (stricter bands, another aggregation, other scores, a standard left
    out), every one a scenario the server has not seen: its thresholds a point lower each time."""
    return [link for i in range(repeats) for link in (f"t={85 - i},{70 - i},{55 - i}", f"agg=mean&t={80 - i},65,50",
                                                       f"t={75 - i},{60 - i},{45 - i}&w=4,2,1,0", f"x=P2.1&t={80 - i},65,50")]


FIRST_PAGE_LIMIT, PAGE_LIMIT, RERATE_LIMIT_MS, RSS_LIMIT_MB = 2.0, 1.5, 100.0, 1024.0


# -- the stores ----------------------------------------------------------------------------------------

def sqlite_store(workdir: Path) -> str:
    """A copy (in ``workdir``) of the ten-round demo store, built once under bench/.cache."""
    built = CACHE / f"demo-{ROUNDS}-rounds.db"
    if not built.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        (CACHE / ".gitignore").write_text("*\n")  # built stores are never committed
        partial = built.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        seconds = _build(f"sqlite:///{partial}")
        _checkpoint(partial)
        partial.rename(built)
        print(f"built the {ROUNDS}-round demo store on SQLite in {seconds:.0f} s")
    _upgrade(f"sqlite:///{built}")  # a store built before the newest migration: migrated once, not in the timed start
    _checkpoint(built)
    copy = workdir / "store.db"
    shutil.copyfile(built, copy)
    return f"sqlite:///{copy}"


def _checkpoint(path: Path) -> None:
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.execute("PRAGMA journal_mode=DELETE")  # one file, so that a plain copy is the whole store


def postgres_store() -> str | None:
    """The ten-round demo in its own schema of the local PostgreSQL (built once, kept); None if unreachable."""
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_URL)
    try:
        with admin.begin() as c:
            c.execute(text("select 1"))
            exists = c.execute(text("select 1 from information_schema.tables where table_schema = :s and table_name = 'tallies'"),
                               {"s": PG_SCHEMA}).first()
            done = exists and c.execute(text(f'select count(distinct round) from "{PG_SCHEMA}".inspections')).scalar() == ROUNDS
            if not done:
                c.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE'))
                c.execute(text(f'CREATE SCHEMA "{PG_SCHEMA}"'))
    except Exception as exc:  # unreachable: say so and carry on with SQLite
        print(f"PostgreSQL at {PG_URL} unreachable ({type(exc).__name__}); skipping it")
        return None
    finally:
        admin.dispose()
    url = f"{PG_URL}?options=-csearch_path%3D{PG_SCHEMA}"
    if not done:
        seconds = _build(url)
        print(f"built the {ROUNDS}-round demo store on PostgreSQL in {seconds:.0f} s")
    _upgrade(url)
    with create_engine(url).begin() as c:
        c.execute(text("ANALYZE"))
    return url


def _upgrade(url: str) -> None:
    from sqlalchemy import create_engine

    from core.store.migrations import upgrade

    engine = create_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def _build(url: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "core", "demo", "--db", url, "--rounds", str(ROUNDS)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


# -- in process: query plans, the read, re-rating --------------------------------------------------------

def explain(engine) -> None:
    from sqlalchemy import text

    from core import compare
    from core.framework import load_framework
    from core.store.answers import layouts
    from core.store.queries import hot_reads, inspections_frame
    from core.store.scope import Scope
    from sqlalchemy.orm import Session

    fw = load_framework("hmip-2025")
    with Session(engine) as s:
        ins = inspections_frame(s, Scope.national())
        codes_of = layouts(s)
    latest = ins[ins["round"] == ins["round"].max()]["inspection_id"].tolist()
    codes = compare.stored_codes(fw, fw.theme("domestic-abuse-enquiries").items)
    scopes = {"national reader": Scope.national(), "one region's reader": Scope.of_regions("London")}
    dialect = engine.dialect.name
    for who, scope in scopes.items():
        for name, stmt in hot_reads(scope, "practitioner_grade", codes, latest, codes_of).items():
            if who != "national reader" and not name.startswith("dataset"):
                continue
            sql = str(stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
            prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
            with engine.connect() as c:
                plan = c.execute(text(prefix + sql)).all()
            print(f"  -- {name} ({who}, the latest round's {len(latest)} inspections where filtered)")
            for row in plan:
                print("     " + (row[-1] if dialect == "sqlite" else row[0]))


def in_process(engine, repeats: int) -> dict:
    from core.analysis import Rerater, decision_checks, frameworks_of, key_question_tallies, rules_for_scenario
    from core.scenario import Scenario
    from core.store.queries import load_dataset
    from core.store.scope import Scope

    def median(fn, clock=time.perf_counter, n=repeats):
        times, out = [], None
        for _ in range(n):
            t = clock()
            out = fn()
            times.append(clock() - t)
        return statistics.median(times), out

    read_s, dataset = median(lambda: load_dataset(engine, Scope.national()))
    read_cpu, _ = median(lambda: load_dataset(engine, Scope.national()), clock=time.process_time)
    frameworks = frameworks_of(dataset)
    tallies = key_question_tallies(dataset, frameworks)
    ready_s, rerater = median(lambda: Rerater(dataset, frameworks, tallies))  # once per store version, cached by the pages
    rerate, rerate_cpu = [], []
    for link in SCENARIOS:
        rules = rules_for_scenario(Scenario.from_query(link), frameworks)
        seconds, _ = median(lambda: rerater.rate(rules, with_basis=False))
        cpu, _ = median(lambda: rerater.rate(rules, with_basis=False), clock=time.process_time)
        rerate.append(seconds)
        rerate_cpu.append(cpu)
    rated = rerater.rate()  # the scorecard's ratings, with the basis text
    checks_cpu, _ = median(lambda: decision_checks(dataset, rated, frameworks), clock=time.process_time)
    return {"checks_cpu_ms": checks_cpu * 1000, "inspections": len(dataset.inspections), "count_rows": len(dataset.counts),
            "stored_rows": _stored_tally_rows(engine), "read_ms": read_s * 1000,
            "read_cpu_ms": read_cpu * 1000, "rerate_ms": statistics.median(rerate) * 1000,
            "rerate_each_ms": [r * 1000 for r in rerate], "rerate_cpu_ms": statistics.median(rerate_cpu) * 1000,
            "ready_ms": ready_s * 1000}


def _stored_tally_rows(engine) -> int:
    """The tallies rows of current uploads: what the dashboard's read fetches (packed, one per upload and case type)."""
    from sqlalchemy import func, select

    from core.store.models import Tally, Upload

    with engine.connect() as c:
        return c.execute(select(func.count()).select_from(Tally).join(Upload, Tally.upload_id == Upload.id)
                         .where(Upload.is_current.is_(True))).scalar_one()


# -- in the browser -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit(script: str, store_url: str | None, logs: Path):
    port = free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    if store_url:
        env["DATABASE_URL"] = store_url
    # the app as `make run` starts it (serve.py: warmed up before it takes a visitor); anything else by Streamlit alone
    start = [sys.executable, "serve.py"] if script == "app.py" else [sys.executable, "-m", "streamlit", "run", script]
    cmd = [*start, "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with open(logs / f"{port}.out", "wb") as out, open(logs / f"{port}.err", "wb") as err:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited: {(logs / f'{port}.err').read_text(errors='replace')}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            if time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start within 120 s")
            time.sleep(0.1)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def render(browser, url: str) -> float:
    """Seconds from asking for ``url`` in a fresh browser session until the page has rendered
    (infinity if it has not within TIMEOUT_MS)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        started = time.perf_counter()
        page.goto(url)
        try:
            page.wait_for_selector(RENDERED, timeout=TIMEOUT_MS)
        except PlaywrightTimeout:
            print(f"  {url}: not rendered within {TIMEOUT_MS / 1000:.0f} s", flush=True)
            return float("inf")
        seconds = time.perf_counter() - started
        errors = page.locator('[data-testid="stException"]').count()
        if errors:
            raise RuntimeError(f"{url}: the page shows {errors} exception(s)")
        if page.get_by_role("dialog").filter(has_text="Page not found").count():
            raise RuntimeError(f"{url}: Streamlit says the page was not found")
        return seconds
    finally:
        context.close()


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of a process, in MB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def browser_run(browser, store_url: str, workdir: Path, repeats: int) -> dict:
    """The one-line page's first render after its server starts; the dashboard's first page after its server
    starts; then every page ``repeats`` times in a fresh session, each render of a page right after one of the
    one-line page, so that the yardstick is measured under the same conditions as the pages it measures (this
    machine's speed drifts within a run)."""
    one_line = workdir / "one_line.py"
    one_line.write_text(ONE_LINE_PAGE)
    with streamlit(str(one_line), None, workdir) as (base_url, _):
        base_first = render(browser, base_url)
        bases = []

        def after_the_yardstick(url: str) -> float:
            bases.append(render(browser, base_url))
            return render(browser, url)

        with streamlit("app.py", store_url, workdir) as (url, process):
            first = render(browser, f"{url}/")  # the Overview: the default page lives at the root
            pages = {}
            print(f"  first page after the server started: {first * 1000:.0f} ms", flush=True)
            for name in PAGES:
                path = "" if name == "overview" else name  # '/overview' is not an address of the app: "Page not found"
                pages[name] = statistics.median(after_the_yardstick(f"{url}/{path}") for _ in range(repeats))
                print(f"  {name}: {pages[name] * 1000:.0f} ms", flush=True)
            pages["whatif, a new scenario by link"] = statistics.median(
                after_the_yardstick(f"{url}/whatif?{link}") for link in new_scenario_links(repeats))
            now, peak = rss_mb(process.pid)
    return {"base_first": base_first, "base": statistics.median(bases), "base_runs": len(bases), "first": first, "pages": pages,
            "rss_mb": now, "peak_mb": peak}


# -- the report -----------------------------------------------------------------------------------------

def report(label: str, store_url: str, browser, repeats: int, workdir: Path) -> list[bool]:
    from sqlalchemy import create_engine

    print(f"\n=== {label}: {ROUNDS} national rounds ===")
    engine = create_engine(store_url)
    try:
        print("query plans of the hot reads:")
        explain(engine)
        figures = in_process(engine, repeats=max(repeats, 5))
    finally:
        engine.dispose()
    print(f"store: {figures['inspections']:,} inspections; the dashboard reads {figures['stored_rows']:,} packed tally rows, "
          f"{figures['count_rows']:,} key question counts unpacked")
    print(f"read of the store for the dashboard (load_dataset): median {figures['read_ms']:.0f} ms wall, "
          f"{figures['read_cpu_ms']:.0f} ms CPU")
    ok_rerate = figures["rerate_ms"] <= RERATE_LIMIT_MS
    print(f"re-rating the whole store under a new scenario: median {figures['rerate_ms']:.0f} ms "
          f"wall ({', '.join(f'{r:.0f}' for r in figures['rerate_each_ms'])}), {figures['rerate_cpu_ms']:.0f} ms CPU "
          f"(the store made ready to re-rate once per upload: {figures['ready_ms']:.0f} ms); "
          f"target <= {RERATE_LIMIT_MS:.0f} ms: "
          f"{'ok' if ok_rerate else 'MISSED'}")
    print(f"decision-rule checks of every proposed rating (decision_checks, the scorecard's first visit): "
          f"median {figures['checks_cpu_ms']:.0f} ms CPU")
    b = browser_run(browser, store_url, workdir, repeats)
    base = b["base"]
    print(f"one-line Streamlit page: first render {b['base_first'] * 1000:.0f} ms, fresh session median {base * 1000:.0f} ms "
          f"(the yardstick: {b['base_runs']} fresh sessions, one before each of the pages' renders)")
    ok_first = b["first"] <= FIRST_PAGE_LIMIT * base
    print(f"first page after the server starts (overview): {b['first'] * 1000:.0f} ms = {b['first'] / base:.1f}x "
          f"(target <= {FIRST_PAGE_LIMIT:g}x): {'ok' if ok_first else 'MISSED'}")
    results = [ok_rerate, ok_first]
    for name, seconds in b["pages"].items():
        ok = seconds <= PAGE_LIMIT * base
        results.append(ok)
        print(f"  {name:32s} fresh session median {seconds * 1000:6.0f} ms = {seconds / base:4.1f}x "
              f"(target <= {PAGE_LIMIT:g}x): {'ok' if ok else 'MISSED'}")
    ok_rss = b["peak_mb"] < RSS_LIMIT_MB
    results.append(ok_rss)
    print(f"server memory: {b['rss_mb']:.0f} MB resident after every page, peak {b['peak_mb']:.0f} MB "
          f"(target < {RSS_LIMIT_MB:.0f} MB): {'ok' if ok_rss else 'MISSED'}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one store only")
    parser.add_argument("--repeats", type=int, default=5, help="fresh sessions per page (median; default 5)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"no chromium at {CHROMIUM}: apt-get install -y chromium (or set CHROMIUM)")
        return 2
    from playwright.sync_api import sync_playwright

    outcomes = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            if args.only in (None, "sqlite"):
                outcomes += report("SQLite", sqlite_store(Path(tmp)), browser, args.repeats, Path(tmp))
            if args.only in (None, "postgresql"):
                url = postgres_store()
                if url:
                    outcomes += report("PostgreSQL", url, browser, args.repeats, Path(tmp))
        finally:
            browser.close()
    print(f"\n{sum(outcomes)} of {len(outcomes)} targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
