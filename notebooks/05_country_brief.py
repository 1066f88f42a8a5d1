# %% [markdown]
# # Country brief
#
# One country at a glance: its emigrants, its citizens' asylum applications in the EU, detections
# of its nationals at the EU external border, the remittances it receives against their trend, and
# the refugees it hosts and produces, computed with the same functions as the chapters.

# %% tags=["parameters"]
country: str = "PAK"  # One country (ISO-3 code)
year: int = 2020  # Report year (base year: year - 1)
data_dir: str = ""  # Input data directory ('' : MIGRATION_DATA_DIR, data/raw or the snapshot)

# %% tags=["remove-cell"]
# Check the parameters against notebooks/chapters.toml, as `migration-report run` does:
# a wrong type, a year without data or an unknown country stops here, naming it.
from analysis.pipeline.notebook import check_parameters

globals().update(check_parameters("country_brief", globals()))

# %% tags=["remove-cell"]
# Pick up edits to src/analysis without restarting the kernel (limits: docs/writing-a-chapter.md).
# %load_ext autoreload
# %autoreload 2

# %%
from analysis import remittances as rm
from analysis import trends as tr
from analysis.countries import country_name
from analysis.export import display as show
from analysis.export import numbers as nf
from analysis.export.recorder import KeyFigures
from analysis.plotting import set_theme
from analysis.sources import provenance
from analysis.trends import chapter as tc
from analysis.trends import figures as tf
from analysis.trends.messages import brief_messages

set_theme()
name = country_name(country)
show.title(f"Country brief: {name}, {year}")
prov = {t: provenance(t, data_dir) for t in tr.CHAPTER_TABLES}
data = tc.load(data_dir)
view = tc.prepare(data, year=year, base_year=year - 1)  # the brief compares with the year before
det, asylum, displaced = view.detections_all, view.asylum, view.displaced
stock, ind = data["migrant_stock"], data["indicators"]
first, base_year, months = view.first, view.base_year, view.months
kf = KeyFigures(provenance=prov, prefix="brief_")  # the key figures, by name, for the key messages
top_text = tc.top_text  # "Saudi Arabia (1,483,737; 23.4 %), …"

# %% [markdown]
# ## 1. Emigrants
#
# UN DESA estimates the people born in (or citizens of) the country who live abroad at mid-year,
# every five years; the latest stock year not after the report year is used.

# %%
stock_year = tr.latest_year(stock["year"].unique(), year)
over = tr.stock_over_time(stock, ind, [country]).set_index("year")
emigrants = kf("emigrants", int(over["migrants"].get(stock_year, 0)), "persons",
               "migrant_stock", stock_year=stock_year)
dests = tr.top_destinations(stock, stock_year, 10, [country])
top_dest = kf("top_destination", dests["destination"].iloc[0] if len(dests) else None, "ISO-3",
              "migrant_stock", stock_year=stock_year)
if top_dest is None:
    show.prose(f"UN DESA records no emigrants from {name} in {stock_year}, the latest stock "
               f"year not after {year}.")
else:
    rate = over["share"].get(stock_year, float("nan"))
    show.prose(f"In {stock_year}, the latest UN DESA stock year not after {year}, "
               f"{nf.count(emigrants)} emigrants from {name} lived abroad"
               f"{f' ({nf.share(rate)} of its population)' if rate == rate else ''}. The largest "
               f"numbers lived in {top_text(dests, 'destination', 'migrants')}.")
    show.figure(tf.share_bars_figure(dests, "destination", "% of all its emigrants"),
                ref="emigrants", caption=f"Top {len(dests)} countries of destination of emigrants from "
                f"{name}, {stock_year}: % of all its emigrants",
                source=prov["migrant_stock"].citation,
                alt=f"Most emigrants from {name} lived in {top_text(dests, 'destination', 'migrants')}"
                f" in {stock_year}.")

# %% [markdown]
# ## 2. Asylum applications in the EU
#
# First-time asylum applicants who are citizens of the country: the EU total is Eurostat's EU27
# aggregate; destinations are the member states.

# %%
eu = tr.asylum_eu_by_year(tr.filter_codes(asylum, "citizenship", [country]))
by_year, eu_years = eu.set_index("year")["applicants"], tr.asylum_eu_by_year(asylum)["year"]
applied = kf("asylum_applications_eu27", int(by_year.get(year, 0))
             if len(eu) and year in set(eu_years) else None, "persons", "asylum")
dest = tr.citizenship_destinations(asylum, ind, country, year, base_year, 5)
if not applied:  # None (no data for the year) or 0
    show.prose(f"Eurostat's EU27 aggregate ({eu_years.min()}-{eu_years.max()}) holds no "
               f"first-time asylum applicants with citizenship of {name} for {year}.")
else:
    where = f" Most applied in {top_text(dest, 'destination', 'applicants')}." if len(dest) else ""
    show.prose(f"{nf.count(applied)} citizens of {name} lodged a first-time "
               f"asylum application in the EU27 in {year} ({nf.count(by_year.get(base_year, 0))} in "
               f"{base_year}).{where}")
    show.table(tr.label_years(dest[["destination", "applicants_base", "applicants",
                                    "change_pct", "share"]], year, base_year, "destination"),
               caption=f"Top member states of first-time asylum applications by citizens of "
               f"{name}, {year} against {base_year}", source=prov["asylum"].citation,
               formats=tr.table_formats(year, base_year), ref="asylum_destinations")
if len(eu):
    shown = eu[eu["year"] <= year].set_index("year")["applicants"]
    show.figure(tf.eu_asylum_figure(eu, year), ref="asylum",
                caption=f"First-time asylum applicants in the EU27 with citizenship of "
                f"{name}, by year, {year} highlighted", source=prov["asylum"].citation,
                alt=f"{nf.count(int(shown.get(year, 0)))} citizens of {name} applied for asylum "
                f"in the EU27 for the first time in {year}; the most in one year was "
                f"{nf.count(int(shown.max()))} in {int(shown.idxmax())}.")

# %% [markdown]
# ## 3. Detections at the EU external border
#
# Frontex counts *detections* of illegal border crossings by nationality and route, not persons.

# %%
routes = tr.nationality_routes(det, country, year, base_year, months)
detected = kf("detections", int(routes["detections"].sum()), "detections", "detections",
              months=months)
partial = f" (first {months} months; the data end in {det['month'].max()})" * (months < 12)
n_base = int(routes["detections_base"].sum())
versus = (f", against {nf.count(n_base)} in {base_year}"
          + f" ({nf.pct_change(tr.pct_change(detected, n_base))})"
          * (n_base > 0) if base_year >= first
          else f" (the data start in {first}: {base_year} is not covered)")
if routes.empty:
    show.prose(f"Frontex recorded no detections of nationals of {name} in {base_year} or "
               f"{year}{partial}.")
else:
    show.prose(f"{nf.count(detected)} detections of nationals of {name} were recorded at the EU "
               f"external border in {year}{partial}{versus}. The main route in {year} was the "
               f"{routes['route'][0]} ({nf.share(routes['share'][0])}).")
    show.table(tr.label_years(routes, year, base_year), source=prov["detections"].citation,
               caption=f"Detections of nationals of {name} by route, {year} against "
               f"{base_year}{partial}{versus * (base_year < first)}",
               formats=tr.table_formats(year, base_year), ref="detections")

# %% [markdown]
# ## 4. Remittances received against trend
#
# Personal remittances received (World Bank, current US$), compared with the range expected from
# the trend of the years before, as in the remittances chapter (see Data and methods).

# %%
reported = rm.reported_years(ind, country)
cf = rm.country_counterfactual(ind, country, year)
row = None if cf is None else cf.table.set_index("series").loc[country]
fitted = row is not None and row["forecast"] == row["forecast"]
received = kf("remittances_usd", None if row is None else row["actual"], "US$ (current)",
              "indicators", year=year)
vs_trend = kf("remittances_vs_trend_pct", row["vs_trend_pct"] if fitted else None, "percent",
              "indicators", **({"ci_low": row["vs_low_pct"], "ci_high": row["vs_high_pct"],
                                 "model": row["model"], "position": row["position"]}
                                if fitted else {}))
cov = cf.coverage() if cf is not None else {"pct": None, "n": 0}
coverage = kf("remittances_backtest_coverage_pct", cov["pct"] if fitted else None, "percent",
              "indicators", forecasts=cov["n"] if fitted else 0)
if row is None:
    show.prose(f"No remittances received by {name} are recorded for {year}" + (
        f"; its series has data for {reported[0]}-{reported[-1]} ({len(reported)} years)."
        if reported else " or any other year (not reported, or recorded as zero)."))
elif not fitted:
    show.prose(f"{name} received {nf.money(received)} in {year}; its series before {year} is too "
               "short for a trend forecast.")
else:
    mine = cf.coverage(world=False)
    show.prose(f"{name} received **{nf.money(received)}** in {year}. The trend of "
               f"{cf.trend_start}–{year - 1} forecast {nf.money(row['forecast'])} "
               f"({1 - cf.alpha:.0%} prediction interval {nf.money(row['lower'])} to "
               f"{nf.money(row['upper'])}): the actual value was **{nf.pct_change(vs_trend)}** "
               f"against the trend, **{rm.verdict(row['position'], cf.trend_start, year)}**. In "
               f"past years the same kind of forecast missed by {nf.pct(row['mape_pct'])} on "
               f"average, and its interval held the actual value {mine['hits']} times out of "
               f"{mine['n']} ({cov['hits']} of {cov['n']}, {nf.pct(coverage)}, together with the "
               f"world's). The world total ({len(cf.world_countries)} countries reporting every "
               f"year) was {nf.pct_change(cf.world['vs_trend_pct'])} against its own trend, "
               f"{rm.verdict(cf.world['position'], cf.trend_start, year)}.")
    show.figure(rm.plot_country_trend(cf, ind, country), source=prov["indicators"].citation,
                ref="remittances",
                caption=f"Remittances received by {name}, {cf.trend_start}–{year}, with the "
                f"{year} trend forecast and its {1 - cf.alpha:.0%} prediction interval",
                alt=f"{name} received {nf.money(received)} in {year}, "
                f"{nf.pct_change(vs_trend)} against the trend forecast of "
                f"{nf.money(row['forecast'])}, "
                f"{rm.verdict(row['position'], cf.trend_start, year)}.")

# %% [markdown]
# ## 5. Refugees hosted and refugees from the country
#
# Refugees and asylum seekers under UNHCR's mandate at year end.

# %%
d_year = tr.latest_year(displaced["year"].unique(), year)
if d_year is None:
    raise ValueError(f"year={year} is before the UNHCR data ({displaced['year'].min()}-)")
if d_year != year:
    show.prose(f"UNHCR data end in {d_year}: {d_year} is shown instead of {year}.")
hosted = kf("refugees_hosted", tr.displaced_total(displaced, country, d_year, "host"),
            "persons", "displaced", year=d_year)
abroad = kf("refugees_originating", tr.displaced_total(displaced, country, d_year, "origin"),
            "persons", "displaced", year=d_year)
origins = tr.displaced_partners(displaced, country, d_year, "host", 5)
hosts = tr.displaced_partners(displaced, country, d_year, "origin", 5)
came = f", mainly from {top_text(origins, 'origin', 'total')}" * bool(len(origins))
went = f", mainly in {top_text(hosts, 'asylum_country', 'total')}" * bool(len(hosts))
show.prose(f"At the end of {d_year}, {name} hosted {nf.count(hosted) if hosted else 'no'} "
           f"refugees and asylum seekers{came}; {nf.count(abroad) if abroad else 'none'} from "
           f"{name} were counted abroad{went}.")
for frame, col, what, ref in (
        (origins, "origin", f"hosted by {name}, by country of origin", "refugees"),
        (hosts, "asylum_country", f"from {name}, by country of asylum", "refugees_abroad")):
    if len(frame):
        shown = frame.rename(columns={"refugee": "refugees", "asylum": "asylum seekers"})
        show.table(tr.label_years(shown, d_year, d_year, col), source=prov["displaced"].citation,
                   caption=f"Refugees and asylum seekers {what}, end of {d_year}",
                   formats={"share": "share"}, ref=ref)
show.key_messages(brief_messages(kf, name=name, year=year, stock_year=stock_year,
                                 d_year=d_year))

# %% [markdown]
# ## Data and methods
#
# - **Emigrants.** UN DESA's international migrant stock by country of origin, the latest stock year not after the report year.
# - **Asylum.** Eurostat's first-time asylum applicants; the EU total is the EU27 aggregate, destinations are the member states.
# - **Detections.** Frontex detections of illegal border crossings by nationality and route (detections, not persons); a partial year is compared with the same months.
# - **Remittances trend.** A trend model is fitted to the logarithm of the series before the report year and forecasts it; the model (random walk with drift, Holt, or damped Holt) is chosen by a rolling-origin backtest on its errors and on how often its 95 % intervals held the actual value, as in the remittances chapter. The intervals include the uncertainty of the estimated trend: exact for the random walk with drift, calibrated by simulation and refitting for the smoothing models.
# - **Refugees.** Refugees and asylum seekers under UNHCR's mandate at year end.
