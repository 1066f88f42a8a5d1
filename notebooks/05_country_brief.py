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
import matplotlib.pyplot as plt
import seaborn as sns

from analysis import remittances as rm
from analysis import trends as tr
from analysis.countries import country_name
from analysis.export import display as show
from analysis.plotting import PALETTE, set_theme, thousands
from analysis.sources import load_table, provenance

set_theme()
country = tr.country_code(country)
name = country_name(country)
prov = {t: provenance(t, data_dir) for t in tr.CHAPTER_TABLES}
det, asylum, stock, ind, displaced = (load_table(t, data_dir) for t in tr.CHAPTER_TABLES)
first, last = tr.available_years(det)
if not first <= year <= last:
    raise ValueError(f"year={year} is outside the detections data ({first}-{last})")
base_year, months = year - 1, tr.months_covered(det, year)


def rec(key, value, unit, table, **extra):  # a key figure, with its dataset and vintage
    return show.record(f"brief_{key}", value, unit=unit, vintage=prov[table].vintage,
                       source=f"{prov[table].producer}, {prov[table].dataset}", **extra)


def top_text(frame, col, value, k=3):  # "Saudi Arabia (1,483,737; 23.4%), ..."
    return ", ".join(f"{country_name(r[col])} ({r[value]:,}; {r['share']:.1%})"
                     for _, r in frame.head(k).iterrows())


def usd(x):
    return f"US$ {x / 1e9:,.2f} billion" if x >= 1e9 else f"US$ {x / 1e6:,.1f} million"


# %% [markdown]
# ## 1. Emigrants
#
# UN DESA estimates the people born in (or citizens of) the country who live abroad at mid-year,
# every five years; the latest stock year not after the report year is used.

# %%
stock_year = tr.latest_year(stock["year"].unique(), year)
over = tr.stock_over_time(stock, ind, [country]).set_index("year")
emigrants = rec("emigrants", int(over["migrants"].get(stock_year, 0)), "persons",
                "migrant_stock", stock_year=stock_year)
dests = tr.top_destinations(stock, stock_year, 10, [country])
top_dest = rec("top_destination", dests["destination"].iloc[0] if len(dests) else None, "ISO-3",
               "migrant_stock", stock_year=stock_year)
if top_dest is None:
    show.prose(f"UN DESA records no emigrants from {name} in {stock_year}, the latest stock "
               f"year not after {year}.")
else:
    rate = over["share"].get(stock_year, float("nan"))
    show.prose(f"In {stock_year}, the latest UN DESA stock year not after {year}, "
               f"{emigrants:,} emigrants from {name} lived abroad"
               f"{f' ({rate:.1%} of its population)' if rate == rate else ''}. The largest "
               f"numbers lived in {top_text(dests, 'destination', 'migrants')}.")
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(dests) + 1.2))
    shares = dests.assign(name=dests["destination"].map(country_name), pct=100 * dests["share"])
    sns.barplot(shares, x="pct", y="name", color=PALETTE[0], ax=ax).set(xlabel="%", ylabel="")
    show.figure(fig, caption=f"Top {len(dests)} countries of destination of emigrants from "
                f"{name}, {stock_year}: % of all its emigrants",
                source=prov["migrant_stock"].citation,
                alt=f"Horizontal bar chart of the share of emigrants from {name} living in each "
                f"country, largest {country_name(top_dest)}.")

# %% [markdown]
# ## 2. Asylum applications in the EU
#
# First-time asylum applicants who are citizens of the country: the EU total is Eurostat's EU27
# aggregate; destinations are the member states.

# %%
eu = tr.asylum_eu_by_year(tr.filter_codes(asylum, "citizenship", [country]))
by_year, eu_years = eu.set_index("year")["applicants"], tr.asylum_eu_by_year(asylum)["year"]
applied = rec("asylum_applications_eu27", int(by_year.get(year, 0))
              if len(eu) and year in set(eu_years) else None, "persons", "asylum")
dest = tr.citizenship_destinations(asylum, ind, country, year, base_year, 5)
if not applied:  # None (no data for the year) or 0
    show.prose(f"Eurostat's EU27 aggregate ({eu_years.min()}-{eu_years.max()}) holds no "
               f"first-time asylum applicants with citizenship of {name} for {year}.")
else:
    where = f" Most applied in {top_text(dest, 'destination', 'applicants')}." if len(dest) else ""
    show.prose(f"{applied:,} citizens of {name} lodged a first-time "
               f"asylum application in the EU27 in {year} ({by_year.get(base_year, 0):,} in "
               f"{base_year}).{where}")
    show.table(tr.label_years(dest[["destination", "applicants_base", "applicants",
                                    "change_pct", "share"]], year, base_year, "destination"),
               caption=f"Top member states of first-time asylum applications by citizens of "
               f"{name}, {year} against {base_year}", source=prov["asylum"].citation,
               formats=tr.table_formats(year, base_year))
if len(eu):
    fig, ax = plt.subplots()
    sns.barplot(eu[eu["year"] <= year], x="year", y="applicants", color=PALETTE[0], ax=ax)
    thousands(ax)
    show.figure(fig, caption=f"First-time asylum applicants in the EU27 with citizenship of "
                f"{name}, by year", source=prov["asylum"].citation, alt=f"Bar chart of first-time "
                f"asylum applications by citizens of {name} in the EU27 per year.")

# %% [markdown]
# ## 3. Detections at the EU external border
#
# Frontex counts *detections* of illegal border crossings by nationality and route, not persons.

# %%
routes = tr.nationality_routes(det, country, year, base_year, months)
detected = rec("detections", int(routes["detections"].sum()), "detections", "detections",
               months=months)
partial = f" (first {months} months; the data end in {det['month'].max()})" * (months < 12)
n_base = int(routes["detections_base"].sum())
versus = (f", against {n_base:,} in {base_year}" + f" ({tr.pct_change(detected, n_base):+.1f}%)"
          * (n_base > 0) if base_year >= first
          else f" (the data start in {first}: {base_year} is not covered)")
if routes.empty:
    show.prose(f"Frontex recorded no detections of nationals of {name} in {base_year} or "
               f"{year}{partial}.")
else:
    show.prose(f"{detected:,} detections of nationals of {name} were recorded at the EU external "
               f"border in {year}{partial}{versus}. The main route in {year} was the "
               f"{routes['route'][0]} ({routes['share'][0]:.1%}).")
    show.table(tr.label_years(routes, year, base_year), source=prov["detections"].citation,
               caption=f"Detections of nationals of {name} by route, {year} against "
               f"{base_year}{partial}{versus * (base_year < first)}",
               formats=tr.table_formats(year, base_year))

# %% [markdown]
# ## 4. Remittances received against trend
#
# Personal remittances received (World Bank, current US$). As in the remittances chapter, a trend
# model is fitted to the logarithm of the series before the report year and forecasts it; the
# model (random walk with drift, Holt, or damped Holt) is chosen by a rolling-origin backtest.

# %%
reported = rm.reported_years(ind, country)
cf = rm.country_counterfactual(ind, country, year)
row = None if cf is None else cf.table.set_index("series").loc[country]
fitted = row is not None and row["forecast"] == row["forecast"]
received = rec("remittances_usd", None if row is None else row["actual"], "US$ (current)",
               "indicators", year=year)
vs_trend = rec("remittances_vs_trend_pct", row["vs_trend_pct"] if fitted else None, "percent",
               "indicators", **({"ci_low": row["vs_low_pct"], "ci_high": row["vs_high_pct"],
                                 "model": row["model"]} if fitted else {}))
if row is None:
    show.prose(f"No remittances received by {name} are recorded for {year}" + (
        f"; its series has data for {reported[0]}-{reported[-1]} ({len(reported)} years)."
        if reported else " or any other year (not reported, or recorded as zero)."))
elif not fitted:
    show.prose(f"{name} received {usd(received)} in {year}; its series before {year} is too "
               "short for a trend forecast.")
else:
    show.prose(f"{name} received **{usd(received)}** in {year}. Fitted on {cf.trend_start}-"
               f"{year - 1}, the model chosen by backtest ({rm.MODELS[row['model']]}) forecast "
               f"{usd(row['forecast'])} ({1 - cf.alpha:.0%} prediction interval {usd(row['lower'])}"
               f" to {usd(row['upper'])}): the actual value was **{vs_trend:+.1f}%** against the "
               f"trend, {row['position']} the interval. In its {row['n_backtest']} backtest "
               f"forecasts the model missed by {row['mape_pct']:.1f}% on average. The world total "
               f"({len(cf.world_countries)} countries reporting every year) was "
               f"{cf.world['vs_trend_pct']:+.1f}% against its own trend.")
    show.figure(rm.plot_country_trend(cf, ind, country), source=prov["indicators"].citation,
                caption=f"Remittances received by {name}, {cf.trend_start}-{year}, with the "
                f"{year} trend forecast ({row['model']} model)",
                alt=f"Line chart of remittances received by {name} with a forecast point for "
                f"{year} and its interval; the actual value is {row['position']} it.")

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
hosted = rec("refugees_hosted", tr.displaced_total(displaced, country, d_year, "host"),
             "persons", "displaced", year=d_year)
abroad = rec("refugees_originating", tr.displaced_total(displaced, country, d_year, "origin"),
             "persons", "displaced", year=d_year)
origins = tr.displaced_partners(displaced, country, d_year, "host", 5)
hosts = tr.displaced_partners(displaced, country, d_year, "origin", 5)
came = f", mainly from {top_text(origins, 'origin', 'total')}" * bool(len(origins))
went = f", mainly in {top_text(hosts, 'asylum_country', 'total')}" * bool(len(hosts))
show.prose(f"At the end of {d_year}, {name} hosted {f'{hosted:,}' if hosted else 'no'} refugees "
           f"and asylum seekers{came}; {f'{abroad:,}' if abroad else 'none'} from {name} were "
           f"counted abroad{went}.")
for frame, col, what in ((origins, "origin", f"hosted by {name}, by country of origin"),
                         (hosts, "asylum_country", f"from {name}, by country of asylum")):
    if len(frame):
        shown = frame.rename(columns={"refugee": "refugees", "asylum": "asylum seekers"})
        show.table(tr.label_years(shown, d_year, d_year, col), source=prov["displaced"].citation,
                   caption=f"Refugees and asylum seekers {what}, end of {d_year}",
                   formats={"share": "{:.1%}"})
