"""Remittances: world totals, top recipients and senders, dependence, change and the 2020 shock.

Everything here works on the canonical ``indicators`` table (country, indicator, year, value;
:mod:`analysis.schemas`) and its two remittance series, World Bank WDI
``BX.TRF.PWKR.CD.DT`` (personal remittances received, current US$) and ``BM.TRF.PWKR.CD.DT``
(paid). The table holds countries only, no aggregates.

Computation rules (the same everywhere in this module)
------------------------------------------------------
1. **What counts as data.** A country has data for a year when its value is *positive*. The
   source codes some never-reporting countries (Iran, Singapore, Turkmenistan, Syria since
   2011 …) as exactly ``0`` in every year; those zeros are treated as *not reported* and are
   listed as such (:func:`reported_zero`), never counted as a country with data.
2. **World totals** are sums over the countries with data in the year
   (:func:`world_total`), with the count and the *large* countries that are missing: those
   whose GDP is at least ``gdp_share`` of the summed GDP of all countries, or whose flow in an
   adjacent year was at least ``flow_share`` of the world total (:func:`missing_large`).
3. **Change** against the year before is computed on the countries with data in *both* years
   (:func:`world_change`), so that a country entering or leaving the data does not show up as
   a change.
4. **Counterfactual** (:func:`counterfactual`). A model is fitted on the logarithm of the series
   over ``trend_start .. year - 1`` and forecasts ``year``; the point forecast and the 95 %
   prediction interval are back-transformed with ``exp`` (so the point forecast is the
   forecast *median* in US$). The world series for the counterfactual is a *balanced panel*:
   the sum over the countries with data in every year ``trend_start .. year``, so that the
   trend is not moved by countries entering the data. Candidate models (:data:`MODELS`):

   ``drift``  random walk with drift, in closed form with its exact interval
              (:func:`drift_forecast`; a difference over a gap in the series is scaled by
              the gap's length);
   ``holt``   ETS(A,A,N), additive error and trend (the model of statsmodels ``ETSModel``);
   ``damped`` ETS(A,Ad,N), the same with a damped trend.

   The prediction intervals include the uncertainty of the estimated parameters: the drift
   interval ``log y_T + h·μ̂ ± t(m-1)·s·√(h + h²/m)`` is exact; the ETS intervals are
   calibrated by parametric bootstrap with refits (:mod:`~analysis.remittances.models`),
   because the model-based ones cover only 71-80 % on ten yearly points.
   Each model is backtested with a rolling origin (:func:`backtest`): for each origin *t* in
   ``year - n_origins .. year - 1`` it is fitted on ``trend_start .. t - 1`` and forecasts *t*;
   the absolute percentage errors give the mean absolute percentage error (MAPE), and the
   share of actual values inside their interval the *coverage* (:func:`backtest_summary`).
   :func:`select_model` picks the model with the lowest MAPE over the forecasts every model
   could make (ties within 0.1 point go to the simpler model) among the models whose intervals
   did not cover significantly less often than 95 % (one-sided exact binomial test at 5 %)
   and whose fits did not mostly collapse to a fixed line, separately for the world
   (on its own backtest, so the world result does not depend on the countries selected) and
   for the selected countries (pooled, one model for all of them). An ETS fit whose smoothing
   weights are both estimated at zero is flagged ``deterministic``: it is a fixed straight
   line, and its interval does not widen with the horizon. The verdict on the report year is
   ``inside`` / ``above`` / ``below`` the range expected from the trend (:func:`verdict`).
5. **Claims** (:func:`claims_register`) compare a claimed percentage change with the change
   computed by rule 3: ``consistent`` when within ``tolerance`` percentage points,
   ``right direction, wrong size`` when the sign agrees, ``contradicted`` otherwise.

Modules
-------
:mod:`~analysis.remittances.levels`  flows, totals, top countries, dependence, change, countries
:mod:`~analysis.remittances.models`  trend models: forecasts and calibrated intervals
:mod:`~analysis.remittances.trend`   backtests, model selection and the counterfactual
:mod:`~analysis.remittances.claims`  the claims register
:mod:`~analysis.remittances.figures` charts (imports matplotlib and seaborn only when called)
:mod:`~analysis.remittances.messages` key messages
:mod:`~analysis.remittances.chapter` the chapter's tables and countries (what the notebook shows)

Everything public is re-exported here: ``from analysis.remittances import X`` works for all.
"""

from analysis.remittances.claims import CLAIMS, Claim, check_claim, claims_register
from analysis.remittances.figures import (
    plot_counterfactual,
    plot_country_trend,
    plot_dependence,
    plot_top,
    plot_world_trend,
)
from analysis.remittances.levels import (
    PAID,
    RECEIVED,
    WorldChange,
    WorldTotal,
    country_change,
    dependence,
    flows,
    missing_large,
    reported_years,
    reported_zero,
    select_countries,
    top_countries,
    world_change,
    world_total,
)
from analysis.remittances.models import drift_forecast
from analysis.remittances.trend import (
    MIN_OBS,
    MODELS,
    TREND_START,
    WORLD,
    Counterfactual,
    backtest,
    backtest_summary,
    counterfactual,
    country_counterfactual,
    forecast,
    pooled_mape,
    select_model,
    verdict,
)

__all__ = [
    "CLAIMS",
    "MIN_OBS",
    "MODELS",
    "PAID",
    "RECEIVED",
    "WORLD",
    "Claim",
    "Counterfactual",
    "WorldChange",
    "WorldTotal",
    "backtest",
    "backtest_summary",
    "check_claim",
    "claims_register",
    "country_change",
    "counterfactual",
    "dependence",
    "drift_forecast",
    "flows",
    "forecast",
    "missing_large",
    "plot_counterfactual",
    "plot_dependence",
    "plot_top",
    "plot_world_trend",
    "pooled_mape",
    "reported_zero",
    "select_countries",
    "select_model",
    "verdict",
    "top_countries",
    "world_change",
    "world_total",
    "TREND_START",
    "country_counterfactual",
    "plot_country_trend",
    "reported_years",
]
