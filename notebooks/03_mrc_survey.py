# %% [markdown]
# # Migrant Resource Centre survey
#
# How aware are people who consider migrating of the legal ways to do so, where do they get their information, and how many pay recruitment fees? Design-based estimates from the survey named below (without a survey file, a clearly labelled **synthetic** survey of Afghanistan, Bangladesh and Pakistan).

# %% tags=["parameters"]
survey_path: str = ""  # Survey microdata (CSV, XLSX, SAV, DTA); '' : synthetic
codebook_path: str = ""  # YAML codebook; '' : synthetic
outcome: str = "aware_legal"  # Binary outcome variable
by: str = "country,gender,area"  # Breakdown variables
min_cell: int = 10  # Smallest publishable unweighted cell
level: float = 0.95  # Confidence level
seed: int = 20240601  # Seed of the synthetic survey
data_dir: str = ""  # Input data directory ('' : MIGRATION_DATA_DIR, data/raw or the snapshot)

# %% tags=["remove-cell"]
# Check the parameters against notebooks/chapters.toml, as `migration-report run` does:
# a wrong type, a year without data or an unknown country stops here, naming it.
from analysis.pipeline.notebook import check_parameters

globals().update(check_parameters("survey", globals()))

# %% tags=["remove-cell"]
# Pick up edits to src/analysis without restarting the kernel (limits: docs/writing-a-chapter.md).
# %load_ext autoreload
# %autoreload 2

# %%
from analysis.export import display as show
from analysis.export import numbers as nf
from analysis.plotting import set_theme
from analysis.survey import ModelNotIdentified, survey_logit, weighted_crosstab, weighted_proportion
from analysis.survey.chapter import design_summary, open_survey, sample_size
from analysis.survey.claims import evaluate_claims, fmt_ci, fmt_pct, unaware_share
from analysis.survey.disclosure import SuppressionLog, for_display, lines_for, select_comments
from analysis.survey.figures import pointrange_figure
from analysis.survey.messages import survey_messages

set_theme()
survey = open_survey(survey_path, codebook_path, seed=seed)
show.title(survey.title)
df, design = survey.data, survey.design
wanted_by = by  # a list of variable names (typed by the check cell)
by_cols = survey.check(outcome=outcome, by=wanted_by)
log = SuppressionLog(min_cell)
pct = "{:.1%}"
ci_label = f"{level:.0%} CI"
asked = survey.codebook.variable(outcome).label  # the question, for readers
kf = {}  # the key figures, by name, for the key messages
show.prose(f"**{survey.title}.** {survey.notice}")
if len(by_cols) < len(wanted_by):
    show.prose(survey.lacks(f"The breakdown by {', '.join(wanted_by)}", *wanted_by))

# %% [markdown]
# ## Sample and design
#
# Who was interviewed, how many, and how many adults each group of respondents stands for. How the estimates take the sample design into account is described under Data and methods.

# %%
size = sample_size(df, **design)
kf["respondents"] = respondents = show.record("respondents", size["respondents"], unit="persons",
                          source=survey.source, vintage=survey.vintage)
kf["psus"] = psus = show.record("psus", size["psus"], unit="PSUs", source=survey.source,
                   vintage=survey.vintage)
summary = log.apply(design_summary(df, **design), lines=[[]])
show.table(
    for_display(summary, columns={"stratum": "Stratum", "n": "Respondents", "psus": "PSUs",
                                  "population": "Adults represented (sum of weights)",
                                  "weight_cv": "CV of weights",
                                  "deff_weights": "Design effect of weighting"},
                formats={"population": "{:,.0f}", "weight_cv": "{:.2f}",
                         "deff_weights": "{:.2f}"}),
    caption=survey.caption("Sample and weights by stratum"), source=survey.source,
    ref="sample")
main_by = "country" if survey.has("country") else (by_cols[0] if by_cols else None)
aware_main = log.apply(
    weighted_proportion(df, outcome, by=main_by, level=level, **design),
    lines=lines_for([main_by] if main_by else []))
shown = aware_main[~aware_main["suppressed"]]
design_text = f"The analysis uses {respondents:,} respondents in {psus:,} sampled villages and urban blocks (PSUs) and {size['strata']:,} strata."
if len(shown):
    effective = (shown["n"] / shown["deff"]).astype(float)
    design_text += (
        f" For the answer to “{asked}” by {main_by or 'the whole sample'} the design effects range from "
        f"{shown['deff'].min():.1f} to {shown['deff'].max():.1f}: each estimate is as precise "
        f"as a simple random sample of roughly {effective.min():,.0f} to {effective.max():,.0f} "
        "people would be.")
show.prose(design_text)

# %% [markdown]
# ## Awareness of legal migration options
#
# The share of respondents answering yes to the question analysed (by default: aware of at least one legal way to migrate), by country and by the breakdowns chosen, with confidence intervals. Domains are estimated with the full design; where the survey records who intends to migrate, the share in Pakistan is also given for intending migrants.

# %%
share_formats = {"estimate": pct, "ci_low": pct, "ci_high": pct, "deff": "{:.2f}"}
aware_cols = {c: c.replace("_", " ").capitalize() for c in by_cols} | {
    "estimate": "Share", "ci_low": f"{ci_label} low", "ci_high": f"{ci_label} high",
    "deff": "Design effect", "n": "Respondents"}
if survey.has("country"):
    show.table(for_display(aware_main, columns={"country": "Country"} | {
                   k: v for k, v in aware_cols.items() if k not in by_cols},
                           formats=share_formats),
               caption=survey.caption(f"Share answering yes to “{asked}”, by country"),
               source=survey.source)
if by_cols:
    aware_by = log.apply(weighted_proportion(df, outcome, by=by_cols, level=level, **design),
                         lines=lines_for(by_cols))
    show.table(for_display(aware_by, columns=aware_cols, formats=share_formats),
               caption=survey.caption(f"Share answering yes to “{asked}”, by "
                                  f"{', '.join(by_cols)}"),
               source=survey.source)
    fig = pointrange_figure(aware_by, label_cols=by_cols,
                            hue=by_cols[1] if len(by_cols) > 1 else None,
                            xlabel=f"Share ({ci_label})",
                            title="")
    published = aware_by.loc[~aware_by["suppressed"], "estimate"]
    show.figure(fig, caption=survey.caption(f"Share answering yes to “{asked}”, by "
                                            f"{', '.join(by_cols)}, with {ci_label}s"),
                source=survey.source, ref="awareness",
                alt=(f"Shares answering yes to “{asked}” by {', '.join(by_cols)} range from "
                     f"{nf.share(published.min())} to {nf.share(published.max())}; suppressed "
                     "cells are labelled." if len(published) else
                     f"Every share answering yes to “{asked}” by {', '.join(by_cols)} is "
                     "suppressed."))

if survey.has("aware_legal", "intends_to_migrate", "country"):
    pak = unaware_share(df, design, country="PAK", level=level, min_cell=min_cell)
    if pak["suppressed"]:
        show.prose(f"The share of intending migrants in Pakistan unaware of any legal migration "
                   f"option is not published: fewer than {min_cell} respondents answered.")
    else:
        kf["unaware_legal_share_PAK"] = unaware_pak = show.record("unaware_legal_share_PAK", pak["estimate"], unit="proportion",
                                  source=survey.source, vintage=survey.vintage,
                                  ci_low=pak["ci_low"], ci_high=pak["ci_high"], level=level,
                                  population="intending migrants in Pakistan")
        show.prose(
            f"Among intending migrants in Pakistan, "
            f"{fmt_ci(unaware_pak, pak['ci_low'], pak['ci_high'], level)} were not aware of any "
            f"legal migration option.")
else:
    show.prose(survey.lacks("The share of intending migrants in Pakistan unaware of any legal "
                            "option", "aware_legal", "intends_to_migrate", "country"))

# %% [markdown]
# ## Information sources
#
# The main source of information about migrating, by country, and whether sources differ between urban and rural areas (a design-adjusted test of independence).

# %%
source_cols = {"country": "Country", "category": "Main source", "estimate": "Share",
               "ci_low": f"{ci_label} low", "ci_high": f"{ci_label} high", "n": "Respondents"}
if not survey.has("info_source"):
    show.prose(survey.lacks("This section", "info_source"))
else:
    source_by = ["country"] if survey.has("country") else []
    sources = log.apply(weighted_proportion(df, "info_source", by=source_by, level=level,
                                            **design),
                        lines=lines_for(source_by, category=True))
    show.table(for_display(sources, columns={k: v for k, v in source_cols.items()
                                             if k != "country" or source_by},
                           formats={"estimate": pct, "ci_low": pct, "ci_high": pct}),
               caption=survey.caption("Main source of information about migrating"
                                      + (", by country" if source_by else "")),
               source=survey.source)
    fig = pointrange_figure(sources, label_cols=[*source_by, "category"],
                            hue="country" if source_by else None,
                            xlabel=f"Share ({ci_label})",
                            title="")
    show.figure(fig, caption=survey.caption("Main source of information about migrating"
                                            + (", by country" if source_by else "")
                                            + f", with {ci_label}s"),
                source=survey.source,
                ref="sources",
                alt="The most named source" + (" in every country" if source_by else "")
                    + " and its share: " + "; ".join(
                    f"{' '.join(str(r[c]) for c in source_by)} {r['category']} "
                    f"{nf.share(r['estimate'])}".strip() for _, r in
                    sources[~sources["suppressed"]].sort_values("estimate")
                    .groupby(source_by or (lambda _: 0)).tail(1).iterrows()) + ".")
    if not survey.has("area"):
        show.prose(survey.lacks("The comparison of urban and rural areas", "area"))
    elif df["area"].nunique() < 2 or df["info_source"].nunique() < 2:
        show.prose("The comparison of urban and rural areas is left out: the survey has "
                   "answers from only one area or names only one source.")
    else:
        by_area = weighted_crosstab(df, "area", "info_source", level=level, **design)
        area_sources = log.apply(by_area.table, lines=lines_for(["area"], category=True))
        show.table(for_display(area_sources, columns={"area": "Area"} | {
                       k: v for k, v in source_cols.items() if k != "country"},
                               formats={"estimate": pct, "ci_low": pct, "ci_high": pct}),
                   caption=survey.caption("Main source of information, urban and rural areas"),
                   source=survey.source)
        show.prose(
            f"Do sources differ between urban and rural areas? "
            f"{'Yes' if by_area.p_value < 0.05 else 'The survey cannot tell'}: a design-adjusted "
            f"test of independence gives p {'= ' if by_area.p_value >= 0.001 else ''}"
            f"{nf.pvalue(by_area.p_value)} (F = {by_area.statistic:.2f} on {by_area.df:.1f} and "
            f"{by_area.ddf:.0f} degrees of freedom).")

# %% [markdown]
# ## Recruitment fees
#
# The share of respondents who have paid, or been asked to pay, a recruitment fee, by country and by main source of information.

# %%
fee_cols = {"estimate": "Share paid or asked", "ci_low": f"{ci_label} low",
            "ci_high": f"{ci_label} high", "n": "Respondents"}
fee_formats = {"estimate": pct, "ci_low": pct, "ci_high": pct}
if not survey.has("paid_fee"):
    show.prose(survey.lacks("This section", "paid_fee"))
else:
    if survey.has("country"):
        fees = log.apply(weighted_proportion(df, "paid_fee", by="country", level=level,
                                             **design),
                         lines=lines_for(["country"]))
        show.table(for_display(fees, columns={"country": "Country"} | fee_cols,
                               formats=fee_formats),
                   caption=survey.caption("Recruitment fee paid or asked for, by country"),
                   source=survey.source)
    if not survey.has("info_source"):
        show.prose(survey.lacks("The breakdown by source of information", "info_source"))
    else:
        fees_source = log.apply(
            weighted_proportion(df, "paid_fee", by="info_source", level=level, **design),
            lines=lines_for(["info_source"]))
        show.table(for_display(fees_source, columns={"info_source": "Main source"} | fee_cols,
                               formats=fee_formats),
                   caption=survey.caption("Recruitment fee paid or asked for, by main source "
                                          "of information"),
                   source=survey.source)
        fig = pointrange_figure(fees_source, label_cols=["info_source"],
                                xlabel=f"Share ({ci_label})",
                                title="")
        show.figure(fig, caption=survey.caption("Share who paid or were asked to pay a "
                                                "recruitment fee, by main source of "
                                                f"information, with {ci_label}s"),
                    source=survey.source, ref="fees",
                    alt=f"Shares who paid or were asked to pay a recruitment fee range from "
                        f"{nf.share(fees_source['estimate'].min())} to "
                        f"{nf.share(fees_source['estimate'].max())} by main source of information.")
        agent_fee = log.value(fees_source, info_source="agent or sub-agent")
        if agent_fee == agent_fee:  # NaN when suppressed
            kf["agent_fee_share"] = show.record("agent_fee_share", agent_fee, unit="proportion",
                                                source=survey.source, vintage=survey.vintage)
        show.prose(f"Of those who rely mainly on agents or sub-agents, {fmt_pct(agent_fee)} have "
                   f"paid or been asked to pay a recruitment fee.")

# %% [markdown]
# A survey-weighted logistic regression of awareness on gender, area, age and education (those the survey has). Odds ratios below one mean lower odds of being aware than the reference group. A model that cannot be estimated from these data (for example, when everyone gave the same answer) is not published, and the chapter says why.

# %%
predictors = [p for p in ("gender", "area", "age", "education") if survey.has(p)]
if survey.absent("gender", "area", "age", "education"):
    show.prose(survey.lacks("Part of the regression", "gender", "area", "age", "education"))
try:
    if not predictors:
        raise ModelNotIdentified("The survey has none of its predictors (gender, area, age, "
                                 "education).")
    model = log.apply(survey_logit(df, outcome, predictors, level=level, per={"age": 10},
                                   **design))
except ModelNotIdentified as exc:
    reason = str(exc)
    show.prose(f"No regression is published: {reason[0].lower()}{reason[1:]}")
else:
    show.table(for_display(model, columns={"label": "Term", "odds_ratio": "Odds ratio",
                                           "ci_low": f"{ci_label} low",
                                           "ci_high": f"{ci_label} high", "p_value": "p",
                                           "n": "Respondents"},
                           formats={"odds_ratio": "{:.2f}", "ci_low": "{:.2f}",
                                    "ci_high": "{:.2f}", "p_value": nf.pvalue}),
               caption=survey.caption(f"Odds ratios of answering yes to “{asked}” (survey-weighted "
                                      "logistic regression, "
                                      f"{model.attrs['n']:,} respondents)"),
               source=survey.source)
    fig = pointrange_figure(model, label_cols=["label"], value="odds_ratio", log=True, ref=1.0,
                            percent=False, xlabel=f"Odds ratio ({ci_label}, log scale)",
                            title="")
    show.figure(fig, caption=survey.caption(f"Odds ratios of answering yes to “{asked}”, with "
                                            f"{ci_label}s"),
                source=survey.source, ref="model",
                alt=f"Odds ratios range from {model['odds_ratio'].min():.2f} to "
                    f"{model['odds_ratio'].max():.2f} against the reference groups "
                    "(1 = same odds).")
    show.prose(f"The model uses {model.attrs['n']:,} respondents in {model.attrs['n_psu']:,} "
               f"sampled villages and urban blocks and {model.attrs['n_strata']:,} strata ({model.attrs['df']:,} degrees of "
               f"freedom); {model.attrs['n_dropped']:,} with a missing answer are left out.")

# %% [markdown]
# ## In their own words
#
# A few comments, chosen at random. Phone numbers and e-mail addresses are removed, and the text is shown exactly as written (escaped, never interpreted as markup).

# %%
if not survey.has("comment"):
    show.prose(survey.lacks("This section", "comment"))
else:
    comments = select_comments(df, by="country" if survey.has("country") else None, k=6,
                               seed=seed, min_cell=min_cell)
    show.table(comments.rename(columns={"country": "Country", "comment": "Comment"}),
               caption=survey.caption("Comments from respondents (anonymised)"),
               source=survey.source)

# %% [markdown]
# ## Claims register
#
# Statements made in the report, checked against the survey: *supported*, *not supported* or *not testable* with these data, by the rule shown.

# %%
claims = evaluate_claims(df, design, level=level, min_cell=min_cell)
show.table(claims[["claim", "value", "verdict", "rule"]].rename(columns=str.capitalize),
           caption=survey.caption("Claims register"), source=survey.source, ref="claims")
decided = claims[claims["verdict"] != "not testable"]
kf["claims_tested"] = show.record("claims_tested", len(decided), unit="claims",
                                  source=survey.source, vintage=survey.vintage)
kf["claims_supported"] = show.record("claims_supported",
                                     int((decided["verdict"] == "supported").sum()),
                                     unit="claims", source=survey.source,
                                     vintage=survey.vintage)
cells_suppressed = show.record("cells_suppressed", log.total, unit="cells",
                               source=survey.source, vintage=survey.vintage, min_cell=min_cell,
                               audit_checked=log.checked, audit_added=log.added)
show.prose(f"{cells_suppressed:,} published cells were suppressed because fewer than {min_cell} "
           f"respondents were behind them (or they would have revealed such a cell). A linear-"
           f"programming audit then worked out the range each suppressed count could take from "
           f"everything published in its table ({log.checked:,} cells checked) and suppressed "
           f"{log.added:,} more cells where that range was narrower than {min_cell}.")

show.key_messages(survey_messages(kf, synthetic=survey.synthetic))

# %% [markdown]
# ## Data and methods
#
# - **Design.** The synthetic survey is a stratified two-stage cluster sample: strata are country by urban or rural area, primary sampling units (PSUs) are urban blocks or villages, respondents are drawn within PSUs, and weights are inverse selection probabilities adjusted for non-response within strata. A real survey's strata, PSUs and weights come from its codebook; PSUs are nested in strata.
# - **Estimates** are design-based: weighted shares with Taylor-linearised standard errors using strata and PSUs; intervals for proportions are computed on the logit scale with Student-t quantiles on the design's degrees of freedom (for a domain, the PSUs holding it minus their strata), and with the Korn–Graubard interval when a share is 0 or 100 %. The design effect compares each variance with that of a simple random sample of the same size.
# - **Tests of independence** use the Rao–Scott second-order correction of the Pearson statistic for the survey design.
# - **Regression.** Survey-weighted logistic regression with design-based standard errors (PSU score totals centred within strata, as R's survey package does for generalised linear models); degrees of freedom are the PSUs minus the strata minus the coefficients other than the intercept; age is per ten years. A model whose outcome does not vary, whose predictors are collinear, or whose answers are perfectly separated by a predictor is not published.
# - **Disclosure control.** A published cell with fewer respondents than the smallest publishable count is suppressed, and so are complementary cells that would reveal it; a linear-programming audit then checks, table by table, that no suppressed count can be narrowed to less than that count from what is published, and suppresses further cells where it could.
