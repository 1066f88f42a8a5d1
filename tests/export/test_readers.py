"""Numbers, labels, key messages and charts for readers (issue 12): unit tests.

The expected strings are written out by hand from the rules (US$ with bn/m and three
significant figures, counts in full below ten million, one decimal for percentages with a
no-break space, U+2212 for negatives, p-values "< 0.001", shares "> 99.9 %"/"< 0.1 %").
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from analysis import plotting  # noqa: E402
from analysis.export import checks  # noqa: E402
from analysis.export import numbers as nf  # noqa: E402
from analysis.export.display import KEY_FIGURE_MIME, META_KEY, TABLE_MIME  # noqa: E402
from analysis.export.html import to_html  # noqa: E402
from analysis.export.labels import column_label  # noqa: E402
from analysis.export.markdown import chapter_blocks, exploratory_outputs  # noqa: E402
from analysis.export.messages import KeyMessage, Number  # noqa: E402

S, M = "\u00a0", "\u2212"  # no-break space, minus sign

CASES = [
    # (function, value, expected)
    (nf.share, 0.9996, f">{S}99.9{S}%"),
    (nf.share, 0.0004, f"<{S}0.1{S}%"),
    (nf.share, 1.0, f"100.0{S}%"),
    (nf.share, 0.0, f"0.0{S}%"),
    (nf.share, 0.25, f"25.0{S}%"),
    (nf.pct, 99.96, f"100.0{S}%"),
    (nf.pct, -0.04, f"{M}0.0{S}%".replace(M, "")),  # rounds to zero: no sign
    (nf.pct_change, -0.04, f"0.0{S}%"),
    (nf.pct_change, -10.94, f"{M}10.9{S}%"),
    (nf.pct_change, 0.2629, f"+0.3{S}%"),
    (nf.pct, 3.5999, f"3.6{S}%"),
    (nf.money, 83_149_172_934, f"US${S}83.1{S}bn"),
    (nf.money, 658_438_944_528, f"US${S}658{S}bn"),
    (nf.money, 1_234_567_890_123, f"US${S}1,230{S}bn"),
    (nf.money, 999_960_000, f"US${S}1,000{S}m"),
    (nf.money, 189_965_000, f"US${S}190{S}m"),
    (nf.money, -412_345_678, f"{M}US${S}412{S}m"),
    (nf.money, 2_630_587_000, f"US${S}2.63{S}bn"),
    (nf.money, 54_321, f"US${S}54,321"),
    (nf.count, 126_310, "126,310"),
    (nf.count, 9_999_999, "9,999,999"),
    (nf.count, 10_000_000, f"10.0{S}million"),
    (nf.count, 280_598_105, f"280.6{S}million"),
    (nf.count, -2_424, f"{M}2,424"),
    (nf.pvalue, 1.28e-22, f"<{S}0.001"),
    (nf.pvalue, 0.0009999, f"<{S}0.001"),
    (nf.pvalue, 0.001, "0.001"),
    (nf.pvalue, 0.04567, "0.046"),
    (nf.pp, -14.26, f"{M}14.3{S}pp"),
]


@pytest.mark.parametrize(("func", "value", "expected"), CASES)
def test_number_formats(func, value, expected) -> None:
    assert func(value) == expected


def test_readable_text() -> None:
    text = nf.readable("fell -10.9% in 2014-2020 (ISO-3, COVID-19, +3 %, 5-year)")
    assert text == f"fell {M}10.9{S}% in 2014\u20132020 (ISO-3, COVID-19, +3{S}%, 5-year)"
    assert not checks.hyphen_minus([text])
    assert checks.hyphen_minus(["a change of -3.2 %"])


def test_column_labels_come_from_the_vocabulary() -> None:
    assert column_label("name received") == "Recipient"
    assert column_label("remittances_received_usd") == "Remittances received (US$)"
    assert column_label("share 2020") == "Share 2020"
    assert column_label("birth_rate") == "Birth rate"
    assert "_" not in column_label("vs_trend_pct")


def test_code_in_text_finds_code() -> None:
    found = checks.code_in_text(["Share with `aware_legal`", "see analysis.survey.synthetic",
                                 "array([1, 2])", "year=2020, region=''",
                                 "Source: Eurostat, migr_asyappctza"])
    kinds = " ".join(found)
    assert "backtick" in kinds and "module path" in kinds and "numpy" in kinds
    assert "parameter dump" in kinds
    assert not any("migr_asyappctza" in f for f in found)


def _output(data, meta):
    return nbformat.v4.new_output("display_data", data=data, metadata={META_KEY: meta})


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    intro = nbformat.v4.new_markdown_cell("# Title\n\nIntro.\n\n## 7. First\n\nText.")
    fig = nbformat.v4.new_code_cell("figure")
    fig.outputs = [_output({"image/png": "iVBORw0KGgo=", "text/plain": "x"},
                           {"kind": "figure", "caption": "C", "source": "S", "alt": "A",
                            "ref": "routes"})]
    table = nbformat.v4.new_code_cell("table")
    table.outputs = [_output({TABLE_MIME: {"columns": ["Route", "Change"],
                                           "rows": [["A", f"{M}3.0{S}%"]]},
                              "text/plain": "t"}, {"kind": "table", "caption": "T",
                                                   "source": "S", "ref": "shift"})]
    explore = nbformat.v4.new_code_cell("df")
    explore.outputs = [nbformat.v4.new_output("execute_result", data={
        "text/html": "<table><tr><td>raw</td></tr></table>", "text/plain": "raw"},
        execution_count=1), nbformat.v4.new_output("stream", name="stdout", text="debug\n")]
    methods = nbformat.v4.new_markdown_cell("## Data and methods\n\nHow.\n\n## Second\n\nMore.")
    messages = [KeyMessage("Detections fell {} to {}.", [
        Number("change", -10.94, "pct_abs"), Number("total", 126310, "count")], ref="routes"),
        KeyMessage("Route A changed by {}.", [Number("a", -3.0, "pct_change")], ref="shift"),
        KeyMessage("Unlinked {}.", [Number("b", 2, "count")])]
    km = nbformat.v4.new_code_cell("show.key_messages(...)")
    km.outputs = [_output({"text/markdown": "- x", "text/plain": "x"},
                          {"kind": "key_messages", "messages": [m.to_dict() for m in messages]}),
                  _output({KEY_FIGURE_MIME: {"name": "total", "value": 1}}, {"kind": "key_figure"})]
    nb.cells = [intro, fig, table, explore, methods, km]
    return nb


def test_key_messages_come_first_with_links_and_sections_are_numbered() -> None:
    nb = _notebook()
    html, warnings = to_html(nb, chapter="x", title="X", parameters={"year": 2020}, data={},
                             version="0", date="2020-01-01",
                             nav={"next": {"href": "b.html", "title": "B"}})
    items = checks.key_messages(html)
    assert items is not None and len(items) == 3
    assert items[0]["text"].startswith(f"Detections fell 10.9{S}% to 126,310.")
    assert items[0]["href"] == "#figure-1" and items[1]["href"] == "#table-1"
    assert items[2]["href"] == ""
    heads = [b.text.splitlines()[0] for b in chapter_blocks(nb) if b.kind == "markdown"
             and b.text.startswith("##")]
    assert heads == ["## Key messages", "## Data and methods"]
    assert "## 1. First" in html or ">1. First<" in html
    assert ">2. Second<" in html and ">Data and methods<" in html
    assert 'href="index.html"' in html and 'href="b.html"' in html
    assert "raw" not in html.split("<main>")[1] and "debug" not in html
    assert len(warnings) == 2 and all("cell 4 (df)" in w for w in warnings)
    assert "Report year" in html  # parameters in the footer with readable labels


def test_exploratory_figure_and_value_are_left_out_with_a_warning() -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("plt.show()\nx")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="}),
                    nbformat.v4.new_output("execute_result", data={"text/plain": "42"},
                                           execution_count=1),
                    nbformat.v4.new_output("execute_result",
                                           data={"text/plain": "Text(0.5, 1, 'x')"},
                                           execution_count=2)]
    nb.cells = [cell]
    found = exploratory_outputs(nb)
    assert [("a figure" in f, "a bare value" in f) for f in found] == [(True, False),
                                                                        (False, True)]
    assert not [b for b in chapter_blocks(nb) if b.kind == "figure"]


def test_key_message_needs_a_number_and_one_place_per_number() -> None:
    with pytest.raises(ValueError, match="needs a number"):
        KeyMessage("No number.", [])
    with pytest.raises(ValueError, match="one place per number"):
        KeyMessage("{} and {}", [Number("a", 1, "count")])


def _tick_pairs(ax, axis="y"):
    ax.figure.canvas.draw()
    target = ax.yaxis if axis == "y" else ax.xaxis
    lo, hi = ax.get_ylim() if axis == "y" else ax.get_xlim()
    return [(t.get_loc(), t.label1.get_text()) for t in target.get_major_ticks()
            if lo <= t.get_loc() <= hi and t.label1.get_text()]


def _parse(label: str, suffix: str = "") -> float:
    return float(label.removesuffix(suffix).replace(",", "").replace(M, "-"))


@pytest.mark.parametrize(("top", "scale", "suffix"), [
    (3.2, 1.0, ""), (0.07, 1.0, ""), (2.8e6, 1e-6, " m"), (1.25e5, 1.0, ""), (-4.0, 1.0, "")])
def test_thousands_labels_equal_tick_values(top, scale, suffix) -> None:
    plotting.set_theme()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [min(0, top), max(0, top)])
    plotting.thousands(ax, scale=scale, suffix=suffix)
    pairs = _tick_pairs(ax)
    assert len(pairs) >= 3
    for loc, label in pairs:
        assert _parse(label, suffix) == pytest.approx(loc * scale, abs=1e-9), (loc, label)
    plt.close(fig)


def test_thousands_does_not_round_2_5_to_2() -> None:
    fig, ax = plt.subplots()
    ax.set_ylim(0, 3)
    ax.set_yticks([0, 0.5, 1, 1.5, 2, 2.5, 3])
    plotting.thousands(ax)
    labels = [label for _, label in _tick_pairs(ax)]
    assert "2.5" in labels and labels.count("2") <= 1 and labels.count("3") <= 1
    plt.close(fig)


def test_highlight_colours_use_at_most_six_colours() -> None:
    names = [f"r{i}" for i in range(9)]
    colours = plotting.highlight_colours(names, names)
    assert len(set(colours.values()) - {plotting.GREY}) == plotting.MAX_COLOURS == 6
    assert list(colours.values()).count(plotting.GREY) == 3


def test_route_chart_highlights_the_routes_that_changed_most() -> None:
    from analysis.trends import figures as tf
    from analysis.trends import route_shift

    rows = [(r, y, v) for r, vals in {"A Route": (100, 5000, 9000), "B Route": (50, 3000, 200),
                                      "C Route": (10, 2000, 2100), "D Route": (5, 1500, 1400),
                                      "E Route": (1, 10, 12)}.items()
            for y, v in zip((2018, 2019, 2020), vals, strict=True)]
    annual = pd.DataFrame(rows, columns=["route", "year", "detections"])
    shift = route_shift(annual, 2020, 2019)
    moved = tf.routes_changed_most(shift, k=2)
    assert moved == ["A Route", "B Route"]  # by absolute change, small routes ignored
    plotting.set_theme()
    fig = tf.routes_figure(annual, 2018, 2020, moved)
    colours = {ax.get_title(): to_hex(ax.lines[0].get_color()) for ax in fig.axes
               if ax.get_visible()}
    assert colours["A"] != plotting.GREY and colours["B"] != plotting.GREY
    assert colours["C"] == colours["D"] == colours["E"] == plotting.GREY.lower()
    for ax in fig.axes:
        if ax.get_visible():
            for loc, label in _tick_pairs(ax, "x"):
                assert label == str(int(loc))  # years, without a thousands separator
    assert plotting.shown_font_px(fig) >= 10
    plt.close(fig)


def test_shown_font_size_accounts_for_shrinking() -> None:
    fig, ax = plt.subplots(figsize=(14, 4))
    ax.set_title("x", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    # 10 pt at 110 dpi is 15.3 px; a 1,540 px PNG is shrunk to 728 px: 7.2 px.
    assert plotting.shown_font_px(fig) == pytest.approx(10 * 110 / 72 * 728 / 1540)
    plt.close(fig)


def test_country_code_beside_its_name_is_dropped() -> None:
    from analysis.export.display import readable_frame

    df = pd.DataFrame({"country": ["PAK", "AFG"], "name": ["Pakistan", "Afghanistan"],
                       "value": np.array([1.0, 2.0])})
    out = readable_frame(df)
    assert list(out.columns) == ["country", "value"]
    assert list(out["country"]) == ["Pakistan", "Afghanistan"]


def _is_grey(hex_colour: str) -> bool:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return max(r, g, b) - min(r, g, b) < 12


def _chart_colours(fig) -> set[str]:
    from matplotlib.collections import PathCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    found = set()
    for ax in fig.axes:
        for artist in ax.get_children():
            if isinstance(artist, Line2D) and artist.get_visible():
                found.add(to_hex(artist.get_color()))
            elif isinstance(artist, Rectangle) and artist is not ax.patch:
                if artist.get_visible() and artist.get_width() * artist.get_height() != 0:
                    found.add(to_hex(artist.get_facecolor()))
            elif isinstance(artist, PathCollection):
                found.update(to_hex(c) for c in artist.get_facecolors())
    return {c for c in found if not _is_grey(c)}


def _numeric_label(text: str) -> float | None:
    t = (text.replace(M, "-").replace(",", "").replace(S, " ").removesuffix(" %")
         .removesuffix("%").removesuffix(" m").strip())
    try:
        return float(t)
    except ValueError:
        return None


def _check_chart(fig, name: str) -> None:
    fig.canvas.draw()
    assert len(_chart_colours(fig)) <= plotting.MAX_COLOURS, (name, _chart_colours(fig))
    assert plotting.shown_font_px(fig) >= 10, name
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            if axis.get_scale() != "linear":
                continue
            fmt_ = axis.get_major_formatter()
            for tick in axis.get_major_ticks():
                loc, text = tick.get_loc(), tick.label1.get_text()
                value = _numeric_label(text)
                if value is None or not (min(lo, hi) <= loc <= max(lo, hi)):
                    continue
                scale = getattr(fmt_, "scale", 1.0)
                assert value == pytest.approx(loc * scale, abs=1e-9 + 1e-9 * abs(loc)), (
                    name, loc, text)


def test_one_chart_per_chapter_palette_and_tick_labels(snapshot_dir) -> None:
    """A chart of each chapter, drawn by the library from the snapshot."""
    import warnings

    from analysis import remittances as rm
    from analysis import trends as tr
    from analysis.sources import load_table
    from analysis.survey.chapter import open_survey
    from analysis.survey.estimation import weighted_proportion
    from analysis.survey.figures import pointrange_figure
    from analysis.talent import chapter as talent_chapter
    from analysis.talent import figures as talent_figures
    from analysis.trends import figures as tf

    plotting.set_theme()
    det = load_table("detections", snapshot_dir)
    annual = tr.annual_by_route(det)
    shift = tr.route_shift(annual, 2020, 2019)
    _check_chart(tf.routes_figure(annual, 2014, 2020, tf.routes_changed_most(shift)), "trends")
    asylum = load_table("asylum", snapshot_dir)
    ind = load_table("indicators", snapshot_dir)
    dest = tr.asylum_destinations(asylum, ind, 2020, 2019, 10)
    _check_chart(tf.asylum_destinations_figure(dest, 2020), "trends destinations")
    _check_chart(rm.plot_top(rm.top_countries(ind, 2020, rm.RECEIVED, 10),
                             rm.top_countries(ind, 2020, rm.PAID, 10), 2020), "remittances")
    survey = open_survey(None, None, seed=20240601)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = weighted_proportion(survey.data, "aware_legal", by=["country", "gender"],
                                  **survey.design)
    _check_chart(pointrange_figure(est, label_cols=["country", "gender"], hue="gender",
                                   xlabel="Share"), "survey")
    inputs = talent_chapter.open_indicators(talent_chapter.load(snapshot_dir), year=2022,
                                            countries=["AUT", "DEU", "HRV", "POL", "CAN", "USA"])
    results = talent_chapter.compute_chapter(inputs.iset, weights=None,
                                             normalisation="minmax",
                                             aggregation="arithmetic", n_draws=50, seed=0)
    table = talent_chapter.ranking_table(results)
    _check_chart(talent_figures.rank_interval_figure(table, reference="min-max"), "talent")
    stock = load_table("migrant_stock", snapshot_dir)
    dests = tr.top_destinations(stock, 2020, 10, ["PAK"])
    _check_chart(tf.share_bars_figure(dests, "destination", "%"), "country brief")
    plt.close("all")


def test_trends_key_messages_from_key_figures() -> None:
    from analysis.trends.messages import trends_messages

    kf = {"detections_total": 126310, "detections_change_pct": -10.888,
          "route_largest_increase": "Western African Route",
          "route_largest_increase_pct": 786.2, "asylum_applications_eu27": 476615,
          "asylum_top_destination": "DEU", "asylum_top_destination_value": 121960,
          "migrant_stock_world": 280598105, "migrant_stock_share_pct": 3.6,
          "claims_supported": 4, "claims_tested": 5}
    texts = [m.text for m in trends_messages(kf, year=2020, base_year=2019, stock_year=2020,
                                             claims=pd.DataFrame(), claims_year=2020)]
    assert texts == [
        f"Detections of illegal border crossings fell 10.9{S}% to 126,310 in 2020 "
        "(against 2019).",
        f"The Western African Route grew most among the larger routes: +786.2{S}%.",
        "476,615 first-time asylum applications were lodged in the EU in 2020; Germany "
        "received the most (121,960).",
        f"280.6{S}million international migrants lived outside their country of birth in "
        f"2020, 3.6{S}% of the population.",
        "The data support 4 of the 5 testable claims of the report (tested on the data for "
        "2020).",
    ]
    kf["detections_change_pct"] = None  # a missing figure drops its message
    assert len(trends_messages(kf, year=2020, base_year=2019, stock_year=2020)) == 3
