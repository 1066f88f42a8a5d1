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
from analysis.plotting import set_theme
from analysis.sources import load_table, provenance

set_theme()
show.title(f"Remittances in {year}: levels, dependence and the year against its trend")
ind = load_table("indicators", data_dir)
prov = provenance("indicators", data_dir)
src_in = f"{prov.citation}; personal remittances received, BX.TRF.PWKR.CD.DT"
src_out = f"{prov.citation}; personal remittances paid, BM.TRF.PWKR.CD.DT"
codes = rm.select_countries(countries, ind, trend_start, year)


def rec(name, value, unit, **extra):
    return show.record(name, value, unit=unit, source=src_in, vintage=prov.vintage, **extra)


def bn(x):
    return f"US$ {x / 1e9:,.1f} billion"


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
world_total = rec("remittances_world_total", wt_in.total, "US$ (current)", year=year,
                  countries=wt_in.n_countries)
counted = rec("remittances_countries_counted", wt_in.n_countries, "countries", year=year)
show.record("remittances_world_paid_total", wt_out.total, unit="US$ (current)", source=src_out,
            vintage=prov.vintage, year=year, countries=wt_out.n_countries)
show.prose(
    f"In {year}, the {counted:,} countries that report remittances received got "
    f"**{bn(world_total)}**. Large economies missing from that sum: {wt_in.missing_names}. "
    f"The {wt_out.n_countries:,} countries that report remittances paid sent {bn(wt_out.total)}; "
    f"missing senders: {wt_out.missing_names}. Received and paid totals differ because many "
    "countries report only one side and because of recording gaps between sending and "
    "receiving countries."
)

# %%
top_in = rm.top_countries(ind, year, rm.RECEIVED, top_n)
top_out = rm.top_countries(ind, year, rm.PAID, top_n)
top_recipient = rec("remittances_top_recipient", top_in["country"].iloc[0], "ISO-3", year=year)
show.prose(
    f"The largest recipient was **{country_name(top_recipient)}** with "
    f"{bn(top_in['value'].iloc[0])} ({top_in['share'].iloc[0]:.1%} of the world total), "
    f"the largest sender {top_out['name'].iloc[0]} with {bn(top_out['value'].iloc[0])}."
)
show.figure(
    rm.plot_top(top_in, top_out, year),
    caption=f"The {top_n} largest recipients and senders of personal remittances, {year}",
    source=f"{src_in}; {src_out}",
    alt=(f"Two horizontal bar charts. Received: {', '.join(top_in['name'])}. "
         f"Paid: {', '.join(top_out['name'])}."),
)
table = top_in.merge(top_out, on="rank", suffixes=(" received", " paid"))
table = table.drop(columns=["country received", "country paid"])
show.table(table, caption=f"Top {top_n} recipients and senders, {year} (US$)",
           source=f"{src_in}; {src_out}",
           formats={"share received": "{:.1%}", "share paid": "{:.1%}"})

# %%
dep = rm.dependence(ind, year, n=top_n)
dep_sel = rm.dependence(ind, year, n=None, countries=codes)
show.prose(
    f"Measured against the size of the economy, remittances matter most to small and "
    f"emigration economies: in {dep['name'].iloc[0]} they equalled "
    f"{dep['share'].iloc[0]:.1%} of GDP in {year}. Among the selected countries the most "
    f"dependent was {dep_sel['name'].iloc[0]} ({dep_sel['share'].iloc[0]:.1%})."
    if len(dep_sel) else
    f"In {dep['name'].iloc[0]} remittances equalled {dep['share'].iloc[0]:.1%} of GDP."
)
show.figure(
    rm.plot_dependence(dep, year),
    caption=f"The {top_n} countries most dependent on remittances: received as % of GDP, {year}",
    source=f"{src_in}; GDP (current US$), NY.GDP.MKTP.CD",
    alt=f"Horizontal bar chart of remittances as share of GDP, from {dep['name'].iloc[0]} "
        f"({dep['share'].iloc[0]:.1%}) down to {dep['name'].iloc[-1]} "
        f"({dep['share'].iloc[-1]:.1%}).",
)
show.table(dep_sel, caption=f"Remittances received as share of GDP, selected countries, {year}",
           source=f"{src_in}; GDP (current US$), NY.GDP.MKTP.CD", formats={"share": "{:.1%}"})

# %% [markdown]
# ## 2. Change against the year before
#
# A world change is computed only on the countries that report in both years, so that countries
# entering or leaving the data do not appear as growth or decline.

# %%
wc = rm.world_change(ind, year)
change = rec("remittances_world_change_pct", wc.change_pct, "percent", year=year,
             base_year=wc.base_year, countries=wc.n_countries)
show.prose(
    f"On the {wc.n_countries:,} countries with data in both {wc.base_year} and {year}, "
    f"remittances received went from {bn(wc.base_value)} to {bn(wc.value)}, a change of "
    f"**{change:+.1f} %**. Left out because they report in only one of the two years: "
    f"{', '.join(wc.only_one_year) or 'none'}."
)
cc = rm.country_change(ind, year, codes)
show.table(cc, caption=f"Remittances received, selected countries, {wc.base_year} and {year}",
           source=src_in, formats={"change_pct": "{:+.1f}"})

# %% [markdown]
# ## 3. Was the year off trend? A counterfactual
#
# What would remittances have been had they followed their earlier trend? For the world and for
# each selected country a time-series model is fitted to the logarithm of remittances received
# before the report year and forecasts the report year; the actual value is then compared with
# the forecast and its prediction interval. The world series here is a balanced panel (the
# countries reporting in every year of the window) so that the trend is not moved by countries
# entering the data.
#
# Three candidate models are compared: a random walk with drift (an ARIMA model of the yearly
# log changes with a constant only, which extends the average past growth rate), Holt's linear trend (ETS with additive trend) and
# its damped variant. Each is tested by a rolling-origin backtest: it is fitted on the data up to
# a year, forecasts the next, and the origin moves forward one year at a time. The model with the
# lowest mean absolute percentage error (MAPE) is used, among the models whose fits did not
# mostly collapse to a fixed line (a collapsed fit has an interval that does not reflect the
# uncertainty): for the world on its own backtest (so the
# world result does not depend on the countries selected), and for the countries on their
# backtest forecasts pooled, so that all of them share one model.

# %%
cf = rm.counterfactual(ind, codes, year, trend_start)
w = cf.world
level = 1 - cf.alpha
vs_trend = rec("remittances_vs_trend_pct", w["vs_trend_pct"], "percent", year=year,
               ci_low=w["vs_low_pct"], ci_high=w["vs_high_pct"], forecast=w["forecast"],
               forecast_low=w["lower"], forecast_high=w["upper"], model=cf.world_model,
               countries=len(cf.world_countries))
mape = rec("remittances_backtest_mape_pct", w["mape_pct"], "percent", model=cf.world_model,
           origins=f"{year - 5}-{year - 1}")
pw, pc = cf.pooled_mape(world=True), cf.pooled_mape(world=False)
ets = cf.backtests[(cf.backtests["model"] != "drift") & cf.backtests["forecast"].notna()]
show.prose(
    f"**Model choice.** Backtest origins {year - 5}-{year - 1}, each model fitted from "
    f"{trend_start}, so on {year - 5 - trend_start} to {year - 1 - trend_start} yearly points. "
    f"World, MAPE over the {pw.attrs['n']} forecasts every model could make: "
    + "; ".join(f"{m} {v:.1f} %" for m, v in pw.items())
    + f"; used: **{rm.MODELS[cf.world_model]}**. Selected countries, pooled over "
    f"{pc.attrs['n']} forecasts: " + "; ".join(f"{m} {v:.1f} %" for m, v in pc.items())
    + f"; used: **{rm.MODELS[cf.country_model]}**. "
    f"With so few points the ETS models have little to learn from: in {ets['deterministic'].sum()} "
    f"of their {len(ets)} backtest fits both smoothing weights were estimated at zero, which "
    "makes the model a fixed straight line whose interval does not widen with the horizon. "
    "The drift model estimates only a growth rate and a variance. All intervals come from the "
    "fitted model, back-transformed from logs (the point forecast is the median); they do not "
    "include the uncertainty of the estimated parameters and are therefore somewhat narrow."
)
show.prose(
    f"**World.** On the {len(cf.world_countries):,} countries reporting in every year "
    f"{trend_start}-{year}, the trend forecast for {year} was {bn(w['forecast'])} "
    f"({level:.0%} prediction interval {bn(w['lower'])} to {bn(w['upper'])}); the actual "
    f"value was {bn(w['actual'])}, **{vs_trend:+.1f} %** against the forecast, "
    f"{'outside' if w['outside'] else 'inside'} the interval. In its {w['n_backtest']} "
    f"backtest forecasts this model missed the world total by {mape:.1f} % on average, a "
    "yardstick for how far a single deviation from trend can be trusted."
)

# %%
show.figure(
    rm.plot_world_trend(cf),
    caption=(f"Remittances received, {len(cf.world_countries)} countries reporting every year "
             f"{trend_start}-{year}, with the {year} trend forecast ({cf.world_model} model)"),
    source=src_in,
    alt=(f"Line chart of world remittances received from {trend_start} to {year} with a "
         f"forecast point for {year} at {bn(w['forecast'])} and its {level:.0%} interval; the "
         f"actual value {bn(w['actual'])} is {'outside' if w['outside'] else 'inside'} it."),
)
out = cf.table[cf.table["outside"].fillna(False)]
show.figure(
    rm.plot_counterfactual(cf),
    caption=f"Actual remittances received in {year} against the trend forecast, in %",
    source=src_in,
    alt=(f"Dot plot of the deviation from trend for {len(cf.table)} series with interval bars; "
         f"outside the interval: {', '.join(out['name']) or 'none'}."),
)
shown = cf.table[["name", "actual", "forecast", "lower", "upper", "vs_trend_pct", "position",
                  "mape_pct"]]
show.table(shown, caption=f"Remittances received in {year}: actual against trend forecast "
                          f"({level:.0%} prediction interval, US$) and backtest MAPE of the model",
           source=src_in, formats={"vs_trend_pct": "{:+.1f}", "mape_pct": "{:.1f}"})
show.prose(
    f"Of the {len(cf.table) - 1} selected countries, {int(out['series'].ne('WLD').sum())} "
    f"lie outside their interval: {', '.join(out.loc[out['series'] != 'WLD', 'name']) or 'none'}."
)
mape_table = cf.mape.rename(index=lambda c: "World" if c == "WLD" else country_name(c))
show.table(mape_table, index=True, caption=(
    f"Backtest MAPE (%) by series and model, origins {year - 5}-{year - 1}"), source=src_in,
    formats={m: "{:.1f}" for m in cf.mape.columns})

# %% [markdown]
# ## 4. Claims register
#
# Statements about remittances quoted in policy documents, checked against the data. The world
# change is computed as in section 2, on the countries reporting in both years.

# %%
claims = rm.claims_register(ind)
show.table(claims, caption="Claims about remittances checked against the data", source=src_in,
           formats={"claimed_pct": "{:+.1f}", "computed_pct": "{:+.1f}",
                    "difference_pp": "{:+.1f}"})
c = claims.iloc[0]
show.prose(
    f"The claim \"{c['claim']}\" is **{c['verdict']}**: the reported data show a change of "
    f"{c['computed_pct']:+.1f} % ({c['basis']})."
    + (" A fall of that size resembles projections made early in the pandemic; the recorded "
       "flows held up." if c["verdict"] == "contradicted" else "")
    + (" Section 3 measures the shortfall against the earlier trend instead."
       if year == 2020 else "")
)

# %% [markdown]
# ## What this chapter leaves out
#
# - Values are in current US dollars: exchange-rate movements and inflation are not removed.
# - Recorded remittances miss informal channels (cash carried, hawala); a shift between informal
#   and formal channels, as reported during the pandemic's travel restrictions, can show up as a
#   change in recorded flows without a change in the money sent.
# - The counterfactual is a statistical trend, not a causal estimate: it does not model migrant
#   employment, oil prices or exchange rates in the sending countries.
