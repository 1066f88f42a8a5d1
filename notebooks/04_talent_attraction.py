# %% [markdown]
# # Talent attraction indicators
#
# A composite index of how attractive countries are to international talent, built after the OECD
# Indicators of Talent Attractiveness, with rank intervals from a Monte Carlo uncertainty analysis.

# %% tags=["parameters"]
year: int = 2022  # Latest year used
countries: str = "icmpd_members,oecd_comparators"  # Countries (all: every one; a user file keeps its countries listed here)
indicators_path: str = ""  # User indicator CSV
mapping_path: str = ""  # YAML mapping of the user indicators
normalisation: str = "minmax"  # Normalisation
aggregation: str = "arithmetic"  # Aggregation
weights: str = ""  # Indicator weights, e.g. 'gdp_per_capita_ppp:2,unemployment_pct:1' ('' : equal)
n_draws: int = 1000  # Monte Carlo draws for the rank intervals
seed: int = 0  # Seed of the Monte Carlo draws
data_dir: str = ""  # Input data directory ('' : MIGRATION_DATA_DIR, data/raw or the snapshot)

# %% tags=["remove-cell"]
# Check the parameters against notebooks/chapters.toml, as `migration-report run` does:
# a wrong type, a year without data or an unknown country stops here, naming it.
from analysis.pipeline.notebook import check_parameters

globals().update(check_parameters("talent", globals()))

# %% tags=["remove-cell"]
# Pick up edits to src/analysis without restarting the kernel (limits: docs/writing-a-chapter.md).
# %load_ext autoreload
# %autoreload 2

# %%
from analysis import plotting, talent
from analysis.export import display as show
from analysis.export.recorder import KeyFigures
from analysis.sources import provenance
from analysis.talent import chapter, figures, narrative
from analysis.talent.chapter import METHOD_NAMES
from analysis.talent.messages import talent_messages

plotting.set_theme()
prov = provenance("indicators", data_dir)
inputs = chapter.open_indicators(
    chapter.load(data_dir),
    year=year,
    countries=countries,
    indicators_path=indicators_path,
    mapping_path=mapping_path,
    source=prov.citation,
    vintage=prov.vintage,
)
iset, source, vintage = inputs.iset, inputs.source, inputs.vintage
results = chapter.compute_chapter(
    iset,
    weights=weights,
    normalisation=normalisation,
    aggregation=aggregation,
    n_draws=n_draws,
    seed=seed,
)
index, unc, alt = results.index, results.unc, results.alt
reference = f"{METHOD_NAMES[normalisation]}, {aggregation}"
kf = KeyFigures(source=source, vintage=vintage, fields=True)  # the key figures, by name (all their fields), for the key messages


# %%
show.prose(narrative.intro_text())
show.prose(narrative.source_text(inputs, int(year)))

# %% [markdown]
# ## Which dimensions the data cover

# %%
show.table(
    chapter.proxy_coverage(iset.dimensions, iset.labels).drop(columns="covered"),
    caption="ITA dimensions and the indicators standing in for them",
    source=source,
)
show.prose(narrative.coverage_text(iset.dimensions))
if not inputs.user_file:
    show.prose(narrative.PROXY_CAVEAT)
indicator_table, rationale_table = chapter.indicator_tables(iset, inputs.rationale)
show.table(
    indicator_table,
    caption="Indicators used: dimension, direction and data availability",
    source=source,
)
if rationale_table is not None:
    show.table(
        rationale_table, caption="Why each indicator stands for its dimension", source=source
    )
if not inputs.user_file:
    show.table(
        chapter.not_used_table(),
        caption="Canonical indicators not used as proxies, and why",
        source=source,
    )

# %%
show.prose(narrative.sample_text(index, iset.years, int(year)))

# %% [markdown]
# ## The index and its rank intervals

# %%
show.prose(narrative.method_text(unc, normalisation, aggregation))
if results.no_effect:
    show.prose(narrative.no_effect_text(results.no_effect))
table = chapter.ranking_table(results)
show.table(
    table.drop(columns="rank_interval_width"),
    index=True,
    caption="Talent attraction index: score, rank (1 = most attractive) and rank interval",
    source=source,
    formats={"score": "{:.3f}", "rank_median": "{:.1f}"},
    ref="ranking",
)
kf("talent_top_country", str(table.index[0]), "ISO-3",
   rank_p05=int(table["rank_p05"].iloc[0]), rank_p95=int(table["rank_p95"].iloc[0]))
kf("talent_countries", len(index), "countries")
show.prose(narrative.top_text(table))

# %%
p_lo, p_hi = (round(100 * q) for q in talent.RANK_QUANTILES)
show.figure(
    figures.rank_interval_figure(table, reference=reference),
    caption=f"Rank intervals: {p_lo}th to {p_hi}th percentile of the simulated ranks",
    source=source,
    alt=figures.rank_interval_alt(table),
    ref="intervals",
)
# None when every interval is a single rank: then no country has a "widest" interval.
widest, widest_width, interval = chapter.widest_interval(unc)
widest = kf("talent_rank_interval_widest", widest, "ISO-3", width=widest_width, **interval)

# %% [markdown]
# ## Dimension sub-scores

# %%
show.figure(
    figures.subscore_heatmap(index, table.index),
    caption=(
        f"Dimension sub-scores ({METHOD_NAMES[normalisation]} normalisation, {aggregation} "
        "mean); dimensions without an indicator are not shown"
    ),
    source=source,
    alt=figures.heatmap_alt(index),
    ref="subscores",
)
show.prose(narrative.best_by_dimension_text(index))

# %% [markdown]
# ## How the ranks change with the method

# %%
show.table(
    chapter.method_table(alt, table.index),
    index=True,
    caption="Rank under each normalisation and aggregation (same weights), and the spread",
    source=source,
    ref="methods",
)
kf("talent_method_max_shift", int(chapter.method_table(alt, table.index)["rank_range"].max()),
   "ranks")
show.prose(narrative.method_change_text(alt, unc, widest))
show.key_messages(talent_messages(kf))

# %% [markdown]
# ## Data and methods
#
# Reading the index:
#
# - The index is only as good as its proxies. Dimensions with no indicator are simply absent, and
#   a dimension measured by a single population-wide series (for example total unemployment for
#   the quality of opportunities) can misrepresent conditions for highly educated migrants.
# - Net migration per head, where used, is an outcome of attractiveness rather than a driver; it
#   is kept as a revealed-preference signal and should be read with that circularity in mind.
# - Net migration also moves with refugee flows (such as those from Ukraine into central Europe),
#   which say little about the pull for talent; check the future-prospects sub-scores with that in
#   mind.
# - Min-max scores depend on the set of countries: adding or removing a country changes every
#   other country's score, though usually not the order.
# - Rank intervals show sensitivity to weights and methods only; they do not include sampling or
#   measurement error in the indicators themselves.
