"""What-if: change the thresholds, aggregation, scores, overall bands and counted standards; see every
rating that changes across the store, and how robust each domain two rating is.

The widgets hold the scenario. They are set from the page's address when it is opened from a link
(or the address changes from outside the page), and from a saved scenario when one is loaded; after
that the page writes the widgets' scenario back to the address. Whatever of a link or a saved
scenario the widgets cannot show (a threshold between half points, a standard of no framework in the
store, a parameter given twice) is said in a warning, never changed silently."""
import streamlit as st

from core.analysis import OVERALL
from core.charts import rating_distribution
from core.codes import display
from core.engine import AGGREGATION_HELP, AGGREGATIONS
from core.errors import ProbationError
from core.formatting import markdown_text as md
from core.robustness import EXACT_AGGREGATIONS, METHOD_HELP
from core.scenario import MAX_FRACTION, MAX_WEIGHT, QUERY_KEYS, Scenario, link_problems
from core.store.actions import delete_scenario_as, save_scenario_as
from core.store.scenarios import list_scenarios, load_scenario, may_change, scenario_name
from core.whatif import summary
from pages.common import (audited_export, csv_bytes, current_principal, current_scope, current_user, download_table, engine,
                          excel_bytes, framework, pick_inspection, ratings, scenario_changes, scenario_pdu_detail, scenario_ratings,
                          scenario_results, scenario_robustness_table, set_query, store_outline, synthetic_banner)

THRESHOLD_STEP = 0.5  # the sliders' step; a threshold between steps is shown at the nearest one, with a warning
T_KEYS = ("whatif-t-outstanding", "whatif-t-good", "whatif-t-ri")
AGG_KEY = "whatif-aggregation"
W_KEYS = tuple(f"whatif-w-{i}" for i in range(4))
F_KEYS = tuple(f"whatif-f-{i}" for i in range(3))
X_KEY = "whatif-excluded"
WIDGET_KEYS = (*T_KEYS, AGG_KEY, *W_KEYS, *F_KEYS, X_KEY)
SYNCED = "whatif-synced-link"  # the address's scenario parameters as the widgets last read or wrote them
NOTES = "whatif-notes"  # warnings about the last link or saved scenario put into the widgets
NOTES_FOR = "whatif-notes-for"  # the scenario they concern: shown while the widgets still hold it
MESSAGE = "whatif-message"  # (kind, text) from a sidebar action, shown once
CHANGES_ROUND = "whatif-changes-round"  # the round whose changes the table lists, or EVERY_ROUND
EVERY_ROUND = "Every round"

st.title("What-if")
st.caption("Rate the whole store under different rules. Nothing here changes the stored ratings.")
scope = current_scope()
user = current_user()
fw = framework()
default = Scenario.default(fw)
in_store, inspection_count = store_outline(scope)
store_frameworks = {fw.id: fw, **in_store}
standard_labels = {}  # every standard of every framework in the store, the default framework's first
for f_ in store_frameworks.values():
    for s in f_.standards:
        standard_labels.setdefault(s.code, s.label + (f" ({f_.title})" if len(store_frameworks) > 1 else ""))


def _half(value: float) -> float:
    return round(value / THRESHOLD_STEP) * THRESHOLD_STEP


def _numbers(values) -> str:
    return "/".join(f"{v:g}" for v in values)


def widget_state(scenario: Scenario) -> tuple[dict, list[str]]:
    """The widget values that show a scenario (what it leaves alone: the default framework's rules),
    and what of it they cannot show."""
    full = scenario.resolved(fw)
    notes = []
    thresholds = tuple(_half(v) for v in full.thresholds)
    if thresholds != full.thresholds:
        notes.append(f"thresholds {_numbers(full.thresholds)} are shown as {_numbers(thresholds)}: the sliders move in steps of "
                     f"{THRESHOLD_STEP:g}, so the ratings below are under {_numbers(thresholds)}")
    unknown = sorted(full.excluded - set(standard_labels))
    if unknown:
        notes.append(f"{', '.join(display(c) for c in unknown)} {'is' if len(unknown) == 1 else 'are'} not a standard of any "
                     f"framework in the store ({', '.join(store_frameworks)}), so not excluded")
    values = {**dict(zip(T_KEYS, thresholds)), AGG_KEY: full.aggregation,
              **{k: int(v) for k, v in zip(W_KEYS, full.weights)}, **{k: float(v) for k, v in zip(F_KEYS, full.fractions)},
              X_KEY: [c for c in standard_labels if c in full.excluded]}
    return values, notes


def put_in_widgets(scenario: Scenario, notes: list[str], source: str) -> None:
    """The scenario into the widgets (before they are made), and the warnings to show with it."""
    values, more = widget_state(scenario)
    st.session_state.update(values)
    st.session_state[NOTES] = notes + [f"{source} {n}." for n in more]
    st.session_state[NOTES_FOR] = None  # set to the widgets' scenario once the page has read them


def keep_order(moved: int) -> None:
    """Slider callback: the thresholds stay in order (Outstanding >= Good >= Requires improvement) as
    they are set. The one moved stays where the reader put it; the others give way."""
    values = [st.session_state[k] for k in T_KEYS]
    for i in range(moved - 1, -1, -1):  # the better bands above it rise to meet it
        values[i] = max(values[i], values[i + 1])
    for i in range(moved + 1, len(values)):  # the worse bands below it fall to meet it
        values[i] = min(values[i], values[i - 1])
    for k, v in zip(T_KEYS, values):
        st.session_state[k] = v


def scenario_from_widgets() -> Scenario:
    """The scenario the widgets hold (raises ProbationError for one the core refuses)."""
    state = st.session_state
    return Scenario(thresholds=tuple(state[k] for k in T_KEYS), aggregation=state[AGG_KEY], weights=tuple(state[k] for k in W_KEYS),
                    fractions=tuple(state[k] for k in F_KEYS), excluded=frozenset(c for c in state[X_KEY] if c in standard_labels))


def link_state() -> tuple:
    return tuple((k, tuple(st.query_params.get_all(k))) for k in QUERY_KEYS.values())


def load(name: str) -> None:
    """Button callback (runs before the page): the saved scenario into the widgets."""
    try:
        loaded = load_scenario(engine(), name).scenario
    except ProbationError as exc:
        st.session_state[MESSAGE] = ("error", str(exc))
        return
    put_in_widgets(loaded, [], f"Saved scenario {name!r}:")
    st.session_state[MESSAGE] = ("success", f"Loaded {name!r}: {loaded.describe()}.")


def delete(name: str) -> None:
    """Button callback: delete the scenario, if this user may."""
    try:
        delete_scenario_as(engine(), current_principal(), name)
    except ProbationError as exc:
        st.session_state[MESSAGE] = ("error", str(exc))
        return
    st.session_state["whatif-load"] = ""
    st.session_state[MESSAGE] = ("success", f"Deleted {name!r}.")


# A link opened (or an address changed from outside the page), or the widgets not yet made: set them from the address.
if st.session_state.get(SYNCED) != link_state() or any(k not in st.session_state for k in WIDGET_KEYS):
    query = {k: st.query_params.get_all(k) for k in st.query_params}
    link_notes = [f"The link {p}: the page takes the last value of a repeated parameter and ignores one it does not know."
                  for p in link_problems(query)]
    try:
        from_link = Scenario.from_query(query)
    except ProbationError as exc:
        link_notes.append(f"The link's scenario could not be read ({exc}); showing the framework's rules.")
        from_link = Scenario()
    put_in_widgets(from_link, link_notes, "The link's")

with st.sidebar:
    st.markdown("**Saved scenarios**")
    try:
        saved = {s.name: s for s in list_scenarios(engine())}
    except ProbationError as exc:
        st.error(f"The saved scenarios could not be read: {md(str(exc))}")
        saved = {}
    if st.session_state.get("whatif-load") not in ("", None, *saved):
        st.session_state["whatif-load"] = ""  # deleted elsewhere
    name = st.selectbox("Load", [""] + list(saved), key="whatif-load",
                        format_func=lambda n: (f"{n} ({saved[n].owner})" if saved[n].owner else n) if n else "—")
    if name:
        st.button("Load scenario", key="whatif-load-button", on_click=load, args=(name,))
        allowed = current_principal().may_save_scenarios and may_change(saved[name].owner, user)
        st.button(md(f"Delete {name!r}"), key="whatif-delete", on_click=delete, args=(name,), disabled=not allowed,
                  help=None if allowed else md(f"Only {saved[name].owner}, who saved it, may delete it."))
    if MESSAGE in st.session_state:
        kind, text = st.session_state.pop(MESSAGE)
        (st.success if kind == "success" else st.error)(md(text))

with st.sidebar:
    may_save = current_principal().may_save_scenarios
    new_name = st.text_input("Save as", key="whatif-save-name", disabled=not may_save,
                             help=None if may_save else "Saving scenarios is for regional leaders and administrators")
    if st.button("Save scenario", key="whatif-save", disabled=not (may_save and new_name.strip())):
        try:
            current = scenario_from_widgets()
            overrides = Scenario(**{k: v for k, v in current.overrides().items() if getattr(default, k) != v})
            clean = scenario_name(new_name)
            save_scenario_as(engine(), current_principal(), clean, overrides, overwrite=clean in saved)
            st.success(md(f"Saved {clean!r}."))
        except ProbationError as exc:
            st.error(md(exc))


@st.fragment
def scenario_and_results() -> None:
    """The widgets and everything they drive: a slider move reruns only this, not the page."""
    notes_box = st.container()
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("**Domain two bands** (lowest percentage of each rating)")
        t_o = st.slider("Outstanding from", 0.0, 100.0, step=THRESHOLD_STEP, format="%g", key=T_KEYS[0],
                        on_change=keep_order, args=(0,))
        t_g = st.slider("Good from", 0.0, 100.0, step=THRESHOLD_STEP, format="%g", key=T_KEYS[1],
                        on_change=keep_order, args=(1,))
        t_r = st.slider("Requires improvement from", 0.0, 100.0, step=THRESHOLD_STEP, format="%g", key=T_KEYS[2],
                        on_change=keep_order, args=(2,))
        aggregation = st.selectbox("Key questions combine by", AGGREGATIONS, format_func=lambda a: f"{a}: {AGGREGATION_HELP[a]}",
                                   key=AGG_KEY)
    with c2:
        st.markdown("**Scores and the overall rating**")
        w = st.columns(4)
        weights = tuple(w[i].number_input(label, 0, MAX_WEIGHT, step=1, key=W_KEYS[i])
                        for i, label in enumerate(["Outstanding", "Good", "Req. impr.", "Inadequate"]))
        f = st.columns(3)
        fractions = tuple(f[i].number_input(f"{label} up to × N", 0.0, float(MAX_FRACTION), step=0.5, format="%g", key=F_KEYS[i])
                          for i, label in enumerate(["Inadequate", "Req. impr.", "Good"]))
        if any(c not in standard_labels for c in st.session_state[X_KEY]):
            st.session_state[X_KEY] = [c for c in st.session_state[X_KEY] if c in standard_labels]
        excluded = st.multiselect("Standards that do not count", list(standard_labels), format_func=standard_labels.get, key=X_KEY)

    try:
        scenario = Scenario(thresholds=(t_o, t_g, t_r), aggregation=aggregation, weights=weights, fractions=fractions,
                            excluded=frozenset(excluded))
    except ProbationError as exc:
        st.error(md(exc))
        return
    # keep only what differs from the framework, so the link stays short and readable
    overrides = Scenario(**{k: v for k, v in scenario.overrides().items() if getattr(default, k) != v})
    # the scenario's parameters only: the round, region and PDU beside them stay in the address
    scenario_query = overrides.query_params()
    set_query(**{k: scenario_query.get(k) for k in QUERY_KEYS.values()})
    st.session_state[SYNCED] = link_state()
    if st.session_state.get(NOTES_FOR) is None:
        st.session_state[NOTES_FOR] = scenario
    with notes_box:
        if st.session_state[NOTES_FOR] == scenario:
            for note in st.session_state.get(NOTES, []):
                st.warning(md(note))
    st.caption(f"Scenario: {md(overrides.describe())} · share this view by copying the page's address.")

    if not inspection_count:
        st.warning("The store holds no inspections yet.")
        return
    every_rating = ratings(scope)  # with the published annexes beside: those without an inspection are not re-rated
    changes = scenario_changes(scope, scenario)
    # the table of changes lists one round's, the latest unless the reader picks another or every round (its box is
    # made below, where the table is; its value is read here, for the table is worked out with the rest)
    round_choices = [*sorted(every_rating.loc[every_rating["inspection_id"].notna(), "round"].dropna().unique(), reverse=True),
                     EVERY_ROUND]
    if st.session_state.get(CHANGES_ROUND) not in round_choices:
        st.session_state[CHANGES_ROUND] = round_choices[0]
    changes_round = st.session_state[CHANGES_ROUND]
    results = scenario_results(scope, scenario, marked=aggregation in EXACT_AGGREGATIONS,
                               round_=None if changes_round == EVERY_ROUND else changes_round)
    synthetic_banner(every_rating)

    st.header(summary(changes), anchor=False)
    by_direction = results["directions"]
    if not changes.empty:
        st.dataframe(by_direction, hide_index=True, key="whatif-directions")
    st.markdown("  \n".join(md(f"{title}. {text}") for title, text in results["spread"].items()))
    # in words first; the charts folded, and drawn only when opened (a rerun of this part): drawing them is much of
    # what a fresh visit to this page costs the browser
    charts = st.expander("The charts: ratings by standard, now and under the scenario", key="whatif-charts", on_change="rerun")
    if charts.open:
        with charts:
            after = scenario_ratings(scope, scenario)
            for column, (title, frame), key in zip(st.columns(2), (("Ratings now", every_rating[every_rating["inspection_id"].notna()]),
                                                                  ("Ratings under the scenario", after)), ("whatif-before", "whatif-after")):
                column.plotly_chart(rating_distribution(frame[frame["standard"] != OVERALL], title=title), width="stretch", key=key,
                                    alt=f"{title}. {results['spread'][title]}")

    st.subheader("Every rating that changes", anchor=False)
    st.selectbox("Round", round_choices, key=CHANGES_ROUND,
                 help="The changes of one round (the latest first), or of every round; the counts above are of every round")
    # ratings under the scenario marked as on the robustness table below, where that is worked out at once
    shown = results["changes"]
    if changes_round != EVERY_ROUND and len(shown) < len(changes):
        st.caption(f"{len(shown):,} of the {len(changes):,} changes are in round {md(changes_round)}; pick '{EVERY_ROUND}' "
                   "for them all.")
    if aggregation not in EXACT_AGGREGATIONS:
        st.caption(f"Under '{aggregation}' ratings are not marked ⚠ here: the chance of another rating is worked out only "
                   "when asked for, below.")
    st.dataframe(shown, hide_index=True, width="stretch", key="whatif-changes")
    # made when clicked, not on every slider move (the workbook of a few hundred changes takes ~0.1 s)
    d1, d2, _ = st.columns([1, 1, 2])
    d1.download_button("Download this table (CSV)",
                       audited_export(lambda: csv_bytes(shown), "what-if changes", "whatif-changes.csv", len(shown)),
                       "whatif-changes.csv", "text/csv", key="whatif-download-csv", on_click="ignore")
    d2.download_button("Download this table (Excel)",
                       audited_export(lambda: excel_bytes({"changes": shown, "counts": by_direction}), "what-if changes, counts",
                                      "whatif-changes.xlsx", len(shown)),
                       "whatif-changes.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="whatif-download-xlsx", on_click="ignore")

    st.subheader("One PDU in detail", anchor=False)
    round_ = None  # the round picked here: the robustness of every rating below is of that round
    if not ((every_rating["level"] == "pdu") & every_rating["inspection_id"].notna()).any():
        st.caption("The store holds no PDU inspections.")
    else:
        # the round, region and PDU of the other pages (or the address), and carried back to them
        picked = pick_inspection(every_rating, "pdu", key="whatif", missing="The store holds no PDU inspections.")
        round_ = picked["round"].iloc[0]
        st.dataframe(scenario_pdu_detail(scope, scenario, picked["inspection_id"].iloc[0]), hide_index=True, width="stretch",
                     key="whatif-detail")

    in_round = f" in round {md(round_)}" if round_ is not None else ""
    st.subheader(f"Robustness of every domain two rating{in_round}", anchor=False)
    # drawn when asked for, as the charts are: a table of some 500 ratings is much of what a fresh visit, and every slider
    # move, would cost; the PDU above has its own at once, and the changes their marks
    show_all = st.toggle(f"Show the robustness of every domain two rating{in_round}", value=False,
                         key=f"whatif-robust-all-{aggregation}")
    if aggregation in EXACT_AGGREGATIONS:
        st.caption("The chance of another rating, the interval and the answers to move each rating, for every domain two "
                   f"rating{in_round} under the scenario: worked out when asked for; the PDU above has its own at once.")
    else:
        st.caption(f"Under '{aggregation}' the chance of a different rating is a Monte Carlo estimate, a second or more for the "
                   "whole store, so the table is worked out only when asked for; the PDU above has its own at once.")
    if show_all:
        table = scenario_robustness_table(scope, scenario, round_)
        st.caption("Highest chance of another rating first; another round's, by the round picked above. ⚠ marks a rating "
                   "on fewer than 20 relevant cases or with a 30% or greater chance of another rating; the reason is in its "
                   "own column.")
        st.dataframe(table, hide_index=True, width="stretch", key="whatif-robust",
                     column_config={"Chance of another rating (%)": st.column_config.ProgressColumn(
                         "Chance of another rating (%)", min_value=0.0, max_value=100.0, format="%.1f")})
        download_table(table, "whatif-robustness", key="whatif-robust-download")
    with st.expander("How these figures are computed"):
        for text in METHOD_HELP.values():
            st.markdown(f"- {text}")


scenario_and_results()
