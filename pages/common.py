"""What every page shares: the store's engine, the request's principal (who, role, regions: built
once per run by app.py through ``begin_request``), cached reads keyed by scope, audited downloads.

Streamlit glue only. The engine is a resource (one per process); datasets are cached *data* keyed
by the store URL, the reader's scope and the store's version, so that no reader is ever served
another's scope and a new upload is seen at once. Sessions are never cached: each read opens its own.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from core.access import NO_ACCESS_MESSAGE, Principal, verified_email
from core.analysis import OVERALL, Rerater, decision_checks, frameworks_of, with_published
from core.charts import RATING_COLOURS
from core.demo import FRAMEWORK_ID as DEMO_FRAMEWORK_ID
from core.formatting import markdown_text
from core.framework import default_framework_id, load_framework
from core.store.actions import record_export
from core.store import audit
from core.store.db import database_url, get_engine
from core.store.people import principal_of
from core.store.queries import Dataset, breakdown_counts, load_dataset, store_version
from core.store.scope import Scope

def _use_the_apps_navigation() -> None:
    """Keep app.py's page list even when a page link is the first request a server sees.

    The layout keeps the pages in ``pages/``, which Streamlit takes for an old-style multipage app
    until app.py has called ``st.navigation`` once in the process; a first request for, say,
    /scorecard would then run that page alone, with the folder's file names as the menu. Clearing
    the flag and rerunning hands the request to app.py, whose ``st.Page`` for the same url_path
    resolves it."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


_use_the_apps_navigation()

SYNTHETIC_NOTE = ("Synthetic demonstration data: fictional PDUs and cases, not inspection findings. Every round is rated "
                  f"by {DEMO_FRAMEWORK_ID}, even those before it came into force.")


@st.cache_resource(show_spinner=False)
def _engine(url: str):
    return get_engine(url)


def engine():
    """The process's engine for the configured store (DATABASE_URL, else data/probation.db)."""
    return _engine(database_url())


def auth_configured() -> bool:
    """Whether sign-in is configured (an ``[auth]`` section in secrets). Without it: open local mode."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def access_settings() -> dict:
    """``[access]`` in secrets: ``admins`` (addresses that are admins even when not in the people
    table: the first admin), ``email_claim`` and ``email_verified_claim`` (the ID token's claims that
    give the address and say the provider verified it; defaults "email" and "email_verified")."""
    try:
        section = dict(st.secrets.get("access", {}))
    except Exception:
        section = {}
    return {"admins": list(section.get("admins", [])), "email_claim": section.get("email_claim", "email"),
            "email_verified_claim": section.get("email_verified_claim", "email_verified")}


def signed_in() -> bool:
    try:
        return bool(st.user.get("is_logged_in"))
    except Exception:
        return False


def identity() -> str | None:
    """The signed-in person's verified e-mail (normalised), or None (anonymous, or not verified)."""
    if not signed_in():
        return None
    settings = access_settings()
    return verified_email(st.user.to_dict(), settings["email_claim"], settings["email_verified_claim"])


def build_principal() -> Principal:
    """Who this request is for (``core.access``): open local mode without [auth]; otherwise the
    verified e-mail's role and regions from the people table, or no access at all."""
    if not auth_configured():
        return Principal.open_local()
    who = identity()
    if who is None:
        return Principal.nobody("anonymous" if not signed_in() else "unverified e-mail")
    return principal_of(engine(), who, access_settings()["admins"])


def begin_request() -> Principal:
    """Build the principal once for this run (app.py calls it first) and record a sign-in, or the
    refusal of a signed-in person with no access, once per session."""
    principal = build_principal()
    ctx = get_script_run_ctx()
    if ctx is not None:  # kept for this run only: the cursors dict is new at every run
        ctx._request_principal = (ctx.cursors, principal)
    if auth_configured() and signed_in() and st.session_state.get("audited-sign-in") != principal.who:
        st.session_state["audited-sign-in"] = principal.who
        if principal.has_access:
            audit.record(engine(), principal.who, audit.SIGN_IN, "dashboard", details={"role": principal.role,
                                                                                      "regions": principal.describe_regions()})
        else:
            claimed = st.user.get(access_settings()["email_claim"])
            audit.record(engine(), principal.who, audit.ACCESS_REFUSED, "sign-in", audit.REFUSED,
                         details={"reason": "not a known user" if principal.who != "unverified e-mail" else "e-mail not verified",
                                  "claimed_email": str(claimed or "")})
    return principal


def show_gate(principal: Principal) -> None:
    """For a visitor with no access, the only thing shown: a sign-in page, or "no access yet". Stops the run."""
    st.title("Probation inspection ratings")
    if not signed_in():
        st.write("Sign in to continue.")
        st.button("Sign in", key="sign-in", type="primary", icon=":material/login:", on_click=st.login)
    else:
        st.error(NO_ACCESS_MESSAGE)
        if principal.who == "unverified e-mail":
            st.caption("Your sign-in did not come with an e-mail address that your provider has verified.")
    st.stop()


def current_principal() -> Principal:
    """The principal of this run, as app.py built it (built here when a page runs alone, as in
    AppTest). A visitor with no access gets the sign-in page, or "no access yet", and the page stops."""
    ctx = get_script_run_ctx()
    cached = getattr(ctx, "_request_principal", None)
    principal = cached[1] if cached is not None and cached[0] is ctx.cursors else begin_request()
    if not principal.has_access:
        show_gate(principal)
    return principal


def current_user() -> str:
    return current_principal().who


def current_scope() -> Scope:
    """The regions the principal of this run may see (nothing without access)."""
    return Scope.for_principal(current_principal())


def _key(scope: Scope) -> tuple:
    """What cached reads are keyed on: the store's URL, the reader's scope, the store's version."""
    url = database_url()
    return url, scope.cache_key, _version(url)


def _version(url: str) -> tuple:
    """The store's version (``store_version``), asked once per script run: a page's cached reads all take it (five
    to ten a run), and all of one run then read the same version of the store. The pages that write to the store
    (Upload, Admin) read nothing keyed on it; the next run, a click or another visitor's page, asks again."""
    ctx = get_script_run_ctx()
    asked = getattr(ctx, "_store_version", None)
    if asked is not None and asked[0] is ctx.cursors and asked[1] == url:  # the cursors dict is new at every run
        return asked[2]
    version = store_version(_engine(url))
    if ctx is not None:
        ctx._store_version = (ctx.cursors, url, version)
    return version


def _rows_of(frame: pd.DataFrame, inspection_id) -> pd.DataFrame:
    """One inspection's rows of a frame of many: a slice where they stand together (every rating, and every tally,
    lists an inspection's rows one after another), so that nothing is copied; else the rows picked out."""
    at = np.flatnonzero(frame["inspection_id"].to_numpy() == inspection_id)
    return frame.iloc[at[0]:at[-1] + 1] if len(at) and at[-1] - at[0] + 1 == len(at) else frame.iloc[at]


# The reads every other builds on (the store as read, its tallies, every rating now and under a scenario) are
# shared as they are (st.cache_resource): the cached reads below take them many times a visit, and st.cache_data
# would unpickle a copy at each (the dataset some 40 ms at ten national rounds, a table of every rating 10-30 ms).
# Nothing changes them: a page gets its own copy (``dataset``, ``ratings``…), and the functions here only filter,
# merge and make new frames from them.
SHARED_ENTRIES = 8  # readers' scopes, or scenarios, held at once by each shared layer (each some MB at ten rounds)


@st.cache_resource(show_spinner="Reading the store…", max_entries=SHARED_ENTRIES)
def _dataset(url: str, scope_key: tuple, version: tuple) -> Dataset:
    return load_dataset(_engine(url), Scope.from_cache_key(scope_key))


def dataset(scope: Scope) -> Dataset:
    """What the rating analysis reads of the store in scope: this page's own copy."""
    shared = _dataset(*_key(scope))
    return Dataset(**{name: getattr(shared, name).copy() for name in Dataset.__dataclass_fields__})


def store_outline(scope: Scope) -> tuple[dict, int]:
    """The frameworks of what is in scope (by id) and how many inspections it holds: what a page needs to know of
    the store, read from the shared dataset without copying it (``dataset`` copies every frame)."""
    shared = _dataset(*_key(scope))
    return frameworks_of(shared), len(shared.inspections)


@st.cache_resource(show_spinner="Rating…", max_entries=SHARED_ENTRIES)
def _rerater(url: str, scope_key: tuple, version: tuple) -> Rerater:
    """The store in scope made ready to be rated under any rules: every scenario's ratings are worked out from it."""
    ds = _dataset(url, scope_key, version)
    return Rerater(ds, frameworks_of(ds), _tallies(url, scope_key, version))


@st.cache_resource(show_spinner="Rating…", max_entries=SHARED_ENTRIES)
def _rated(url: str, scope_key: tuple, version: tuple) -> pd.DataFrame:
    return _rerater(url, scope_key, version).rate()


@st.cache_resource(show_spinner=False, max_entries=SHARED_ENTRIES)
def _ratings(url: str, scope_key: tuple, version: tuple) -> pd.DataFrame:
    return with_published(_rated(url, scope_key, version), _dataset(url, scope_key, version))


def ratings(scope: Scope) -> pd.DataFrame:
    """Every rating in scope (core.analysis.rate_dataset with published ratings beside)."""
    return _ratings(*_key(scope)).copy()


@st.cache_resource(show_spinner=False, max_entries=SHARED_ENTRIES)
def _checks(url: str, scope_key: tuple, version: tuple) -> pd.DataFrame:
    return decision_checks(_dataset(url, scope_key, version), _rated(url, scope_key, version))


def checks(scope: Scope) -> pd.DataFrame:
    """Decision-rule checks of every proposed rating in scope (core.analysis.decision_checks)."""
    return _checks(*_key(scope)).copy()


@st.cache_data(show_spinner=False, max_entries=64)
def _inspection_checks(url: str, scope_key: tuple, version: tuple, inspection_id: int) -> pd.DataFrame:
    every = _checks(url, scope_key, version)
    return every[every["inspection_id"] == inspection_id]


def inspection_checks(scope: Scope, inspection_id) -> pd.DataFrame:
    """The decision-rule checks of one inspection's proposed ratings (``checks``), once per inspection and store
    version: a page showing one inspection does not take every check in the store from the cache (each cached
    read is a copy) to keep a handful."""
    return _inspection_checks(*_key(scope), int(inspection_id))


def nation_name(scope: Scope) -> str:
    """What the widest comparison is called: the nation, or only the regions this reader may see."""
    return "National" if scope.regions is None else "All regions you can see"


def framework(framework_id: str | None = None):
    """A framework by id; by default the one in force today (core.framework.default_framework_id)."""
    return load_framework(framework_id or default_framework_id())


VIEW = "view"  # the round, region and unit this reader chose last: carried to the next page opened by the sidebar
VIEW_KEYS = ("round", "region", "unit")


def _remembered(key: str):
    return st.session_state.get(VIEW, {}).get(key) if key in VIEW_KEYS else None


def query_choice(key: str, options: list, default=None):
    """The option named in the URL's query parameter ``key`` if it is one of ``options``; else the one
    this reader chose last on another page (round, region, unit); else the default."""
    for wanted in (st.query_params.get(key), _remembered(key)):
        for o in options:
            if wanted is not None and str(o) == wanted:
                return o
    return default if default is not None else (options[0] if options else None)


def query_choices(key: str, options: list) -> list:
    wanted = st.query_params.get_all(key) or ([_remembered(key)] if _remembered(key) else [])
    return [o for o in options if str(o) in wanted]


def set_query(**params) -> None:
    """Mirror the filter state into the URL so that the view can be shared, and remember the round,
    region and unit for the next page (one region of a multiselect; none when several or all)."""
    memory = dict(st.session_state.get(VIEW, {}))
    for k, v in params.items():
        if v is None or v == [] or v == "":
            st.query_params.pop(k, None)
        elif isinstance(v, (list, tuple)):
            st.query_params[k] = [str(x) for x in v]
        else:
            st.query_params[k] = str(v)
        if k in VIEW_KEYS:
            one = v[0] if isinstance(v, (list, tuple)) and len(v) == 1 else (None if isinstance(v, (list, tuple)) else v)
            memory[k] = None if one is None or one == "" else str(one)
    st.session_state[VIEW] = memory


def download_table(frame: pd.DataFrame, name: str, key: str, label: str = "this table") -> None:
    """CSV and Excel downloads of exactly the table shown (core.exports), beside it; each made on
    click and recorded in the audit trail (which table, whose scope)."""
    from core.exports import XLSX

    c1, c2, _ = st.columns([1, 1, 2])
    c1.download_button(f"Download {label} (CSV)", audited_export(lambda: csv_bytes(frame), name, f"{name}.csv", len(frame)),
                       f"{name}.csv", "text/csv", key=f"{key}-csv", on_click="ignore")
    c2.download_button(f"Download {label} (Excel)",
                       audited_export(lambda: excel_bytes({name[:31]: frame}), name, f"{name}.xlsx", len(frame)),
                       f"{name}.xlsx", XLSX, key=f"{key}-xlsx", on_click="ignore")


@st.cache_resource(show_spinner="Working out how robust each rating is…", max_entries=SHARED_ENTRIES)
def _robust_ratings(url: str, scope_key: tuple, version: tuple) -> pd.DataFrame:
    from core.robustness import attach_robustness

    rated = _ratings(url, scope_key, version)
    rules = {fid: f.rules for fid, f in _rerater(url, scope_key, version).frameworks.items()}
    d2 = rated["domain"].eq(2) & rated["rating"].notna() & rated["inspection_id"].notna()
    robust = attach_robustness(rated[d2], _tallies(url, scope_key, version), rules)
    extra = robust[["inspection_id", "standard", "ci_low", "ci_high", "p_different", "small_sample", "cases_up", "changes_up",
                    "cases_down", "changes_down"]]
    return rated.merge(extra, on=["inspection_id", "standard"], how="left")


def robust_ratings(scope: Scope) -> pd.DataFrame:
    """Every rating in scope with the interval, chance of another rating and small-sample flag of
    each domain two rating (framework rules) beside it."""
    return _robust_ratings(*_key(scope)).copy()


def synthetic_banner(frame: pd.DataFrame) -> None:
    if "synthetic" in frame and frame["synthetic"].fillna(False).astype(bool).any():
        st.info(SYNTHETIC_NOTE, icon=":material/science:")


def excel_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx of the given tables, every text cell safe against formula injection (core.exports)."""
    from core.exports import excel_bytes as write

    return write(sheets)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    from core.exports import csv_bytes as write

    return write(frame)


def audited_export(make, table: str, file_name: str, rows: int):
    """The bytes of a download made when it is asked for, recording the export (which table, whose
    scope) as it is made. For ``st.download_button(data=...)``, which calls it on click."""
    by, eng = current_principal(), engine()

    def generate() -> bytes:
        data = make()
        record_export(eng, by, table, file_name, rows)
        return data

    return generate


def style_ratings(frame: pd.DataFrame, columns: Iterable[str] = ("rating",)):
    """Colour rating cells (colour-blind-safe palette, core.colours); the rating stays in words."""
    from core.colours import RATING_TEXT

    def colour(v):
        rating = str(v).split(" ⚠")[0] if isinstance(v, str) else v
        c = RATING_COLOURS.get(rating)
        return f"background-color: {c}; color: {RATING_TEXT[rating]}" if c else ""

    cols = [c for c in columns if c in frame.columns]
    return frame.style.map(colour, subset=cols) if cols else frame


MANY_UNIT_LINKS = 24  # above this many units, a picker and one link: a wall of links is slow to draw and to scan


def unit_links(units: pd.DataFrame, name_col: str, heading: str, key: str, per_row: int = 4) -> None:
    """Page links to the units of a table (each one's scorecard, or its region page): links a reader can
    reach by keyboard, that keep this session (the view carried to the page). A few units get a link
    each, grouped by region; more than ``MANY_UNIT_LINKS`` (a national round has some 130) get a picker
    to type a unit's name into, and a link to the unit picked."""
    if units.empty or "Scorecard" not in units.columns:
        return
    regions = units["Region"] if "Region" in units.columns else pd.Series("", index=units.index)
    if len(units) > MANY_UNIT_LINKS:
        # PDU names are unique only within a region; a region's own row is named after the region
        labels = [name if not region or name == region else f"{name} ({region})"
                  for name, region in zip(units[name_col], regions)]
        links = dict(zip(labels, units["Scorecard"]))
        picked = st.selectbox(heading, list(links), index=None, key=key,
                              placeholder=f"Type or choose one of {len(links)} units")
        if picked is not None:
            _unit_link(st, links[picked], f"Open {picked}")
        return
    st.markdown(f"**{markdown_text(heading)}**")
    for region, group in units.groupby(regions, sort=True):
        if region:
            st.caption(markdown_text(region))
        cols = st.columns(per_row)
        for i, (name, link) in enumerate(zip(group[name_col], group["Scorecard"])):
            _unit_link(cols[i % per_row], link, name)


def _unit_link(where, link: str, label: str) -> None:
    """A page link (in ``where``: st or a column) for a view link of core.views (a page and its query)."""
    from urllib.parse import parse_qsl, urlsplit

    parts = urlsplit(link)
    page = "pages/scorecard.py" if parts.path.endswith("scorecard") else "pages/region.py"
    where.page_link(page, label=markdown_text(label), query_params=dict(parse_qsl(parts.query)),
                    icon=":material/assignment:" if page.endswith("scorecard.py") else ":material/map:")


def units_table_config(frame: pd.DataFrame) -> dict:
    """Column settings of a table of units: the score as a number, the link to each unit's page."""
    config = {"Score": st.column_config.NumberColumn("Score", format="%d"),
              "Out of": st.column_config.NumberColumn("Out of", format="%d"),
              "Read with care": st.column_config.TextColumn("Read with care", width="medium"),
              "Sufficient (%)": st.column_config.NumberColumn("Sufficient (%)", format="%.1f")}
    for link in ("Scorecard", "Region page"):
        if link in frame.columns:
            config[link] = st.column_config.LinkColumn(link, display_text="Open", width="small")
    return config


@st.cache_resource(show_spinner=False, max_entries=SHARED_ENTRIES)
def _tallies(url: str, scope_key: tuple, version: tuple) -> pd.DataFrame:
    from core.analysis import frameworks_of, key_question_tallies

    ds = _dataset(url, scope_key, version)
    return key_question_tallies(ds, frameworks_of(ds))


def tallies(scope: Scope) -> pd.DataFrame:
    """Domain two key question counts of every inspection in scope (regional ones pooled)."""
    return _tallies(*_key(scope)).copy()


@st.cache_data(show_spinner=False, max_entries=64)
def _unit_comparison(url: str, scope_key: tuple, version: tuple, inspection_id: int) -> pd.DataFrame:
    from core.compare import unit_vs_region_vs_nation

    return unit_vs_region_vs_nation(_tallies(url, scope_key, version), _dataset(url, scope_key, version).inspections,
                                    inspection_id, nation_name(Scope.from_cache_key(scope_key)))


def unit_comparison(scope: Scope, inspection_id) -> pd.DataFrame:
    """``core.compare.unit_vs_region_vs_nation`` of one inspection in scope: worked out once per store version."""
    return _unit_comparison(*_key(scope), int(inspection_id))


@st.cache_data(show_spinner=False, max_entries=64)
def _unit_trend(url: str, scope_key: tuple, version: tuple, unit: str, level: str, region: str) -> pd.DataFrame:
    from core.compare import trend

    return trend(_robust_ratings(url, scope_key, version), unit, level=level, region=region)


def unit_trend(scope: Scope, unit: str, level: str, region: str) -> pd.DataFrame:
    """``core.compare.trend`` of one unit in scope (its ratings across rounds): worked out once per store version."""
    return _unit_trend(*_key(scope), unit, level, region)


@st.cache_data(show_spinner=False, max_entries=64)
def _sufficiency(url: str, scope_key: tuple, version: tuple, round_: str, framework_id: str, regions: tuple | None, codes: tuple,
                 by: str, theme: str | None) -> pd.DataFrame:
    from core import compare

    data = _dataset(url, scope_key, version)
    ins = data.inspections
    ins = ins[(ins["round"] == round_) & (ins["framework"] == framework_id)]
    if regions is not None:
        ins = ins[ins["region"].isin(regions)]
    if theme is not None:
        return compare.theme_sufficiency(data.counts, ins, framework_id, theme, by)
    return compare.sufficiency(data.counts, ins, list(codes), by)


def sufficiency(scope: Scope, round_: str, framework_id: str, regions, codes, by: str, theme: str | None = None) -> pd.DataFrame:
    """``core.compare.sufficiency`` of the answers to ``codes`` (``theme_sufficiency`` of ``theme``, where given) by
    ``by``, over a round's inspections under a framework in ``regions`` (None: every region) in scope. Once per store version."""
    return _sufficiency(*_key(scope), round_, framework_id, None if regions is None else tuple(regions), tuple(codes), by, theme)


@st.cache_data(show_spinner=False, max_entries=64)
def _overview_units(url: str, scope_key: tuple, version: tuple, round_: str, regions: tuple, sort: str) -> pd.DataFrame:
    from core.views import overview_units

    table = _robust_ratings(url, scope_key, version)
    return overview_units(table[table["inspection_id"].notna() & (table["round"] == round_) & table["region"].isin(regions)], sort)


def overview_units(scope: Scope, round_: str, regions, sort: str) -> pd.DataFrame:
    """``core.views.overview_units`` of a round's inspected units in ``regions``, in scope: once per store version."""
    return _overview_units(*_key(scope), round_, tuple(regions), sort)


@st.cache_data(show_spinner=False, max_entries=16)
def _published_units(url: str, scope_key: tuple, version: tuple, sort: str) -> pd.DataFrame:
    from core.views import overview_units

    table = _robust_ratings(url, scope_key, version)
    published = table[table["source"].eq("published") | table["inspection_id"].isna()]
    return overview_units(published.assign(inspection_id=None), sort).drop(columns=["Scorecard", "Read with care"])


def published_units(scope: Scope, sort: str) -> pd.DataFrame:
    """The published annexes in scope, their overall ratings and scores recomputed (``core.views.overview_units``, without
    the scorecard link and the reason to read with care): once per store version."""
    return _published_units(*_key(scope), sort)


EVIDENCE_COLUMNS = ["region", "unit", "round", "standard", "key_question", "prompt", "kind", "judgement", "source", "text"]


@st.cache_data(show_spinner=False, max_entries=32)
def _evidence_rounds(url: str, scope_key: tuple, version: tuple) -> list[str]:
    from core.store.queries import evidence_rounds

    return evidence_rounds(_engine(url), Scope.from_cache_key(scope_key))


def evidence_rounds(scope: Scope) -> list[str]:
    """The rounds with domain one evidence in scope, newest first (read once per store version)."""
    return _evidence_rounds(*_key(scope))


@st.cache_data(show_spinner=False, max_entries=32)
def _evidence_items(url: str, scope_key: tuple, version: tuple, round_: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    from core.store.queries import evidence_frame
    from core.views import evidence_table

    items = evidence_frame(_engine(url), Scope.from_cache_key(scope_key), round_=round_)
    return items, evidence_table(items, EVIDENCE_COLUMNS).set_axis(items.index)


def evidence_items(scope: Scope, round_: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One round's domain one evidence items in scope, and the same rows as shown (``core.views.evidence_table``,
    on the items' index, so that the rows a filter keeps can be taken from it): read and formatted once per
    round and store version (a national round holds some 2,600 items)."""
    return _evidence_items(*_key(scope), round_)


@st.cache_data(show_spinner=False, max_entries=64)
def _inspection_evidence(url: str, scope_key: tuple, version: tuple, inspection_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    from core.store.queries import evidence_frame, survey_frame

    engine, scope = _engine(url), Scope.from_cache_key(scope_key)
    return evidence_frame(engine, scope, [inspection_id]), survey_frame(engine, scope, [inspection_id])


def inspection_evidence(scope: Scope, inspection_id) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One inspection's domain one evidence items and survey figures in scope: read once per inspection and
    store version, not at every visit to its scorecard."""
    return _inspection_evidence(*_key(scope), int(inspection_id))


def pick_inspection(table: pd.DataFrame, level: str, key: str, missing: str) -> pd.DataFrame:
    """Round, region and unit pickers mirrored in the URL; returns the chosen inspection's rows.
    Where the store holds no inspection at this level, says ``missing`` and stops the page."""
    # masks over the whole table, and one take of the chosen rows at the end: ten rounds are some 10,000 rows
    units = (table["level"] == level) & table["inspection_id"].notna() if not table.empty else pd.Series(False, index=table.index)
    if not units.any():
        st.warning(missing)
        st.stop()
    rounds = sorted(table.loc[units, "round"].dropna().unique(), reverse=True)
    c1, c2, c3 = st.columns([1, 2, 2])
    round_ = c1.selectbox("Round", rounds, index=rounds.index(query_choice("round", rounds)), key=f"{key}-round")
    in_round = units & (table["round"] == round_)
    regions = sorted(table.loc[in_round, "region"].dropna().unique())
    region = c2.selectbox("Region", regions, index=regions.index(query_choice("region", regions)), key=f"{key}-region")
    in_region = in_round & (table["region"] == region)
    names = sorted(table.loc[in_region, "unit"].unique())
    if level == "region":
        unit = region
        set_query(round=round_, region=region)
    else:
        unit = c3.selectbox("PDU", names, index=names.index(query_choice("unit", names)), key=f"{key}-unit")
        set_query(round=round_, region=region, unit=unit)
    return table[in_region & (table["unit"] == unit)]


@st.cache_data(show_spinner=False, max_entries=64)
def _key_questions(url: str, scope_key: tuple, version: tuple, inspection_id: int, framework_id: str) -> pd.DataFrame:
    from core.robustness import key_question_intervals
    from core.views import key_question_table

    counts = _tallies(url, scope_key, version)
    own = counts[counts["inspection_id"] == inspection_id]  # each key question's interval is its own: only these are worked out
    return key_question_table(key_question_intervals(own), _robust_ratings(url, scope_key, version),
                              framework(framework_id).question_text, inspection_id)


def key_questions(scope: Scope, inspection_id, framework_id: str) -> pd.DataFrame:
    """``core.views.key_question_table`` of one inspection in scope (counts, percentages, intervals): once per store version."""
    return _key_questions(*_key(scope), int(inspection_id), framework_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _region_pdus(url: str, scope_key: tuple, version: tuple, region: str, round_: str, sort: str) -> pd.DataFrame:
    from core.views import region_pdus

    return region_pdus(_robust_ratings(url, scope_key, version), region, round_, sort)


def region_pdus(scope: Scope, region: str, round_: str, sort: str) -> pd.DataFrame:
    """``core.views.region_pdus`` (a region's PDUs side by side) in scope: worked out once per store version."""
    return _region_pdus(*_key(scope), region, round_, sort)


@st.cache_data(show_spinner=False, max_entries=64)
def _regional_staffing(url: str, scope_key: tuple, version: tuple, inspection_id: int) -> tuple:
    from core.analysis import StaffingUnavailable, staffing_for_region

    table = _robust_ratings(url, scope_key, version)
    rows = table[table["inspection_id"] == inspection_id]
    try:
        return staffing_for_region(_dataset(url, scope_key, version), framework(rows["framework"].iloc[0]), rows.iloc[0].to_dict(),
                                   table), None
    except StaffingUnavailable as exc:
        return None, str(exc)


def regional_staffing(scope: Scope, inspection_id) -> tuple:
    """R 1.2 of a regional inspection from its PDUs (``core.analysis.staffing_for_region``): (the result, None), or
    (None, what is missing) where it cannot be worked out yet. Once per store version."""
    return _regional_staffing(*_key(scope), int(inspection_id))


@st.cache_data(show_spinner=False, max_entries=32)
def _breakdown(url: str, scope_key: tuple, version: tuple, attribute: str, codes: tuple, inspection_ids: tuple) -> pd.DataFrame:
    return breakdown_counts(_engine(url), Scope.from_cache_key(scope_key), attribute, list(codes), list(inspection_ids))


def breakdown(scope: Scope, inspection_ids, codes, attribute: str) -> pd.DataFrame:
    """Answers to ``codes`` by a case attribute's value, summed in SQL from the tallies (for
    core.compare.breakdown_table), cached by scope and store version."""
    return _breakdown(*_key(scope), attribute, tuple(codes), tuple(int(i) for i in inspection_ids))


@st.cache_resource(show_spinner=False, max_entries=SHARED_ENTRIES)
def _scenario_ratings(url: str, scope_key: tuple, version: tuple, scenario) -> pd.DataFrame:
    from core.analysis import rules_for_scenario

    rerater = _rerater(url, scope_key, version)
    return rerater.rate(rules_for_scenario(scenario, rerater.frameworks), with_basis=False)


def scenario_ratings(scope: Scope, scenario) -> pd.DataFrame:
    """Every rating in scope under a what-if scenario (no basis text: only the ratings are compared)."""
    return _scenario_ratings(*_key(scope), scenario).copy()


def _robustness_under(url: str, scope_key: tuple, version: tuple, scenario, keep=None, columns=None) -> pd.DataFrame:
    """Robustness (core.robustness) of the domain two ratings under a scenario that ``keep(ratings)`` selects
    (None: all): each rating's own, so only those shown are worked out (a round of ten, or the changes). Beside
    the ratings' ``columns`` (None: all of them)."""
    from core.analysis import rules_for_scenario
    from core.robustness import attach_robustness

    after = _scenario_ratings(url, scope_key, version, scenario)
    wanted = (after["domain"] == 2) & after["rating"].notna()
    if keep is not None:
        wanted &= keep(after)  # one take of the rows wanted: the store's every rating is some 10,000 rows of 27 columns
    rules = rules_for_scenario(scenario, _rerater(url, scope_key, version).frameworks)
    return attach_robustness(after.loc[wanted, columns] if columns else after[wanted], _tallies(url, scope_key, version), rules)


def _scenario_change_robustness(url: str, scope_key: tuple, version: tuple, scenario, round_: str | None) -> pd.DataFrame:
    from core.whatif import same_ratings

    changes = _in_round(_scenario_changes(url, scope_key, version, scenario), round_)
    # what the changes' marks read (core.views.changes_table), not every column of every rating
    return _robustness_under(url, scope_key, version, scenario, lambda rated: same_ratings(rated, changes),
                             columns=["inspection_id", "standard", "framework", "rating"])


def _in_round(changes: pd.DataFrame, round_: str | None) -> pd.DataFrame:
    """The changes of one round (None: of every round)."""
    return changes if round_ is None else changes[(changes["round"] == round_).to_numpy(bool)]


@st.cache_resource(show_spinner=False, max_entries=32)
def _scenario_changes(url: str, scope_key: tuple, version: tuple, scenario) -> pd.DataFrame:
    from core.whatif import diff

    # the ratings now of the inspections (without the published annexes beside): the same rows as under the scenario
    return diff(_rated(url, scope_key, version), _scenario_ratings(url, scope_key, version, scenario))


def scenario_changes(scope: Scope, scenario) -> pd.DataFrame:
    """Every rating in scope that a what-if scenario changes (``core.whatif.diff`` of the ratings now
    and under it): worked out once per scenario and store version, not at every visit."""
    return _scenario_changes(*_key(scope), scenario).copy()


def _spread(rated: pd.DataFrame) -> str:
    from core.views import distribution_summary

    return distribution_summary(rated.loc[rated["standard"].to_numpy() != OVERALL, ["unit", "standard", "rating"]])


@st.cache_resource(show_spinner=False, max_entries=SHARED_ENTRIES)
def _spread_now(url: str, scope_key: tuple, version: tuple) -> str:
    """The spread of the ratings now, in words: the same beside every scenario."""
    return _spread(_rated(url, scope_key, version))


@st.cache_data(show_spinner=False, max_entries=32)
def _scenario_results(url: str, scope_key: tuple, version: tuple, scenario, marked: bool, round_: str | None) -> dict:
    from core.views import changes_table, direction_table
    from core.whatif import direction_counts

    changes = _scenario_changes(url, scope_key, version, scenario)
    marks = _scenario_change_robustness(url, scope_key, version, scenario, round_) if marked else None
    spread = {"Ratings now": _spread_now(url, scope_key, version),
              "Ratings under the scenario": _spread(_scenario_ratings(url, scope_key, version, scenario))}
    return {"directions": direction_table(direction_counts(changes, by="standard")), "spread": spread,
            "changes": changes_table(_in_round(changes, round_), lambda f: framework(f).title, marks)}


def scenario_results(scope: Scope, scenario, marked: bool, round_: str | None = None) -> dict:
    """What the What-if page shows of a scenario across the store, as shown: the changes counted by standard and
    direction (``directions``), the spread of ratings now and under it in words (``spread``, by title), and every
    change of ``round_`` (None: of every round; ``changes``: ``core.views.changes_table``, marked ⚠ from their
    robustness where ``marked``). Worked out once per scenario, round and store version."""
    return _scenario_results(*_key(scope), scenario, marked, round_)


@st.cache_data(show_spinner=False, max_entries=64)
def _scenario_pdu_detail(url: str, scope_key: tuple, version: tuple, scenario, inspection_id: int) -> pd.DataFrame:
    from core.analysis import rules_for_scenario
    from core.robustness import attach_robustness
    from core.views import scenario_detail

    before = _rows_of(_rated(url, scope_key, version), inspection_id)
    after = _rows_of(_scenario_ratings(url, scope_key, version, scenario), inspection_id)
    # the robustness of this one inspection only: its ratings and its tallies, not the store's
    detailed = attach_robustness(after[(after["domain"] == 2) & after["rating"].notna()],
                                 _rows_of(_tallies(url, scope_key, version), inspection_id),
                                 rules_for_scenario(scenario, _rerater(url, scope_key, version).frameworks))
    return scenario_detail(before, after, detailed, scenario.counts)


def scenario_pdu_detail(scope: Scope, scenario, inspection_id) -> pd.DataFrame:
    """``core.views.scenario_detail`` of one inspection under a scenario (each rating now and under it, with its
    robustness): once per scenario, inspection and store version."""
    return _scenario_pdu_detail(*_key(scope), scenario, int(inspection_id))


@st.cache_data(show_spinner=False, max_entries=32)
def _scenario_robustness_table(url: str, scope_key: tuple, version: tuple, scenario, round_: str | None) -> pd.DataFrame:
    from core.views import robustness_table

    of_round = None if round_ is None else lambda rated: rated["round"] == round_
    robust = _robustness_under(url, scope_key, version, scenario, of_round)
    table = robustness_table(robust)
    return table.sort_values("Chance of another rating (%)", ascending=False, kind="stable")


def scenario_robustness_table(scope: Scope, scenario, round_: str | None = None) -> pd.DataFrame:
    """``core.views.robustness_table`` of every domain two rating in scope under a scenario (of one round,
    where ``round_`` is given), the highest chance of another rating first: formatted once per scenario,
    round and store version."""
    return _scenario_robustness_table(*_key(scope), scenario, round_)


def overview_default(scope: Scope) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the Overview shows first, before its widgets are touched: the latest round's units in every region, worst
    first, and the published annexes recomputed. The warm-up works them out before the first visitor."""
    from core.views import SORTS

    table = robust_ratings(scope)
    inspected = table[table["inspection_id"].notna()]
    sort = next(iter(SORTS))
    rounds = sorted(inspected["round"].dropna().unique(), reverse=True)
    units = overview_units(scope, rounds[0], sorted(inspected["region"].dropna().unique()), sort) if rounds else None
    return units, published_units(scope, sort)


def warm_up() -> dict[str, float]:
    """What the first visitor would otherwise wait for, done before the server takes any (``serve.py``):
    the store opened (its schema brought up to date), read, rated, checked and its robustness worked
    out for a national reader, and a first chart drawn (plotly loads its figure checks on first use).
    Fills the caches the pages read, so the first page after a start renders like any later one.
    Returns the seconds each step took."""
    import time

    from core.charts import rating_distribution

    taken, started = {}, time.perf_counter()

    def step(name: str) -> None:
        nonlocal started
        taken[name] = time.perf_counter() - started
        started = time.perf_counter()

    scope = Scope.national()
    engine()
    step("store opened")
    rated = robust_ratings(scope)
    checks(scope)
    tallies(scope)
    step("read, rated and checked")
    overview_default(scope)
    step("overview")
    rating_distribution(rated[rated["standard"] != OVERALL]).to_json()
    step("first chart")
    return taken
