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
from analysis import trends as tr
from analysis.countries import country_name
from analysis.export import display as show
from analysis.export import numbers as nf
from analysis.export.recorder import KeyFigures
from analysis.plotting import set_theme
from analysis.sources import provenance
from analysis.trends import chapter as tc
from analysis.trends import figures as tf
from analysis.trends.messages import trends_messages

set_theme()
prov = {t: provenance(t, data_dir) for t in tr.CHAPTER_TABLES}
src = {t: p.citation for t, p in prov.items()}
kf = KeyFigures(provenance=prov)  # the key figures, by name, for the key messages


data = tc.load(data_dir)
view = tc.prepare(data, year=year, base_year=base_year, codes=region)
det_all, det, asylum, displaced = view.detections_all, view.detections, view.asylum, view.displaced
stock, indicators = data["migrant_stock"], data["indicators"]
first, last, months, codes, scope = view.first, view.last, view.months, view.codes, view.people
pct = tr.table_formats(year, base_year)
show.prose(view.intro)

# %% [markdown]
# ## 1. International migrants
#
# UN DESA estimates the number of people living outside their country of birth (or citizenship)
# at mid-year, every five years. With a region selected, migrants born in the region are counted
# and their share is relative to the region's own population.

# %%
over = tr.stock_over_time(stock, indicators, codes)
stock_year = kf("migrant_stock_year", tr.latest_year(over["year"], year), "year",
                "migrant_stock")
now = over.set_index("year").loc[stock_year]
world = kf("migrant_stock_world", int(now["migrants"]), "persons", "migrant_stock")
share = kf("migrant_stock_share_pct", 100 * float(now["share"]), "percent", "migrant_stock")
denominator = "world population" if codes is None else "population of the origin countries"
born = "" if codes is None else f" born in {scope}"
show.prose(f"In {stock_year}, the latest stock year not after {year}, there were "
           f"{nf.count(world)} international migrants{born}, {nf.pct(share)} of the "
           f"{denominator}.")
show.figure(tf.stock_figure(over, denominator), ref="stock",
            caption=f"International migrants and their share of the {denominator}, "
            f"{over['year'].min()}–{over['year'].max()}", source=f"{src['migrant_stock']}; "
            f"{src['indicators']}", alt=f"International migrants rose from "
            f"{nf.count(over['migrants'].iloc[0])} in {over['year'].iloc[0]} to "
            f"{nf.count(world)} in {stock_year}, {nf.pct(share)} of the {denominator}.")

# %%
origins = tr.top_origins(stock, stock_year, top_n, codes)
dests = tr.top_destinations(stock, stock_year, top_n, codes)
top_origin = kf("emigrants_top_origin", origins["origin"].iloc[0], "ISO-3", "migrant_stock")
top_value = kf("emigrants_top_origin_value", int(origins["migrants"].iloc[0]), "persons",
               "migrant_stock")
show.prose(f"{country_name(top_origin)} was the largest country of origin in {stock_year} with "
           f"{nf.count(top_value)} emigrants; {country_name(dests['destination'][0])} "
           f"hosted the most {'of these' if codes else 'international'} migrants "
           f"({nf.count(dests['millions'][0] * 1e6)}). Unknown origins are not ranked.")
show.figure(tf.ranked_figure([("Countries of origin", origins, "origin"),
                              ("Countries of destination", dests, "destination")],
                             "millions", "Migrants (millions)"),
            caption=f"Top {top_n} countries of origin and destination of international "
            f"migrants, {stock_year}", source=src["migrant_stock"],
            alt=f"{country_name(top_origin)} is the largest country of origin "
            f"({nf.count(top_value)} emigrants) and {country_name(dests['destination'][0])} "
            f"the largest destination ({nf.count(dests['millions'][0] * 1e6)} migrants), "
            f"{stock_year}.")

# %% [markdown]
# ## 2. Irregular border crossings
#
# Frontex counts *detections* of illegal border crossings at the EU external border, not persons: one person crossing twice is counted twice.

# %%
annual = tr.annual_by_route(det)
same = tr.annual_by_route(det, through_month=months)
shift = tr.route_shift(same, year, base_year)
total = kf("detections_total", tr.total_detections(same, year), "detections", "detections")
total_base = kf("detections_total_base", tr.total_detections(same, base_year), "detections",
                "detections")
change = kf("detections_change_pct", tr.pct_change(total, total_base), "percent", "detections")
largest = kf("route_largest_increase", tr.largest_increase(shift), "route", "detections")
largest_pct = kf("route_largest_increase_pct", float(shift.set_index("route").loc[
    largest, "change_pct"]) if largest else None, "percent", "detections")
show.prose(f"{nf.count(total)} detections were recorded in {year}"
           f"{' (partial year)' * (months < 12)}, against {nf.count(total_base)} in "
           f"{base_year} ({nf.pct_change(change)}). The largest percentage increase among "
           f"routes with at least {nf.count(tr.MIN_BASE_DETECTIONS)} detections in "
           f"{base_year} was on the {largest or 'no route'}"
           f"{f' ({nf.pct_change(largest_pct)})' if largest else ''}.")
start = max(first, min(2014, year - 2))
moved = tf.routes_changed_most(shift)
show.figure(tf.routes_figure(annual, start, year, moved), ref="routes",
            caption=f"Detections of illegal border crossings by route, {start}–{year}"
            f"{' (last year partial)' * (months < 12)}; the {len(moved)} routes that changed "
            f"most between {base_year} and {year} in colour", source=src["detections"],
            alt=f"Detections {'fell' if change < 0 else 'rose'} "
            f"{nf.pct(abs(change))} to {nf.count(total)} in {year}; the routes that changed "
            "most: " + "; ".join(
                f"{r} {nf.pct_change(shift.set_index('route').loc[r, 'change_pct'])}"
                for r in moved) + ".")

# %%
series = tr.monthly_totals(det, f"{start}-01", min(f"{year}-12", det_all["month"].max()))
if len(series) >= 24:
    parts = tr.seasonal_decomposition(series).reset_index()
    swing = tr.seasonal_amplitude(parts)
    show.prose(f"Detections follow the seasons: in the last twelve months shown they swing "
               f"about {nf.count(swing)} a month above and below their trend.")
    show.figure(tf.stl_figure(parts), caption="Monthly detections with their trend, seasonal "
                f"pattern and remainder, {series.index.min():%b %Y}–{series.index.max():%b %Y}",
                source=src["detections"], alt=f"Monthly detections from "
                f"{series.index.min():%B %Y} to {series.index.max():%B %Y}; the seasonal "
                f"pattern swings about {nf.count(swing)} a month around the trend.")
# The pandemic block: only when the years compared include 2020 and the data cover it.
shock = (tr.shock_change(series) if base_year <= 2020 <= year and tr.shock_estimable(series)
         else None)
if shock is not None:
    show.prose(f"After March 2020 the mean monthly number of detections was "
               f"{nf.count(shock['observed_mean'][0])}: {nf.pct_change(shock['change_pct'][0])}"
               f" against the months before and {nf.pct_change(shock['change_pct'][1])} "
               "against the trend.")
    show.table(shock, caption="Change in monthly detections after March 2020",
               source=src["detections"], formats=pct | {"observed_mean": "count",
                                                        "expected_mean": "count"})

# %%
nats = tr.top_nationalities(det, year, 3, through_month=months)
show.table(tr.label_years(nats, year, base_year, "nationality"), source=src["detections"],
           caption=f"Top three nationalities on each route, {year}", formats=pct)
show.table(tr.label_years(shift.drop(columns="change"), year, base_year), ref="route_shift",
           caption=f"Detections by route, {year} against {base_year}",
           source=src["detections"], formats=pct)

# %% [markdown]
# ## 3. Asylum
#
# First-time asylum applicants in the EU: EU totals are Eurostat's EU27 aggregate (27 member
# states, available from 2013); destinations are the member states.

# %%
eu = tr.asylum_eu_by_year(asylum)
eu_by_year = eu.set_index("year")["applicants"]
eu_total = kf("asylum_applications_eu27", eu_by_year.get(year), "persons", "asylum")
if eu_total is None:
    show.prose(f"Eurostat's EU27 aggregate has no data for {year}.")
else:
    versus = (f", {nf.pct_change(tr.pct_change(eu_total, eu_by_year[base_year]))} against "
              f"{base_year}" if base_year in eu_by_year else "")
    show.prose(f"{nf.count(eu_total)} first-time asylum applications were lodged in the EU in "
               f"{year}{versus}.")
    show.figure(tf.eu_asylum_figure(eu, year), ref="eu_asylum",
                caption=f"First-time asylum applicants in the EU27 by year, {year} highlighted",
                source=src["asylum"], alt=f"{nf.count(eu_total)} first-time asylum applicants "
                f"in the EU27 in {year}{versus}; the highest year shown was "
                f"{int(eu.loc[eu['year'] <= year].set_index('year')['applicants'].idxmax())}.")

# %%
dest = tr.asylum_destinations(asylum, indicators, year, base_year, top_n)
top_dest = kf("asylum_top_destination", dest["destination"].iloc[0] if len(dest) else None,
              "ISO-3", "asylum")
top_dest_value = kf("asylum_top_destination_value", int(dest["applicants"].iloc[0])
                    if len(dest) else None, "persons", "asylum")
if top_dest is None:
    show.prose(f"The asylum data have no applications by member state for {year}.")
else:
    show.prose(f"{country_name(top_dest)} received the most first-time applications in {year} "
               f"({nf.count(top_dest_value)}; {nf.number(dest['per_100k'][0])} per 100,000 "
               f"inhabitants, population of {dest.attrs['population_year']}).")
    show.figure(tf.asylum_destinations_figure(dest, year), ref="destinations",
                caption=f"Main EU asylum destinations: the {len(dest)} member states with the "
                f"most first-time asylum applicants, {year}", source=src["asylum"],
                alt=f"{country_name(top_dest)} received the most first-time asylum "
                f"applications in {year} ({nf.count(top_dest_value)}), followed by "
                + ", ".join(f"{country_name(c)} ({nf.count(v)})" for c, v in
                            dest[["destination", "applicants"]].iloc[1:3].itertuples(
                                index=False)) + ".")
    show.table(tr.label_years(dest.drop(columns="change"), year, base_year, "destination"),
               formats=pct, caption=f"Top {top_n} member states by first-time asylum "
               f"applicants, {year} against {base_year}; per 100,000 inhabitants",
               source=f"{src['asylum']}; {src['indicators']}")
cit = tr.top_citizenships(asylum, year, base_year, top_n)
if len(cit):
    show.table(tr.label_years(cit.drop(columns="change", errors="ignore"), year, base_year,
                              "citizenship"), formats=pct,
               caption=f"Top {top_n} citizenships of first-time asylum applicants in the EU27, "
               f"{year} against {base_year}", source=src["asylum"])
dual = tr.dual_chart_data(eu, tr.annual_totals(same), [base_year, year])
show.figure(tf.dual_figure(dual), caption=f"EU27 first-time asylum applications and detections "
            f"of illegal border crossings, {base_year} and {year}"
            f"{' (detections: same months)' * (months < 12)}",
            source=f"{src['asylum']}; {src['detections']}",
            alt=f"In {year}, {nf.count(total)} detections of illegal border crossings and "
            f"{nf.count(eu_total) if eu_total is not None else 'no recorded'} first-time "
            "asylum applications, against " + nf.count(total_base) + f" detections in "
            f"{base_year}.")

# %% [markdown]
# ## 4. Forcibly displaced people
#
# Refugees and asylum seekers under UNHCR's mandate at year end, by country of asylum (host) and
# country of origin.

# %%
d_years = data["displaced"]["year"]
d_year = tr.latest_year(d_years.unique(), year)
if d_year != year:
    show.prose(f"UNHCR data cover {d_years.min()}–{d_years.max()}: {year} is not available, "
               f"{d_year} is shown instead.")
hosts = tr.displaced_by(displaced, d_year, "asylum_country", top_n)
homes = tr.displaced_by(displaced, d_year, "origin", top_n)
everyone = tr.displaced_by(displaced, d_year, "asylum_country", None)
refugees = kf("refugees_total", int(everyone["refugee"].sum()), "persons", "displaced")
seekers = kf("asylum_seekers_total", int(everyone["asylum"].sum()), "persons", "displaced")
host = country_name(hosts["asylum_country"][0]) if len(hosts) else "no country"
show.prose(f"At the end of {d_year}, {nf.count(refugees)} refugees and {nf.count(seekers)} "
           f"asylum seekers were counted; {host} hosted the most.")
show.figure(tf.ranked_figure([("Host countries", hosts, "asylum_country"),
                              ("Countries of origin", homes, "origin")],
                             "total", "Refugees and asylum seekers (millions)", scale=1e-6),
            caption="Refugees and asylum seekers by host country and country of origin, end "
            f"of {d_year}", source=src["displaced"],
            alt=f"{host} hosted the most refugees and asylum seekers at the end of {d_year} "
            f"({nf.count(hosts['total'][0]) if len(hosts) else 0}); "
            f"{country_name(homes['origin'][0]) if len(homes) else 'no country'} was the "
            f"largest country of origin ({nf.count(homes['total'][0]) if len(homes) else 0}).")

# %% [markdown]
# ## 5. Claims register
#
# Statements of the report, each tested against the data of the year it is about.

# %%
claims_year = tr.CLAIMS_YEAR
if first < claims_year <= last:  # the claims are about one year: test them on its data
    c_months = tr.months_covered(det_all, claims_year)
    c_shift = tr.route_shift(tr.annual_by_route(det, through_month=c_months), claims_year,
                             claims_year - 1)
    c_series = tr.monthly_totals(det, f"{claims_year - 1}-01", f"{claims_year}-12")
    c_shock = tr.shock_change(c_series) if tr.shock_estimable(c_series) else None
    claims = tr.claims_register(c_shift, claims_year, claims_year - 1, eu, c_shock)
    other = f", not the report year {year}" if year != claims_year else ""
    show.prose(f"The claims come from the {tr.CLAIMS_PUBLICATION} and are about {claims_year}; "
               f"they are tested on the data for {claims_year} against {claims_year - 1}"
               f"{other}.")
    show.table(claims.drop(columns="publication"), ref="claims",
               caption=f"Claims of the {tr.CLAIMS_PUBLICATION}, tested on the data for "
               f"{claims_year} against {claims_year - 1}",
               source=f"{src['detections']}; {src['asylum']}")
    decided = claims[claims["verdict"] != tr.NOT_TESTABLE]
    kf("claims_tested", len(decided), "claims", "detections")
    kf("claims_supported", int((decided["verdict"] == tr.SUPPORTED).sum()), "claims",
       "detections")
else:
    claims = None
    show.prose(f"The claims of the {tr.CLAIMS_PUBLICATION} are about {claims_year}, which "
               f"these data ({first}–{last}) do not cover with its year before.")
show.key_messages(trends_messages(kf, year=year, base_year=base_year, stock_year=stock_year,
                                  claims=claims, claims_year=claims_year))

# %% [markdown]
# ## Data and methods
#
# - **Migrants.** UN DESA's international migrant stock at mid-year, every five years; the latest stock year not after the report year is used. Shares are of the world population (World Bank), or, with a region chosen, of the region's own population.
# - **Detections.** Frontex counts detections of illegal border crossings, not persons. A partial last year is compared with the same months of the year before. The route that grew most is chosen among routes with at least 1,000 detections in the comparison year.
# - **Seasonal pattern.** The monthly series is split into trend, seasonal pattern and remainder by a robust STL decomposition with a period of twelve months.
# - **Pandemic change.** When the years compared include 2020, the mean monthly detections after March 2020 are compared with the months before and with the STL trend extended from before March 2020.
# - **Asylum.** Eurostat's first-time asylum applicants; EU totals are the EU27 aggregate (from 2013), destinations the member states; rates per 100,000 use the population of the latest year available.
# - **Refugees.** Refugees and asylum seekers under UNHCR's mandate at the end of the year.
# - **Claims.** Each claim is tested with a stated rule on the data of the year it is about; a claim about causes cannot be tested with these data.
