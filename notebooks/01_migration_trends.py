# %% [markdown]
# # Migration trends: routes, asylum and international migrants
#
# International migrants worldwide, irregular border crossings into the EU by route, first-time
# asylum applications in the EU and forcibly displaced people, with a register of the report's
# claims tested against the data.

# %% tags=["parameters"]
year: int = 2020  # Report year
base_year: int = 0  # Comparison year (0: year - 1)
region: str = ""  # Country group or ISO-3 codes ('' : all)
top_n: int = 10  # Length of top-N lists
data_dir: str = ""  # Input data directory ('' : MIGRATION_DATA_DIR, data/raw or the snapshot)

# %% tags=["remove-cell"]
# Check the parameters against notebooks/chapters.toml, as `migration-report run` does:
# a wrong type, a year without data or an unknown country stops here, naming it.
from analysis.pipeline.notebook import check_parameters

globals().update(check_parameters("trends", globals()))

# %% tags=["remove-cell"]
# Pick up edits to src/analysis without restarting the kernel (limits: docs/writing-a-chapter.md).
# %load_ext autoreload
# %autoreload 2

# %%
import matplotlib.pyplot as plt
import seaborn as sns

from analysis import trends as tr
from analysis.countries import country_name
from analysis.export import display as show
from analysis.plotting import PALETTE, set_theme, thousands
from analysis.sources import load_table, provenance

set_theme()
prov = {t: provenance(t, data_dir) for t in tr.CHAPTER_TABLES}
src = {t: p.citation for t, p in prov.items()}

def rec(name, value, unit, table):  # a key figure, with its dataset and vintage
    return show.record(name, value, unit=unit, vintage=prov[table].vintage,
                       source=f"{prov[table].producer}, {prov[table].dataset}")

def ranked(panels, x, xlabel, caption, source, alt, scale=1.0):
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.35 * top_n + 1.5), layout="constrained")
    for ax, (title, frame, col) in zip(axes, panels, strict=True):
        sns.barplot(frame.assign(name=frame[col].map(country_name)), x=x, y="name",
                    color=PALETTE[0], ax=ax)
        thousands(ax, axis="x", scale=scale, suffix=" m" if scale < 1 else "")
        ax.set(xlabel=xlabel, ylabel="", title=title)
    show.figure(fig, caption=caption, source=source, alt=alt)

data = {t: load_table(t, data_dir) for t in prov}
det_all, stock, indicators = data["detections"], data["migrant_stock"], data["indicators"]
first, last = tr.available_years(det_all)
base_year = tr.resolve_base_year(year, base_year, (first, last))
codes = tr.region_codes(region)
months = tr.months_covered(det_all, year)
det, asylum, displaced = (tr.filter_codes(data[t], col, codes) for t, col in (
    ("detections", "nationality"), ("asylum", "citizenship"), ("displaced", "origin")))
scope = "all countries" if codes is None else ", ".join(country_name(c) for c in codes)
pct = tr.table_formats(year, base_year)
partial = (f" The detections data end in {det_all['month'].max()}: {year} is a partial year, "
           f"compared with the same {months} months of {base_year}.") if months < 12 else ""
show.prose(f"Report year {year}, compared with {base_year}. People covered: {scope} "
           f"(by nationality, citizenship or country of origin).{partial}")

# %% [markdown]
# ## 1. International migrants
#
# UN DESA estimates the number of people living outside their country of birth (or citizenship)
# at mid-year, every five years. With a region selected, migrants born in the region are counted
# and their share is relative to the region's own population.

# %%
over = tr.stock_over_time(stock, indicators, codes)
stock_year = rec("migrant_stock_year", tr.latest_year(over["year"], year), "year",
                 "migrant_stock")
now = over.set_index("year").loc[stock_year]
world = rec("migrant_stock_world", int(now["migrants"]), "persons", "migrant_stock")
share = rec("migrant_stock_share_pct", 100 * float(now["share"]), "percent", "migrant_stock")
denominator = "world population" if codes is None else "population of the origin countries"
born = "" if codes is None else f" born in {scope}"
show.prose(f"In {stock_year}, the latest stock year not after {year}, there were "
           f"{world / 1e6:,.1f} million international migrants{born}, "
           f"{share:.2f}% of the {denominator} (population summed over "
           f"{int(now['population_countries'])} countries).")
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
sns.barplot(over, x="year", y="migrants", color=PALETTE[0], ax=axes[0]).set(
    xlabel="", ylabel="International migrants", title="Migrant stock")
thousands(axes[0], scale=1e-6, suffix=" m")
sns.lineplot(over.assign(pct=100 * over["share"]), x="year", y="pct", marker="o", ax=axes[1]).set(
    xlabel="", ylabel="% of population", title=f"Share of the {denominator}")
show.figure(fig, caption=f"International migrant stock and its share of the {denominator}, "
            f"{over['year'].min()}-{over['year'].max()}", source=f"{src['migrant_stock']}; "
            f"{src['indicators']}", alt="Bar chart of the number of international migrants "
            "per stock year and line chart of their share of the population.")

# %%
origins = tr.top_origins(stock, stock_year, top_n, codes)
dests = tr.top_destinations(stock, stock_year, top_n, codes)
top_origin = rec("emigrants_top_origin", origins["origin"].iloc[0], "ISO-3", "migrant_stock")
top_value = rec("emigrants_top_origin_value", int(origins["migrants"].iloc[0]), "persons",
                "migrant_stock")
show.prose(f"{country_name(top_origin)} was the largest country of origin in {stock_year} with "
           f"{top_value / 1e6:,.1f} million emigrants; {country_name(dests['destination'][0])} "
           f"hosted the most {'of these' if codes else 'international'} migrants "
           f"({dests['millions'][0]:,.1f} million). Unknown origins are not ranked.")
ranked([("Countries of origin", origins, "origin"),
        ("Countries of destination", dests, "destination")], "millions", "Migrants (millions)",
       f"Top {top_n} countries of origin and destination of international migrants, "
       f"{stock_year}", src["migrant_stock"],
       "Horizontal bar charts ranking countries by emigrants and by immigrants.")

# %% [markdown]
# ## 2. Irregular border crossings
#
# Frontex counts *detections* of illegal border crossings at the EU external border, not persons:
# one person crossing twice is counted twice.

# %%
annual = tr.annual_by_route(det)
same = tr.annual_by_route(det, through_month=months)
shift = tr.route_shift(same, year, base_year)
total = rec("detections_total", tr.total_detections(same, year), "detections", "detections")
total_base = rec("detections_total_base", tr.total_detections(same, base_year), "detections",
                 "detections")
change = rec("detections_change_pct", tr.pct_change(total, total_base), "percent", "detections")
largest = rec("route_largest_increase", tr.largest_increase(shift), "route", "detections")
show.prose(f"{total:,} detections were recorded in {year}{' (partial year)' * (months < 12)}, "
           f"against {total_base:,} in {base_year} ({change:+.1f}%). The largest percentage "
           f"increase among routes with at least {tr.MIN_BASE_DETECTIONS:,} detections in "
           f"{base_year} was on the {largest or 'no route'}.")
start = max(first, min(2014, year - 2))
fig, ax = plt.subplots(figsize=(10, 5))
sns.lineplot(annual[annual["year"].between(start, year)], x="year", y="detections",
             hue="route", marker="o", ax=ax).set(xlabel="", title="Detections by route")
thousands(ax)
ax.legend(title="", fontsize=8)
show.figure(fig, caption=f"Detections of illegal border crossings by route, {start}-{year}"
            f"{' (last year partial)' * (months < 12)}", source=src["detections"],
            alt="Line chart of yearly detections on each migration route.")

# %%
series = tr.monthly_totals(det, f"{start}-01", min(f"{year}-12", det_all["month"].max()))
if len(series) < 24:
    show.prose(f"With {len(series)} months the series is too short for a decomposition.")
else:
    parts = tr.seasonal_decomposition(series).reset_index()
    show.prose(f"A robust STL decomposition (period 12 months) splits the monthly series "
               f"into trend, seasonal pattern and remainder; in the last twelve months shown "
               f"the seasonal swing is about ±{tr.seasonal_amplitude(parts):,.0f} detections "
               "a month around the trend.")
    fig, axes = plt.subplots(3, 1, figsize=(10, 7), sharex=True)
    panels = {"Detections": ["observed", "trend"], "Seasonal": ["seasonal"], "Remainder": ["resid"]}
    for ax, (label, cols) in zip(axes, panels.items(), strict=True):
        sns.lineplot(parts.melt("month", cols), x="month", y="value", hue="variable", ax=ax,
                     legend=len(cols) > 1).set(ylabel=label, xlabel="")
        thousands(ax)
    show.figure(fig, caption="Monthly detections with STL trend, seasonal component and "
                f"remainder, {series.index.min():%b %Y}-{series.index.max():%b %Y}",
                source=src["detections"], alt="Three stacked line charts: monthly detections "
                "with trend, seasonal pattern, and remainder.")
shock = tr.shock_change(series) if tr.shock_estimable(series) else None
if shock is None:
    show.prose("The change around March 2020 is not estimated: the series does not cover it.")
else:
    show.prose(f"After March 2020 the mean monthly number of detections was "
               f"{shock['observed_mean'][0]:,.0f}: {shock['change_pct'][0]:+.1f}% and "
               f"{shock['change_pct'][1]:+.1f}% (method: {shock.attrs['method']}).")
    show.table(shock, caption="Change in monthly detections after March 2020",
               source=src["detections"], formats=pct)

# %%
nats = tr.top_nationalities(det, year, 3, through_month=months)
show.table(tr.label_years(nats, year, base_year, "nationality"), source=src["detections"],
           caption=f"Top three nationalities on each route, {year}", formats=pct)
show.table(tr.label_years(shift, year, base_year), caption=f"Route shift: detections by route, "
           f"{year} against {base_year}", source=src["detections"], formats=pct)

# %% [markdown]
# ## 3. Asylum
#
# First-time asylum applicants in the EU: EU totals are Eurostat's EU27 aggregate (27 member
# states, available from 2013); destinations are the member states.

# %%
eu = tr.asylum_eu_by_year(asylum)
eu_by_year = eu.set_index("year")["applicants"]
eu_total = rec("asylum_applications_eu27", eu_by_year.get(year), "persons", "asylum")
if eu_total is None:
    show.prose(f"Eurostat's EU27 aggregate has no data for {year}.")
else:
    versus = (f", {tr.pct_change(eu_total, eu_by_year[base_year]):+.1f}% against {base_year}"
              if base_year in eu_by_year else "")
    show.prose(f"{eu_total:,} first-time asylum applications were lodged in the EU in {year}"
               f"{versus}.")
fig, ax = plt.subplots()
sns.barplot(eu[eu["year"] <= year], x="year", y="applicants", color=PALETTE[0], ax=ax).set(
    xlabel="", ylabel="First-time applicants", title="First-time asylum applicants, EU27")
thousands(ax)
show.figure(fig, caption="First-time asylum applicants in the EU27 by year",
            source=src["asylum"], alt="Bar chart of first-time asylum applicants per year.")

# %%
dest = tr.asylum_destinations(asylum, indicators, year, base_year, top_n)
top_dest = rec("asylum_top_destination", dest["destination"].iloc[0] if len(dest) else None,
               "ISO-3", "asylum")
if top_dest is None:
    show.prose(f"The asylum data have no applications by member state for {year}.")
else:
    show.prose(f"{country_name(top_dest)} received the most first-time applications in {year} "
               f"({dest['applicants'][0]:,}; {dest['per_100k'][0]:,.0f} per 100,000 "
               f"inhabitants, population of {dest.attrs['population_year']}).")
    show.table(tr.label_years(dest, year, base_year, "destination"), formats=pct,
               caption=f"Top {top_n} member states by first-time asylum applicants, {year} "
               f"against {base_year}; per 100,000 inhabitants",
               source=f"{src['asylum']}; {src['indicators']}")
cit = tr.top_citizenships(asylum, year, base_year, top_n)
if len(cit):
    show.table(tr.label_years(cit, year, base_year, "citizenship"), formats=pct,
               caption=f"Top {top_n} citizenships of first-time asylum applicants in the EU27, "
               f"{year} against {base_year}", source=src["asylum"])
dual = tr.dual_chart_data(eu, tr.annual_totals(same), [base_year, year])
fig, ax = plt.subplots()
sns.barplot(dual.astype({"year": str}), x="measure", y="value", hue="year", ax=ax).set(
    xlabel="", ylabel="Number", title="Asylum applications and illegal border crossings")
thousands(ax)
show.figure(fig, caption=f"EU27 first-time asylum applications and detections of illegal border "
            f"crossings, {base_year} and {year}{' (detections: same months)' * (months < 12)}",
            source=f"{src['asylum']}; {src['detections']}", alt="Grouped bar chart of asylum "
            "applications and border-crossing detections in the two years.")

# %% [markdown]
# ## 4. Forcibly displaced people
#
# Refugees and asylum seekers under UNHCR's mandate at year end, by country of asylum (host) and
# country of origin.

# %%
d_years = data["displaced"]["year"]
d_year = tr.latest_year(d_years.unique(), year)
if d_year != year:
    show.prose(f"UNHCR data cover {d_years.min()}-{d_years.max()}: {year} is not available, "
               f"{d_year} is shown instead.")
hosts = tr.displaced_by(displaced, d_year, "asylum_country", top_n)
homes = tr.displaced_by(displaced, d_year, "origin", top_n)
everyone = tr.displaced_by(displaced, d_year, "asylum_country", None)
refugees = rec("refugees_total", int(everyone["refugee"].sum()), "persons", "displaced")
seekers = rec("asylum_seekers_total", int(everyone["asylum"].sum()), "persons", "displaced")
show.prose(f"At the end of {d_year}, {refugees / 1e6:,.2f} million refugees and "
           f"{seekers / 1e6:,.2f} million asylum seekers were counted; "
           f"{country_name(hosts['asylum_country'][0]) if len(hosts) else 'no country'} "
           "hosted the most.")
ranked([("Host countries", hosts, "asylum_country"), ("Countries of origin", homes, "origin")],
       "total", "Refugees and asylum seekers", "Refugees and asylum seekers by host country "
       f"and country of origin, end of {d_year}", src["displaced"],
       "Horizontal bar charts ranking host countries and countries of origin.", scale=1e-6)

# %% [markdown]
# ## 5. Claims register
#
# Statements as the narrative makes them, each tested against the data of this chapter.

# %%
claims = tr.claims_register(shift, year, base_year, eu, shock)
show.table(claims, caption=f"Claims register, {year} against {base_year}",
           source=f"{src['detections']}; {src['asylum']}")
