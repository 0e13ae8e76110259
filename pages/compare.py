"""Compare: PDUs and regions on a theme or a key question, with intervals; the PDU × key question
heatmap; the funnel plot against the national rate; breakdowns by case attribute; one PDU beside
its region and the nation, and its ratings across rounds. Widgets -> core.compare -> core.charts."""
import streamlit as st

from core import charts, compare, views
from core.codes import display
from core.formatting import markdown_text as md
from pages.common import (breakdown, current_scope, dataset, download_table, framework, nation_name,
                          query_choice, query_choices, ratings, set_query, sufficiency, synthetic_banner, tallies, unit_links,
                          units_table_config)

FEW = 5  # the best and worst few bars shown until the reader asks for all

KINDS = {"theme": "Theme", "key_question": "Key question"}
GROUPS = {"unit": "PDU", "region": "Region", "nation": "National"}
SECTIONS = ["Cases sufficient", "Against the national rate", "Key questions by PDU", "By case attribute", "One PDU"]


def _pick(label, options, param, key, column, format_func=str):
    return column.selectbox(label, options, index=options.index(query_choice(param, options)), key=key, format_func=format_func)


st.title("Compare")
scope = current_scope()
data = dataset(scope)
inspections = data.inspections
if inspections.empty:
    st.warning("The store holds no inspections yet. Upload fieldwork on the Upload page, or run `python -m core demo`.")
    st.stop()

# -- the filters, mirrored in the URL ----------------------------------------------------------------
c1, c2, c3 = st.columns([1, 1, 3])
rounds = sorted(inspections["round"].dropna().unique(), reverse=True)
round_ = _pick("Round", rounds, "round", "compare-round", c1)
in_round = inspections[inspections["round"] == round_]
framework_ids = sorted(in_round["framework"].unique())
fw_id = (_pick("Framework", framework_ids, "framework", "compare-framework", c2, format_func=lambda f: framework(f).title)
         if len(framework_ids) > 1 else framework_ids[0])
fw = framework(fw_id)
in_round = in_round[in_round["framework"] == fw_id]
regions = sorted(in_round["region"].dropna().unique())
chosen_regions = c3.multiselect("Regions", regions, default=query_choices("region", regions), key="compare-regions",
                                placeholder="All regions")

c4, c5 = st.columns([1, 4])
kind = c4.radio("Compare", list(KINDS), index=list(KINDS).index(query_choice("kind", list(KINDS))), format_func=KINDS.get,
                key="compare-kind", horizontal=True)
if kind == "theme":
    options = [t.id for t in fw.themes]
    names = {t.id: t.name for t in fw.themes}
else:  # domain two key questions by the code their answers are stored under (regional ones pooled from PDU ones are the same)
    options = [kq.code for s in sorted(fw.standards, key=lambda s: s.level != "pdu") if s.domain == 2
               for kq in s.key_questions if not kq.pooled_from]
    names = {code: f"{display(code)} {fw.question_text(code)}" for code in options}
if not options:
    st.warning(f"{md(fw.title)} has no {KINDS[kind].lower()}s to compare.")
    st.stop()
measure = _pick(KINDS[kind], options, "measure", f"compare-measure-{kind}", c5, format_func=names.get)
set_query(round=round_, framework=fw_id if len(framework_ids) > 1 else None, region=chosen_regions, kind=kind,
          measure=measure)

shown = in_round[in_round["region"].isin(chosen_regions or regions)]
synthetic_banner(shown)
codes = compare.stored_codes(fw, fw.theme(measure).items if kind == "theme" else [measure])
title = names[measure] if kind == "theme" else display(measure)
national_name = nation_name(scope)
national = sufficiency(scope, round_, fw_id, None, codes, "nation")
national_percent = national["percent"].iloc[0] if not national.empty else None
if kind == "theme":
    items = ", ".join(display(i) for i in fw.theme(measure).items)
    st.caption(f"**{md(title)}** pools the answers to {md(items)} ({md(fw.theme(measure).reference)}).")
else:
    st.caption(f"**{md(display(measure))}** {md(fw.question_text(measure))}")

# -- sufficiency by PDU, region or nationally ------------------------------------------------------------
def sufficiency_section() -> None:
    by = _pick("Group by", list(GROUPS), "by", "compare-by", st)
    set_query(by=by)
    table = sufficiency(scope, round_, fw_id, chosen_regions or regions, codes, by, measure if kind == "theme" else None)
    st.header(f"{md(title)}: cases sufficient by {({'unit': 'PDU', 'region': 'region', 'nation': 'round'})[by]}", anchor=False)
    if table.empty or table["n_relevant"].sum() == 0:
        st.info("No relevant answers to this in the inspections shown.")
    else:
        label = {"unit": "unit", "region": "region", "nation": "round"}[by]
        rated = table[table["percent"].notna()]
        show_all = by != "unit" or len(rated) <= 2 * FEW or st.toggle(f"Show all {len(rated)} PDUs, grouped by region",
                                                                      key="compare-show-all")
        bars = compare.bar_rows(table, few=FEW, show_all=show_all) if by == "unit" else table.assign(bar_label=table[label])
        summary = views.bars_summary(table, label, f"{title}: cases sufficient by {label}")
        st.plotly_chart(charts.sufficiency_bars(bars, title=f"{title}: cases sufficient (%)", label="bar_label",
                                                reference=None if by == "nation" else national_percent, reference_name=national_name),
                        width="stretch", key="compare-bars", alt=summary)
        st.caption(md(summary))
        st.caption("Bars show the share of relevant cases judged sufficient (Not applicable left out); the whiskers are the "
                   f"Wilson 95% interval. Lighter bars: {charts.SMALL_NOTE}."
                   + ("" if show_all else f" Shown: the {FEW} highest and {FEW} lowest of {len(rated)} PDUs."))
    keys = {"unit": ["region", "unit", "level"], "region": ["region"], "nation": ["round"]}[by]
    ordered = table.sort_values("percent", kind="stable", na_position="last") if "percent" in table else table
    shown_table = compare.labelled(ordered, keys + ["n_inspections", "n_sufficient", "n_relevant", "n_na", "percent", "percent_low",
                                                    "percent_high", "small_sample", "synthetic"])
    if by == "unit" and not ordered.empty:
        shown_table["Scorecard"] = [views.view_link("scorecard", round=round_, region=r, unit=u) if lvl == "pdu" else
                                    views.view_link("region", round=round_, region=r)
                                    for r, u, lvl in zip(ordered["region"], ordered["unit"], ordered["level"])]
        shown_table["Level"] = shown_table["Level"].map({"pdu": "PDU", "region": "Region"}).fillna(shown_table["Level"])
    st.caption("Lowest first.")
    st.dataframe(shown_table, hide_index=True, width="stretch", key="compare-table", column_config=units_table_config(shown_table))
    download_table(shown_table, f"compare-{measure}-{by}-{round_}", key="compare-download")
    if by == "unit" and "Scorecard" in shown_table.columns:
        unit_links(shown_table, "Unit", "Open a unit's page", key="compare-open-unit")

# -- funnel plot -----------------------------------------------------------------------------------------
def funnel_section() -> None:
    st.header("PDUs against the national rate", anchor=False)
    units = compare.sufficiency(data.counts, shown, codes, "unit")
    points = compare.funnel(units[units["level"] == "pdu"], national_percent=national_percent)
    if points.empty:
        st.info("No PDU has relevant answers to this.")
    else:
        summary = views.funnel_summary(points, compare.FUNNEL_POSITIONS)
        st.plotly_chart(charts.funnel_plot(points, title=f"{title}: PDUs against the {national_name.lower()} rate", label="unit"),
                        width="stretch", key="compare-funnel", alt=summary)
        st.caption(md(summary))
        st.caption(md(compare.FUNNEL_METHOD))
        outside = points[points["position"] != compare.FUNNEL_POSITIONS[2]]
        funnel_table = compare.labelled(outside, ["region", "unit", "n_sufficient", "n_relevant", "percent", "national_percent",
                                                  "lower_95", "upper_95", "lower_998", "upper_998", "position"])
        with st.expander(f"PDUs outside the 95% limits: {len(outside)} of {len(points)}"):
            st.dataframe(funnel_table, hide_index=True, width="stretch")
            download_table(funnel_table, f"compare-funnel-{measure}-{round_}", key="compare-funnel-download")

# -- PDU x key question heatmap ---------------------------------------------------------------------------
def heatmap_section() -> None:
    st.header("Key questions by PDU", anchor=False)
    key_questions = tallies(scope)
    matrix = compare.key_question_matrix(key_questions[key_questions["inspection_id"].isin(shown["inspection_id"])], shown)
    if matrix.empty:
        st.info("No PDU key question answers in the inspections shown.")
    else:
        thresholds = fw.rules.threshold_percents()
        summary = views.heatmap_summary(matrix)
        st.plotly_chart(charts.key_question_heatmap(matrix, thresholds=thresholds), width="stretch", key="compare-heatmap", alt=summary)
        st.caption(md(summary))
        st.caption(f"Each cell is coloured by the rating its percentage would give as the lowest key question of its standard "
                   f"(Outstanding {thresholds[0]:g}% or more, Good {thresholds[1]:g}%, Requires improvement {thresholds[2]:g}%, "
                   "Inadequate below), and labelled with its percentage and that rating (above 60 PDUs, the rating alone, the "
                   "percentage in its hover text; choose regions above for fewer rows). Blank: no relevant cases.")
        matrix_table = compare.labelled(matrix, ["region", "unit", "standard", "key_question_label", "n_sufficient", "n_relevant",
                                                 "percent", "percent_low", "percent_high", "small_sample"])
        with st.expander("The table behind the heatmap"):
            st.dataframe(matrix_table, hide_index=True, width="stretch")
            download_table(matrix_table, f"compare-key-questions-{round_}", key="compare-heatmap-download")

# -- breakdowns by case attribute -------------------------------------------------------------------------
def attribute_section() -> None:
    st.header(f"{md(title)} by case attribute", anchor=False)
    attributes = [a.name for a in fw.case_attributes]
    labels = {a.name: a.label for a in fw.case_attributes}
    attribute = st.radio("Break down by", attributes, index=attributes.index(query_choice("attribute", attributes)),
                         format_func=labels.get, key="compare-attribute", horizontal=True)
    set_query(attribute=attribute)
    split = compare.breakdown_table(breakdown(scope, shown["inspection_id"], codes, attribute), attribute, fw.attribute(attribute).values)
    if split.empty:
        st.info("No case answers to this in the inspections shown.")
    else:
        summary = views.bars_summary(split, "group", f"{title} by {labels[attribute].lower()}")
        st.plotly_chart(charts.breakdown_bars(split, title=f"{title} by {labels[attribute].lower()}", attribute_label=labels[attribute]),
                        width="stretch", key="compare-breakdown", alt=summary)
        st.caption(md(summary))
        st.caption("Differences between groups can reflect the cases each group holds (risk, sentence, PDU) as much as the "
                   f"practice; read them with the intervals. Lighter bars: {charts.SMALL_NOTE}. "
                   f"'{compare.NOT_RECORDED}': cases without this attribute (not every case type records every attribute).")
        split_table = compare.labelled(split.assign(attribute=labels[attribute]))
        st.dataframe(split_table, hide_index=True, width="stretch")
        download_table(split_table, f"compare-{measure}-by-{attribute}-{round_}", key="compare-breakdown-download")

# -- one PDU beside its region and the nation, and across rounds ---------------------------------------------
def pdu_section() -> None:
    st.header("A PDU beside its region and the nation", anchor=False)
    pdus = shown[shown["level"] == "pdu"].sort_values(["region", "unit"])
    if pdus.empty:
        st.info("No PDU inspections in the round and regions shown.")
    else:
        # PDU names are unique only within a region: pick "PDU (region)"
        labels = dict(zip(pdus["unit"] + " (" + pdus["region"] + ")", pdus["inspection_id"]))
        names = list(labels)
        asked = query_choice("unit", [n.rsplit(" (", 1)[0] for n in names])  # a plain PDU name, from the address or another page
        asked_region = query_choice("region", list(pdus["region"]))
        wanted = next((n for n in names if n == f"{asked} ({asked_region})"), None) or next(
            (n for n in names if n == st.query_params.get("unit") or n.startswith(f"{asked} (")), names[0])
        choice = st.selectbox("PDU", names, index=names.index(wanted), key="compare-unit")
        inspection_id = labels[choice]
        unit = pdus.loc[pdus["inspection_id"] == inspection_id, "unit"].iloc[0]
        set_query(unit=unit)
        side = compare.unit_vs_region_vs_nation(tallies(scope), in_round, inspection_id, national_name)
        if side.empty:
            st.info("No key question answers for this PDU yet.")
        else:
            summary = views.comparison_summary(side, unit)
            st.plotly_chart(charts.comparison_bars(side, title=f"{unit}: key questions beside its region and the nation"),
                            width="stretch", key="compare-side-by-side", alt=summary)
            st.caption(md(summary))
        region_of_unit = pdus.loc[pdus["inspection_id"] == inspection_id, "region"].iloc[0]
        history = compare.trend(ratings(scope), unit, level="pdu", region=region_of_unit)
        if history["round"].nunique() > 1:
            summary = views.trend_summary(history, unit)
            st.plotly_chart(charts.trend_chart(history, title=f"{unit}: ratings across inspections"), width="stretch", key="compare-trend",
                            alt=summary)
            st.caption(md(summary))
        else:
            st.caption("Ratings across rounds appear once the PDU has been inspected in more than one round.")
        side_table = compare.labelled(side, ["key_question_label", "comparison", "name", "n_inspections", "n_sufficient", "n_relevant",
                                             "percent", "percent_low", "percent_high", "small_sample"])
        download_table(side_table, f"compare-{unit}-{round_}", key="compare-side-download", label="the key questions")
        history_table = compare.labelled(history, ["round", "standard_label", "standard_name", "rating", "percent", "score", "max_score",
                                                   "source"])
        if history["round"].nunique() > 1:
            download_table(history_table, f"ratings-across-rounds-{unit}", key="compare-trend-download", label="the ratings across rounds")


# One section at a time, the one open named in the address (?section=...): only the open one is worked out
# and drawn, so that the page opens in a fraction of the time the six charts together took.
for tab, section in zip(st.tabs(SECTIONS, key="section", bind="query-params"),
                        (sufficiency_section, funnel_section, heatmap_section, attribute_section, pdu_section)):
    if tab.open:
        with tab:
            section()
