# %% [markdown]
# # Remittances: levels, dependence and the 2020 shock
#
# How much money migrants send home, who receives and who sends it, how dependent economies are on
# it, and whether the year of the pandemic broke the trend, with a check of a widely quoted claim.

# %% tags=["parameters"]
year: int = 2020  # Report year
countries: str = "partner_countries"  # Countries for the counterfactual
trend_start: int = 2010  # First year of the pre-shock trend
top_n: int = 10  # Length of top-N lists
data_dir: str = ""  # Input data directory ('' : MIGRATION_DATA_DIR, data/raw or the snapshot)

# %% tags=["remove-cell"]
# Check the parameters against notebooks/chapters.toml, as `migration-report run` does:
# a wrong type, a year without data or an unknown country stops here, naming it.
from analysis.pipeline.notebook import check_parameters

globals().update(check_parameters("remittances", globals()))

# %% tags=["remove-cell"]
# Pick up edits to src/analysis without restarting the kernel (limits: docs/writing-a-chapter.md).
# %load_ext autoreload
# %autoreload 2

# %%
from analysis import remittances as rm
from analysis.countries import country_name
from analysis.export import display as show
from analysis.export import numbers as nf
from analysis.export.recorder import KeyFigures
from analysis.plotting import set_theme
from analysis.remittances import chapter as rc
from analysis.remittances.messages import remittances_messages
from analysis.sources import provenance

set_theme()
show.title(f"Remittances in {year}: levels, dependence and the year against its trend")
tables = rc.load(data_dir)
ind = tables["indicators"]
prov = provenance("indicators", data_dir)
src_in = f"{prov.citation}; personal remittances received"
src_out = f"{prov.citation}; personal remittances paid"
codes = rc.chapter_countries(tables, countries, trend_start, year)
kf = KeyFigures(source=src_in, vintage=prov.vintage)  # the key figures, by name, for the key messages


# %% [markdown]
# ## 1. Remittances received and paid
#
# Personal remittances are the money and goods that migrants send to households in their country
# of origin, plus the pay of seasonal and other short-term workers abroad, in current US dollars.
# The World Bank series has no world aggregate here, so the world total is a sum over the
# countries that report a value; countries the source records as exactly zero in every year are
# counted as not reporting.

# %%
wt_in = rm.world_total(ind, year, rm.RECEIVED)
wt_out = rm.world_total(ind, year, rm.PAID)
world_total = kf("remittances_world_total", wt_in.total, "US$ (current)", year=year,
                 countries=wt_in.n_countries)
counted = kf("remittances_countries_counted", wt_in.n_countries, "countries", year=year)
show.record("remittances_world_paid_total", wt_out.total, unit="US$ (current)", source=src_out,
            vintage=prov.vintage, year=year, countries=wt_out.n_countries)
show.prose(
    f"In {year}, the {nf.count(counted)} countries that report remittances received got "
    f"**{nf.money(world_total)}**. Large economies missing from that sum: "
    f"{wt_in.missing_names}. The {nf.count(wt_out.n_countries)} countries that report "
    f"remittances paid sent {nf.money(wt_out.total)}; missing senders: {wt_out.missing_names}. "
    "Received and paid totals differ because many countries report only one side and "
    "because of recording gaps between sending and receiving countries."
)

# %%
top_in = rm.top_countries(ind, year, rm.RECEIVED, top_n)
top_out = rm.top_countries(ind, year, rm.PAID, top_n)
top_recipient = kf("remittances_top_recipient", top_in["country"].iloc[0], "ISO-3", year=year)
top_value = kf("remittances_top_recipient_value", float(top_in["value"].iloc[0]),
               "US$ (current)", year=year)
show.prose(
    f"The largest recipient was **{country_name(top_recipient)}** with "
    f"{nf.money(top_value)} ({nf.share(top_in['share'].iloc[0])} of the world total), "
    f"the largest sender {top_out['name'].iloc[0]} with {nf.money(top_out['value'].iloc[0])}."
)
show.figure(
    rm.plot_top(top_in, top_out, year), ref="top",
    caption=f"The {top_n} largest recipients and senders of personal remittances, {year}",
    source=f"{src_in}; {src_out}",
    alt=(f"{country_name(top_recipient)} received the most ({nf.money(top_value)}), followed "
         f"by {', '.join(top_in['name'].iloc[1:3])}; {top_out['name'].iloc[0]} sent the most "
         f"({nf.money(top_out['value'].iloc[0])})."),
)
table = top_in.merge(top_out, on="rank", suffixes=(" received", " paid"))
table = table.drop(columns=["country received", "country paid"])
show.table(table, caption=f"Top {top_n} recipients and senders, {year}",
           source=f"{src_in}; {src_out}",
           formats={"value received": "money", "value paid": "money",
                    "share received": "share", "share paid": "share"})

# %%
dep = rm.dependence(ind, year, n=top_n)
dep_sel = rm.dependence(ind, year, n=None, countries=codes)
show.prose(
    f"Measured against the size of the economy, remittances matter most to small and "
    f"emigration economies: in {dep['name'].iloc[0]} they equalled "
    f"{nf.share(dep['share'].iloc[0])} of GDP in {year}. Among the selected countries the most "
    f"dependent was {dep_sel['name'].iloc[0]} ({nf.share(dep_sel['share'].iloc[0])})."
    if len(dep_sel) else
    f"In {dep['name'].iloc[0]} remittances equalled {nf.share(dep['share'].iloc[0])} of GDP."
)
show.figure(
    rm.plot_dependence(dep, year), ref="dependence",
    caption=f"The {top_n} countries most dependent on remittances: received as % of GDP, {year}",
    source=f"{src_in}; GDP (current US$)",
    alt=f"Remittances equalled {nf.share(dep['share'].iloc[0])} of GDP in "
        f"{dep['name'].iloc[0]}, the most dependent economy in {year}, down to "
        f"{nf.share(dep['share'].iloc[-1])} in {dep['name'].iloc[-1]}, tenth.",
)
show.table(dep_sel.drop(columns="country"),
           caption=f"Remittances received as share of GDP, selected countries, {year}",
           source=f"{src_in}; GDP (current US$)",
           formats={"remittances": "money", "gdp": "money", "share": "share"},
           labels={"remittances": "Remittances received", "gdp": "GDP",
                   "share": "Share of GDP"})

# %% [markdown]
# ## 2. Change against the year before
#
# A world change is computed only on the countries that report in both years, so that countries
# entering or leaving the data do not appear as growth or decline.

# %%
wc = rm.world_change(ind, year)
change = kf("remittances_world_change_pct", wc.change_pct, "percent", year=year,
            base_year=wc.base_year, countries=wc.n_countries)
show.prose(
    f"On the {nf.count(wc.n_countries)} countries with data in both {wc.base_year} and {year}, "
    f"remittances received went from {nf.money(wc.base_value)} to {nf.money(wc.value)}, a "
    f"change of **{nf.pct_change(change)}**. Left out because they report in only one of the "
    f"two years: {', '.join(map(country_name, wc.only_one_year)) or 'none'}."
)
cc = rm.country_change(ind, year, codes)
show.table(cc.drop(columns="country"), ref="change",
           caption=f"Remittances received, selected countries, {wc.base_year} and {year}",
           source=src_in, formats={"base": "money", "value": "money", "change": "money",
                                   "change_pct": "pct_change"},
           labels={"base": str(wc.base_year), "value": str(year)})

# %% [markdown]
# ## 3. Was the year off trend?
#
# What would remittances have been had they followed their earlier trend? For the world and for
# each selected country, a trend fitted to the years before the report year gives a forecast and
# a 95 % prediction interval, the range expected from the earlier trend; the actual value is
# compared with them. How the trend is chosen, and how often such intervals held the actual
# value in past years, is described under Data and methods.

# %%
cf = rm.counterfactual(ind, codes, year, trend_start)
w = cf.world
level = 1 - cf.alpha
vs_trend = kf("remittances_vs_trend_pct", w["vs_trend_pct"], "percent", year=year,
              ci_low=w["vs_low_pct"], ci_high=w["vs_high_pct"], forecast=w["forecast"],
              forecast_low=w["lower"], forecast_high=w["upper"], model=cf.world_model,
              countries=len(cf.world_countries), position=w["position"])
mape = kf("remittances_backtest_mape_pct", w["mape_pct"], "percent", model=cf.world_model,
          origins=f"{year - 5}-{year - 1}")
cov = cf.coverage()
coverage = kf("remittances_backtest_coverage_pct", cov["pct"], "percent",
              forecasts=cov["n"], ci_low=cov["low"], ci_high=cov["high"], level=level,
              origins=f"{year - 5}-{year - 1}", world_model=cf.world_model,
              country_model=cf.country_model)
show.prose(
    f"**World.** On the {nf.count(len(cf.world_countries))} countries reporting in every year "
    f"{trend_start}–{year}, the trend forecast for {year} was {nf.money(w['forecast'])} "
    f"({level:.0%} prediction interval {nf.money(w['lower'])} to {nf.money(w['upper'])}); the "
    f"actual value was {nf.money(w['actual'])}, **{nf.pct_change(vs_trend)}** against the "
    f"forecast and **{rm.verdict(w['position'], trend_start, year)}**. In past years the "
    f"same kind of forecast missed the world total by {nf.pct(mape)} on average, and such "
    f"intervals held the actual value in {cov['hits']} of {cov['n']} forecasts "
    f"({nf.pct(coverage)}), so they can be read "
    + ("at face value." if cov["low"] <= level * 100 <= cov["high"] else
       "as too narrow." if cov["high"] < level * 100 else "as, if anything, cautious.")
)

# %%
show.figure(
    rm.plot_world_trend(cf), ref="world_trend",
    caption=(f"Remittances received, {len(cf.world_countries)} countries reporting every year "
             f"{trend_start}–{year}, with the {year} trend forecast"),
    source=src_in,
    alt=(f"World remittances received were {nf.money(w['actual'])} in {year}, "
         f"{nf.pct_change(vs_trend)} against the trend forecast of {nf.money(w['forecast'])}, "
         f"{rm.verdict(w['position'], trend_start, year)}."),
)
sel = cf.table[cf.table["series"] != rm.WORLD]

show.figure(
    rm.plot_counterfactual(cf), ref="countries_trend",
    caption=f"Actual remittances received in {year} against the trend forecast, in %",
    source=src_in,
    alt=(f"Of {len(sel)} selected countries, {int(sel['position'].eq('inside').sum())} lie "
         f"inside the range expected from their trend; below it: {rc.names_at(sel, 'below')}; "
         f"above it: {rc.names_at(sel, 'above')}."),
)
shown = cf.table[["name", "actual", "forecast", "lower", "upper", "vs_trend_pct", "position"]]
show.table(shown, caption=f"Remittances received in {year}: actual against trend forecast, "
                          f"with the {level:.0%} prediction interval",
           source=src_in, formats={"actual": "money", "forecast": "money", "lower": "money",
                                   "upper": "money", "vs_trend_pct": "pct_change"},
           labels={"name": "Series", "vs_trend_pct": "Against trend",
                   "position": "Against the range expected"})
show.prose(
    f"Of the {len(sel)} selected countries, {int(sel['position'].eq('inside').sum())} lie "
    f"inside the range expected from their {trend_start}–{year - 1} trend; below it: "
    f"{rc.names_at(sel, 'below')}; above it: {rc.names_at(sel, 'above')}."
)

# %% [markdown]
# ## 4. Claims register
#
# Statements about remittances quoted in policy documents, each tested on the data of the year it
# is about. The world change is computed as in section 2, on the countries reporting in both
# years.

# %%
claims = rm.claims_register(ind)
show.table(claims, ref="claims", caption="Claims about remittances, tested on the data of the "
           "year each is about", source=src_in,
           formats={"claimed_pct": "pct_change", "computed_pct": "pct_change",
                    "difference_pp": "pp", "year": "{:d}"},
           labels={"year": "Tested on data for"})
c = claims.iloc[0]
claim_pct = kf("remittances_claim_computed_pct", float(c["computed_pct"]), "percent",
               year=int(c["year"]), claim=c["claim"], verdict=c["verdict"])
other = f" (not the report year {year})" if int(c["year"]) != year else ""
show.prose(
    f"The claim \"{c['claim']}\" ({c['publication']}) is **{c['verdict']}**: the data for "
    f"{int(c['year'])}{other} show a change of {nf.pct_change(claim_pct)}."
    + (" A fall of that size resembles projections made early in the pandemic; the recorded "
       "flows held up." if c["verdict"] == "contradicted" else "")
    + (" Section 3 measures the shortfall against the earlier trend instead."
       if year == int(c["year"]) else "")
)
show.key_messages(remittances_messages(kf, year=year, base_year=wc.base_year, claims=claims,
                                       level=level, verdict=rm.verdict(w["position"], trend_start, year)))

# %% [markdown]
# ## Data and methods
#
# - **Data.** Personal remittances received and paid (World Bank, current US dollars); the world
#   total is a sum over the countries that report a value; countries recorded as exactly zero in
#   every year count as not reporting.
# - **Trend models.** Three candidate models are fitted to the logarithm of remittances before
#   the report year: a random walk with drift (which extends the average past yearly growth
#   rate), Holt's linear trend (exponential smoothing with an additive trend) and its damped
#   variant. Each is tested by a rolling-origin backtest (fitted on the data up to a year,
#   forecasting the next, the origin moving one year at a time), which measures the mean
#   absolute percentage error (MAPE) and the coverage, the share of actual values inside their
#   95 % interval. A model whose intervals held the actual value significantly less often than
#   95 % of the time (one-sided binomial test at 5 %), or whose fits mostly collapsed to a fixed
#   line, is not used; among the others the one with the lowest MAPE is. The world uses its own
#   backtest; the selected countries share one model chosen on their pooled backtest forecasts.
#   The world series is a balanced panel: the countries reporting in every year of the window.
# - **Intervals.** With about ten yearly points the estimated growth rate is itself uncertain,
#   and the intervals include that uncertainty: for the random walk with drift the interval is
#   exact (a Student-t interval that widens for the error of the estimated growth rate); for the
#   two smoothing models it is calibrated by simulating the fitted model and refitting it many
#   times. Intervals are back-transformed from logs (the point forecast is the median). Where a
#   country's series has a gap, the random walk measures the change across the gap and counts
#   it as that many years of drift and noise; no value is imputed (the smoothing models need
#   consecutive years and are not fitted on such a series).
# - **Not covered.** Values are in current US dollars: exchange-rate movements and inflation are
#   not removed. Recorded remittances miss informal channels (cash carried, hawala); a shift
#   between informal and formal channels, as reported during the pandemic's travel
#   restrictions, can show up as a change in recorded flows without a change in the money sent.
#   The counterfactual is a statistical trend, not a causal estimate: it does not model migrant
#   employment, oil prices or exchange rates in the sending countries.

# %%
pw, pc = cf.summary(world=True), cf.summary(world=False)
ets = cf.backtests[(cf.backtests["model"] != "drift") & cf.backtests["forecast"].notna()]

show.prose(
    f"**Model choice.** Backtest origins {year - 5}–{year - 1}, each model fitted from "
    f"{trend_start}, so on {year - 5 - trend_start} to {year - 1 - trend_start} yearly points. "
    f"World, over the {pw['forecasts'].max()} forecasts every model could make: "
    f"{rc.model_scores(pw)}; "
    f"used: **{rm.MODELS[cf.world_model]}**. Selected countries, pooled over "
    f"{pc['forecasts'].max() if len(pc) else 0} forecasts: {rc.model_scores(pc)}; used: "
    f"**{rm.MODELS[cf.country_model]}**. With so few points the smoothing models have little "
    f"to learn from: in {ets['deterministic'].sum()} of their {len(ets)} backtest fits both "
    "smoothing weights were estimated at zero, which makes the model a fixed straight line."
)
show.prose(
    f"**How far the intervals can be trusted.** Over the {cov['n']} backtest forecasts of the "
    f"models used (world and selected countries), the actual value fell inside the "
    f"{level:.0%} prediction interval in {nf.pct(coverage)} of cases ({cov['hits']} of "
    f"{cov['n']}; with so few forecasts, anything from {nf.pct(cov['low'], decimals=0)} to "
    f"{nf.pct(cov['high'], decimals=0)} is consistent with that)."
)
show.table(cf.model_table(), caption=(
    f"Backtest by model, origins {year - 5}–{year - 1}: error, coverage of the "
    f"{level:.0%} intervals and mean interval width (as a share of the forecast), over the "
    "forecasts every model could make"), source=src_in,
    formats={"mape_pct": "pct", "coverage_pct": "pct", "width_pct": "pct"})
mape_table = cf.mape.rename(index=lambda c: "World" if c == "WLD" else country_name(c))
show.table(mape_table, index=True, caption=(
    f"Backtest error (MAPE) by series and model, origins {year - 5}–{year - 1}"),
    source=src_in, formats={m: "pct" for m in cf.mape.columns},
    labels={"series": "Series"})
