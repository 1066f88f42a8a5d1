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

   ``drift``  random walk with drift, ARIMA(0,1,0) with a constant (statsmodels ``ARIMA``);
   ``holt``   ETS(A,A,N), additive error and trend (statsmodels ``ETSModel``);
   ``damped`` ETS(A,Ad,N), the same with a damped trend.

   Each is backtested with a rolling origin (:func:`backtest`): for each origin *t* in
   ``year - n_origins .. year - 1`` it is fitted on ``trend_start .. t - 1`` and forecasts *t*;
   the absolute percentage errors give the mean absolute percentage error (MAPE).
   :func:`select_model` picks the model with the lowest MAPE over the forecasts every model
   could make (ties within 0.1 point go to the simpler model), separately for the world
   (on its own backtest, so the world result does not depend on the countries selected) and
   for the selected countries (pooled, one model for all of them). Statsmodels warnings
   (convergence and the like) are caught here and reported as a ``converged`` flag, never
   printed. An ETS fit whose smoothing weights are both estimated at zero is flagged
   ``deterministic``: it is a fixed straight line, and its interval does not widen with the
   horizon.
5. **Claims** (:func:`claims_register`) compare a claimed percentage change with the change
   computed by rule 3: ``consistent`` when within ``tolerance`` percentage points,
   ``right direction, wrong size`` when the sign agrees, ``contradicted`` otherwise.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from scipy import stats

from analysis.countries import country_name, resolve_countries

__all__ = [
    "CLAIMS",
    "DEFAULT_GROUP",
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
    "check_claim",
    "claims_register",
    "country_change",
    "counterfactual",
    "dependence",
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
    "top_countries",
    "world_change",
    "world_total",
]

RECEIVED = "remittances_received_usd"
PAID = "remittances_paid_usd"
GDP = "gdp_usd"
#: Default group of the chapter's ``countries`` parameter.
DEFAULT_GROUP = "partner_countries"
#: Code of the world (balanced-panel) series in counterfactual tables.
WORLD = "WLD"

#: Candidate trend models, simplest first (ties in the backtest go to the earlier one).
MODELS: dict[str, str] = {
    "drift": "random walk with drift on logs, ARIMA(0,1,0) with constant",
    "holt": "ETS(A,A,N) on logs, additive trend",
    "damped": "ETS(A,Ad,N) on logs, damped additive trend",
}
#: Fewest observations each model is fitted on (one more than its estimated parameters).
MIN_OBS: dict[str, int] = {"drift": 3, "holt": 5, "damped": 6}


# --------------------------------------------------------------------------- levels and totals


def flows(indicators: pd.DataFrame, indicator: str = RECEIVED) -> pd.DataFrame:
    """Return one indicator as a country x year table, with non-positive values as missing.

    Parameters
    ----------
    indicators : DataFrame
        The canonical ``indicators`` table.
    indicator : str, default ``"remittances_received_usd"``
        The indicator to pivot.

    Returns
    -------
    DataFrame
        Index ``country``, one float column per year; ``NaN`` where there is no positive value.
    """
    rows = indicators[indicators["indicator"] == indicator]
    wide = rows.pivot(index="country", columns="year", values="value").astype(float)
    wide = wide.where(wide > 0)
    wide.columns = wide.columns.astype(int)
    return wide.sort_index(axis=0).sort_index(axis=1)


def _value(indicators: pd.DataFrame, indicator: str, year: int) -> pd.Series:
    """Positive values of one indicator in one year, by country."""
    rows = indicators[(indicators["indicator"] == indicator) & (indicators["year"] == year)]
    values = rows.set_index("country")["value"].astype(float)
    return values[values > 0].sort_index()


def reported_zero(indicators: pd.DataFrame, year: int, indicator: str = RECEIVED) -> list[str]:
    """Countries whose value in ``year`` is exactly zero (treated as not reported)."""
    rows = indicators[(indicators["indicator"] == indicator) & (indicators["year"] == year)]
    return sorted(rows.loc[rows["value"] == 0, "country"].astype(str))


def _require_year(wide: pd.DataFrame, year: int, indicator: str) -> None:
    if year not in wide.columns or wide[year].notna().sum() == 0:
        have = [int(y) for y in wide.columns[wide.notna().any()]]
        span = f"{min(have)}-{max(have)}" if have else "none"
        raise ValueError(f"no {indicator} data for {year}; years with data: {span}")


def missing_large(
    indicators: pd.DataFrame,
    year: int,
    indicator: str = RECEIVED,
    *,
    gdp_share: float = 0.001,
    flow_share: float = 0.001,
) -> pd.DataFrame:
    """Large countries with no value of ``indicator`` in ``year``.

    A country is *large* when its GDP in ``year`` is at least ``gdp_share`` of the summed GDP
    of all countries, or when its value in ``year - 1`` or ``year + 1`` was at least
    ``flow_share`` of the world total of ``year``.

    Parameters
    ----------
    indicators : DataFrame
        The canonical ``indicators`` table.
    year : int
        The year.
    indicator : str
        ``remittances_received_usd`` or ``remittances_paid_usd``.
    gdp_share, flow_share : float, default 0.001
        Thresholds, as shares (0.001 = 0.1 %).

    Returns
    -------
    DataFrame
        Columns ``country``, ``name``, ``gdp_usd``, ``adjacent_year``, ``adjacent_value``,
        ``reported_zero`` and ``reason``, largest GDP first.
    """
    wide = flows(indicators, indicator)
    has = set(wide.index[wide[year].notna()]) if year in wide.columns else set()
    gdp = _value(indicators, GDP, year)
    total = wide[year].sum() if year in wide.columns else 0.0
    zeros = set(reported_zero(indicators, year, indicator))
    rows = []
    for code in sorted(set(gdp.index) | set(wide.index)):
        if code in has:
            continue
        g = float(gdp.get(code, np.nan))
        adj_year, adj_value = None, np.nan
        for y in (year - 1, year + 1):
            if y in wide.columns and code in wide.index and not np.isnan(wide.at[code, y]):
                if np.isnan(adj_value) or wide.at[code, y] > adj_value:
                    adj_year, adj_value = y, float(wide.at[code, y])
        reasons = []
        if not np.isnan(g) and g >= gdp_share * gdp.sum():
            reasons.append(f"GDP {g / gdp.sum():.1%} of world")
        if not np.isnan(adj_value) and total > 0 and adj_value >= flow_share * total:
            reasons.append(f"US$ {adj_value / 1e9:,.1f} bn in {adj_year}")
        if reasons:
            rows.append({"country": code, "name": country_name(code), "gdp_usd": g,
                         "adjacent_year": adj_year, "adjacent_value": adj_value,
                         "reported_zero": code in zeros, "reason": "; ".join(reasons)})
    cols = ["country", "name", "gdp_usd", "adjacent_year", "adjacent_value", "reported_zero",
            "reason"]
    out = pd.DataFrame(rows, columns=cols)
    out["adjacent_year"] = out["adjacent_year"].astype("Int64")
    return out.sort_values("gdp_usd", ascending=False, na_position="last", ignore_index=True)


@dataclass(frozen=True)
class WorldTotal:
    """A world total summed over countries.

    Attributes
    ----------
    indicator : str
        The indicator summed.
    year : int
        The year.
    total : float
        Sum over the countries with data (US$).
    countries : list of str
        The countries summed.
    missing : DataFrame
        Large countries without data (:func:`missing_large`).
    zeros : list of str
        Countries reported as exactly zero (not counted).
    """

    indicator: str
    year: int
    total: float
    countries: list[str]
    missing: pd.DataFrame
    zeros: list[str] = field(default_factory=list)

    @property
    def n_countries(self) -> int:
        """Number of countries summed."""
        return len(self.countries)

    @property
    def missing_names(self) -> str:
        """The large missing countries as readable text (``"none"`` when there are none)."""
        if self.missing.empty:
            return "none"
        return ", ".join(
            f"{r.name} ({r.reason}{'; recorded as 0' if r.reported_zero else ''})"
            for r in self.missing.itertuples()
        )


def world_total(indicators: pd.DataFrame, year: int, indicator: str = RECEIVED,
                **thresholds: float) -> WorldTotal:
    """Sum ``indicator`` over the countries with data in ``year``.

    Parameters
    ----------
    indicators : DataFrame
        The canonical ``indicators`` table.
    year : int
        The year.
    indicator : str, default received
        ``remittances_received_usd`` or ``remittances_paid_usd``.
    **thresholds
        ``gdp_share`` and ``flow_share`` for :func:`missing_large`.

    Returns
    -------
    WorldTotal
    """
    wide = flows(indicators, indicator)
    _require_year(wide, year, indicator)
    values = wide[year].dropna()
    return WorldTotal(indicator, year, float(values.sum()), list(values.index),
                      missing_large(indicators, year, indicator, **thresholds),
                      reported_zero(indicators, year, indicator))


def top_countries(indicators: pd.DataFrame, year: int, indicator: str = RECEIVED,
                  n: int = 10) -> pd.DataFrame:
    """The ``n`` countries with the largest value of ``indicator`` in ``year``.

    Returns
    -------
    DataFrame
        Columns ``rank``, ``country``, ``name``, ``value`` (US$) and ``share`` (of the world
        total over countries with data).
    """
    wide = flows(indicators, indicator)
    _require_year(wide, year, indicator)
    values = wide[year].dropna()
    top = values.sort_values(ascending=False, kind="stable").head(n)
    out = pd.DataFrame({"country": top.index.astype(str), "value": top.to_numpy()})
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out.insert(2, "name", [country_name(c) for c in out["country"]])
    out["share"] = out["value"] / values.sum()
    return out


def dependence(indicators: pd.DataFrame, year: int, *, n: int | None = 10,
               countries: Sequence[str] | None = None) -> pd.DataFrame:
    """Remittances received as a share of GDP in ``year``.

    Parameters
    ----------
    indicators : DataFrame
        The canonical ``indicators`` table.
    year : int
        The year.
    n : int or None, default 10
        Keep the ``n`` most dependent countries (``None``: all).
    countries : sequence of str, optional
        Keep only these countries (in the order of dependence).

    Returns
    -------
    DataFrame
        Columns ``country``, ``name``, ``remittances``, ``gdp`` and ``share`` (a fraction),
        most dependent first; countries lacking either value are left out.
    """
    rem = _value(indicators, RECEIVED, year)
    gdp = _value(indicators, GDP, year)
    both = rem.index.intersection(gdp.index)
    out = pd.DataFrame({"country": both.astype(str), "remittances": rem[both].to_numpy(),
                        "gdp": gdp[both].to_numpy()})
    out["share"] = out["remittances"] / out["gdp"]
    if countries is not None:
        out = out[out["country"].isin(list(countries))]
    out = out.sort_values(["share", "country"], ascending=[False, True], ignore_index=True)
    if n is not None:
        out = out.head(n)
    out.insert(1, "name", [country_name(c) for c in out["country"]])
    return out


# --------------------------------------------------------------------------------- change


@dataclass(frozen=True)
class WorldChange:
    """Change of a world total between two years, on the countries with data in both.

    Attributes
    ----------
    year, base_year : int
        The years compared.
    value, base_value : float
        Totals over the common countries.
    countries : list of str
        The common countries.
    only_one_year : list of str
        Countries with data in just one of the two years (left out).
    """

    year: int
    base_year: int
    value: float
    base_value: float
    countries: list[str]
    only_one_year: list[str]

    @property
    def change_pct(self) -> float:
        """Percentage change from ``base_year`` to ``year``."""
        return (self.value / self.base_value - 1.0) * 100.0

    @property
    def n_countries(self) -> int:
        """Number of countries with data in both years."""
        return len(self.countries)


def world_change(indicators: pd.DataFrame, year: int, base_year: int | None = None,
                 indicator: str = RECEIVED) -> WorldChange:
    """World change of ``indicator`` from ``base_year`` (default ``year - 1``) to ``year``."""
    base_year = year - 1 if base_year is None else base_year
    wide = flows(indicators, indicator)
    for y in (base_year, year):
        _require_year(wide, y, indicator)
    a, b = wide[base_year], wide[year]
    common = wide.index[a.notna() & b.notna()]
    only = wide.index[a.notna() ^ b.notna()]
    return WorldChange(year, base_year, float(b[common].sum()), float(a[common].sum()),
                       list(common.astype(str)), list(only.astype(str)))


def country_change(indicators: pd.DataFrame, year: int, countries: Sequence[str] | None = None,
                   indicator: str = RECEIVED) -> pd.DataFrame:
    """Per-country change of ``indicator`` from ``year - 1`` to ``year``.

    Returns
    -------
    DataFrame
        Columns ``country``, ``name``, ``base`` (year - 1), ``value`` (year), ``change`` (US$)
        and ``change_pct``; countries with data in both years, or the given ``countries`` in
        their order (missing values as ``NaN``).
    """
    wide = flows(indicators, indicator)
    for y in (year - 1, year):
        _require_year(wide, y, indicator)
    if countries is None:
        sel = wide[[year - 1, year]].dropna()
        sel = sel.sort_values(year, ascending=False)
    else:
        sel = wide[[year - 1, year]].reindex(list(countries))
    out = pd.DataFrame({"country": sel.index.astype(str), "base": sel[year - 1].to_numpy(),
                        "value": sel[year].to_numpy()})
    out.insert(1, "name", [country_name(c) for c in out["country"]])
    out["change"] = out["value"] - out["base"]
    out["change_pct"] = (out["value"] / out["base"] - 1.0) * 100.0
    return out


# ----------------------------------------------------------------------- countries and models


def select_countries(spec: str | Sequence[str] | None, indicators: pd.DataFrame,
                     trend_start: int, year: int) -> list[str]:
    """Resolve the ``countries`` parameter and refuse countries without remittance data.

    Parameters
    ----------
    spec : str, sequence or None
        A group of :data:`analysis.countries.GROUPS`, comma-separated ISO-3 codes, or a list.
    indicators : DataFrame
        The canonical ``indicators`` table.
    trend_start, year : int
        The window the counterfactual uses.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        For an unknown code, or for codes with no positive remittances received in
        ``trend_start .. year`` (naming them).
    """
    codes = resolve_countries(spec, DEFAULT_GROUP)
    wide = flows(indicators, RECEIVED)
    window = wide.loc[:, (wide.columns >= trend_start) & (wide.columns <= year)]
    with_data = set(window.index[window.notna().any(axis=1)])
    lacking = [c for c in codes if c not in with_data]
    if lacking:
        named = ", ".join(f"{c} ({country_name(c)})" for c in lacking)
        raise ValueError(f"no remittances-received data in {trend_start}-{year} for {named}; "
                         "leave these countries out of `countries`")
    return codes


def _log_series(levels: pd.Series) -> pd.Series:
    """Log of a positive yearly series on a consecutive annual PeriodIndex (gaps as NaN)."""
    s = levels.astype(float).where(levels > 0)
    s.index = s.index.astype(int)
    s = s.sort_index()
    valid = s.dropna()
    if valid.empty:
        return pd.Series(dtype=float)
    s = s.loc[valid.index[0]:valid.index[-1]]
    s = s.reindex(range(int(s.index[0]), int(s.index[-1]) + 1))
    out = np.log(s)
    out.index = pd.period_range(str(s.index[0]), periods=len(s), freq="Y")
    return out


def forecast(levels: pd.Series, model: str = "drift", steps: int = 1,
             alpha: float = 0.05) -> pd.DataFrame:
    """Fit a trend model on the log of a yearly series and forecast it.

    Parameters
    ----------
    levels : Series
        Positive values indexed by year (int); values ``<= 0`` or ``NaN`` count as missing.
        The ``drift`` model tolerates gaps; the ETS models need consecutive years.
    model : {"drift", "holt", "damped"}
        See :data:`MODELS`.
    steps : int, default 1
        Years ahead of the last year of ``levels``.
    alpha : float, default 0.05
        1 - coverage of the prediction interval.

    Returns
    -------
    DataFrame
        Index ``year``; columns ``forecast`` (``exp`` of the log forecast: the median),
        ``lower``, ``upper`` (prediction interval from the model, back-transformed),
        ``log_forecast`` and ``log_se``. ``attrs`` holds ``model``, ``n_obs``, ``converged``,
        ``deterministic`` (an ETS fit with both smoothing weights at zero) and ``warnings``
        (the messages statsmodels emitted, caught here).

    Raises
    ------
    ValueError
        For an unknown model, too few observations (:data:`MIN_OBS`) or gaps for ETS.
    """
    from statsmodels.tsa.arima.model import ARIMA
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    y = _log_series(levels)
    n_obs = int(y.notna().sum())
    if n_obs < MIN_OBS[model]:
        raise ValueError(f"model {model!r} needs at least {MIN_OBS[model]} years, got {n_obs}")
    if model != "drift" and y.isna().any():
        raise ValueError(f"model {model!r} needs consecutive years; the series has gaps")
    n = len(y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if model == "drift":
            # Start at the closed-form estimates (mean and variance of the differences), which
            # are the maximum-likelihood ones when there are no gaps.
            d = y.diff().dropna()
            start = [float(d.mean()), max(float(d.var(ddof=0)), 1e-12)] if len(d) else None
            res = ARIMA(y, order=(0, 1, 0), trend="t").fit(start_params=start)
            pred = res.get_forecast(steps)
            mean = np.asarray(pred.predicted_mean, dtype=float)
            ci = np.asarray(pred.conf_int(alpha=alpha), dtype=float)
            lower, upper = ci[:, 0], ci[:, 1]
            converged = bool(res.mle_retvals.get("converged", True))
            deterministic = False
            if start is not None and not y.isna().any():
                # The optimiser may flag a loss of precision at the known optimum.
                converged = bool(np.allclose(res.params, start, rtol=1e-3, atol=1e-8))
        else:
            res = ETSModel(y, error="add", trend="add", damped_trend=model == "damped",
                           initialization_method="estimated").fit(disp=False)
            frame = res.get_prediction(start=n, end=n + steps - 1).summary_frame(alpha=alpha)
            mean = frame["mean"].to_numpy(float)
            lower = frame["pi_lower"].to_numpy(float)
            upper = frame["pi_upper"].to_numpy(float)
            converged = bool(res.mle_retvals.get("converged", True))
            deterministic = bool(res.smoothing_level < 1e-3 and res.smoothing_trend < 1e-3)
    messages = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    if model != "drift" and any("Convergence" in m for m in messages):
        converged = False
    z = stats.norm.ppf(1 - alpha / 2)
    last = int(y.index[-1].year)
    out = pd.DataFrame(
        {"forecast": np.exp(mean), "lower": np.exp(lower), "upper": np.exp(upper),
         "log_forecast": mean, "log_se": (upper - lower) / (2 * z)},
        index=pd.Index(range(last + 1, last + 1 + steps), name="year"),
    )
    out.attrs.update({"model": model, "n_obs": n_obs, "converged": converged,
                      "deterministic": deterministic, "warnings": messages})
    return out


def _forecast_at(train: pd.Series, model: str, target: int, alpha: float = 0.05) -> dict:
    """Forecast of ``target`` from ``train`` (however many years after its last value)."""
    valid = train[train > 0].dropna()
    if valid.empty:
        raise ValueError("no data to fit")
    steps = target - int(valid.index.max())
    if steps < 1:
        raise ValueError(f"the training data reach {target}")
    f = forecast(train, model, steps=steps, alpha=alpha)
    return {**f.loc[target].to_dict(), **{k: f.attrs[k] for k in
                                          ("converged", "deterministic", "n_obs")}}


def backtest(levels: pd.Series, model: str, year: int, trend_start: int,
             n_origins: int = 5) -> pd.DataFrame:
    """Rolling-origin backtest of one model on one yearly series.

    For each origin ``t`` in ``year - n_origins .. year - 1`` the model is fitted on
    ``trend_start .. t - 1`` and forecasts ``t`` (more than one step ahead when the series
    ends before ``t - 1``).

    Returns
    -------
    DataFrame
        One row per origin: ``origin``, ``actual``, ``forecast``, ``lower``, ``upper``,
        ``ape`` (absolute percentage error, in percent; ``NaN`` when the model could not be
        fitted or the actual is missing), ``converged`` and ``deterministic``.
    """
    s = levels.astype(float)
    s.index = s.index.astype(int)
    rows = []
    for t in range(year - n_origins, year):
        train = s[(s.index >= trend_start) & (s.index <= t - 1)]
        actual = float(s.get(t, np.nan))
        actual = actual if actual > 0 else np.nan
        try:
            f = _forecast_at(train, model, t)
            fc, lo, hi = (float(f[c]) for c in ("forecast", "lower", "upper"))
            conv, det = bool(f["converged"]), bool(f["deterministic"])
        except (ValueError, np.linalg.LinAlgError):
            fc = lo = hi = np.nan
            conv = det = False
        rows.append({"origin": t, "actual": actual, "forecast": fc, "lower": lo, "upper": hi,
                     "ape": abs(fc / actual - 1.0) * 100.0, "converged": conv,
                     "deterministic": det})
    return pd.DataFrame(rows)


def pooled_mape(backtests: pd.DataFrame) -> pd.Series:
    """MAPE (%) of each model over the backtest forecasts that every model could make.

    Parameters
    ----------
    backtests : DataFrame
        Columns ``series``, ``model``, ``origin`` and ``ape`` (as from :func:`counterfactual`).

    Returns
    -------
    Series
        Indexed by model (in the order of :data:`MODELS`), named ``mape_pct``; ``attrs["n"]``
        is the number of (series, origin) forecasts pooled.
    """
    wide = backtests.pivot_table(index=["series", "origin"], columns="model", values="ape",
                                 aggfunc="first", dropna=False)
    wide = wide[[m for m in MODELS if m in wide.columns]].dropna()
    out = wide.mean().rename("mape_pct")
    out.index.name = "model"
    out.attrs["n"] = len(wide)
    return out


def select_model(backtests: pd.DataFrame, tie: float = 0.1) -> str:
    """The model with the lowest pooled MAPE (:func:`pooled_mape`) among the eligible ones.

    A model is not eligible when most of its backtest fits are ``deterministic`` (an ETS fit
    whose smoothing weights collapsed to zero): its point forecast may be good, but its
    prediction interval no longer reflects the uncertainty, and the chapter reports intervals.

    Parameters
    ----------
    backtests : DataFrame
        Columns ``series``, ``model``, ``origin`` and ``ape`` (as from :func:`counterfactual`).
    tie : float, default 0.1
        MAPEs within this many percentage points of the best count as ties, won by the model
        listed first in :data:`MODELS` (the simplest).

    Returns
    -------
    str
        A key of :data:`MODELS`; ``"drift"`` when no forecast is common to all models.
    """
    mape = pooled_mape(backtests)
    if mape.attrs["n"] == 0:
        return "drift"
    if "deterministic" in backtests.columns:
        collapsed = backtests.groupby("model")["deterministic"].mean()
        mape = mape[[m for m in mape.index if collapsed.get(m, 0.0) <= 0.5]]
        if mape.empty:
            return "drift"
    best = mape.min()
    return next(m for m in MODELS if m in mape.index and mape[m] <= best + tie)


@dataclass(frozen=True)
class Counterfactual:
    """Actual against trend forecast, for the world and the selected countries.

    Attributes
    ----------
    year, trend_start : int
        Forecast year and first year of the fitting window.
    world_model, country_model : str
        The models used for the world and for the countries (keys of :data:`MODELS`).
    table : DataFrame
        One row per series (``WLD`` first): ``series``, ``name``, ``model``, ``n_train``,
        ``actual``, ``forecast``, ``lower``, ``upper``, ``position`` (``below`` / ``inside`` /
        ``above`` the interval), ``outside``, ``vs_trend_pct`` (actual against forecast, %),
        ``vs_low_pct`` / ``vs_high_pct`` (the same against the interval bounds, so the range
        of deviations the interval allows), ``mape_pct`` of the model for the series (over
        its ``n_backtest`` backtest forecasts) and ``converged``.
    backtests : DataFrame
        Every backtest forecast: ``series``, ``model``, ``origin``, ``actual``, ``forecast``,
        ``lower``, ``upper``, ``ape``, ``converged``, ``deterministic``.
    mape : DataFrame
        MAPE (%) by series (rows, ``WLD`` first) and model (columns).
    world_series : Series
        The balanced-panel world series (US$) by year, ``trend_start .. year``.
    world_countries : list of str
        The countries of the balanced panel.
    alpha : float
        1 - coverage of the intervals.
    """

    year: int
    trend_start: int
    world_model: str
    country_model: str
    table: pd.DataFrame
    backtests: pd.DataFrame
    mape: pd.DataFrame
    world_series: pd.Series
    world_countries: list[str]
    alpha: float = 0.05

    @property
    def world(self) -> pd.Series:
        """The world row of :attr:`table`."""
        return self.table.iloc[0]

    def fan(self, steps_back: int = 0) -> pd.DataFrame:
        """The world forecast from ``year - 1`` (``steps_back`` more years ahead, for charts)."""
        train = self.world_series.loc[self.trend_start:self.year - 1 - steps_back]
        return forecast(train, self.world_model, steps=1 + steps_back, alpha=self.alpha)

    def pooled_mape(self, world: bool) -> pd.Series:
        """:func:`pooled_mape` of the world's backtest (``True``) or the countries' pooled."""
        is_world = self.backtests["series"] == WORLD
        return pooled_mape(self.backtests[is_world if world else ~is_world])


def _panel(wide: pd.DataFrame, trend_start: int, year: int) -> tuple[pd.Series, list[str]]:
    window = wide.reindex(columns=range(trend_start, year + 1))
    complete = window.dropna()
    return complete.sum(), list(complete.index.astype(str))


def counterfactual(indicators: pd.DataFrame, countries: Sequence[str], year: int,
                   trend_start: int, *, model: str = "auto", alpha: float = 0.05,
                   n_origins: int = 5) -> Counterfactual:
    """Forecast ``year`` from the pre-``year`` trend for the world and each country.

    Parameters
    ----------
    indicators : DataFrame
        The canonical ``indicators`` table.
    countries : sequence of str
        Countries (from :func:`select_countries`).
    year : int
        The year forecast.
    trend_start : int
        First year of the fitting window.
    model : {"auto", "drift", "holt", "damped"}, default "auto"
        ``"auto"`` picks the model by backtest (:func:`select_model`), once for the world on
        its own backtest and once for the countries pooled.
    alpha : float, default 0.05
        1 - coverage of the prediction intervals.
    n_origins : int, default 5
        Backtest origins ``year - n_origins .. year - 1``.

    Returns
    -------
    Counterfactual

    Raises
    ------
    ValueError
        When the window is too short for the backtest (``trend_start`` must be at least
        ``n_origins + MIN_OBS["drift"]`` years before ``year``) or the model is unknown.
    """
    if model != "auto" and model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose 'auto' or one of {', '.join(MODELS)}")
    need = n_origins + MIN_OBS["drift"]
    if year - trend_start < need:
        raise ValueError(f"trend_start={trend_start} leaves too short a trend before {year}: "
                         f"the backtest needs trend_start <= {year - need}")
    wide = flows(indicators, RECEIVED)
    _require_year(wide, year - 1, RECEIVED)
    world, panel = _panel(wide, trend_start, year)
    series: dict[str, pd.Series] = {WORLD: world}
    for c in countries:
        row = wide.loc[c] if c in wide.index else pd.Series(dtype=float)
        series[c] = row.reindex(range(trend_start, year + 1))
    candidates = list(MODELS) if model == "auto" else [model]
    bt = pd.concat(
        [backtest(s, m, year, trend_start, n_origins).assign(series=code, model=m)
         for code, s in series.items() for m in candidates],
        ignore_index=True,
    )
    bt = bt[["series", "model", *[c for c in bt.columns if c not in ("series", "model")]]]
    is_world = bt["series"] == WORLD
    if model == "auto":
        world_model = select_model(bt[is_world])
        country_model = select_model(bt[~is_world]) if len(countries) else world_model
    else:
        world_model = country_model = model
    mape = bt.pivot_table(index="series", columns="model", values="ape", aggfunc="mean",
                          dropna=False).reindex(index=list(series), columns=candidates)
    rows = []
    for code, s in series.items():
        chosen = world_model if code == WORLD else country_model
        train = s.loc[trend_start:year - 1]
        actual = float(s.get(year, np.nan))
        try:
            f = _forecast_at(train, chosen, year, alpha=alpha)
            fc, lo, hi = (float(f[c]) for c in ("forecast", "lower", "upper"))
            conv, n_train = bool(f["converged"]), int(f["n_obs"])
        except (ValueError, np.linalg.LinAlgError):
            fc = lo = hi = np.nan
            conv, n_train = False, int(train.notna().sum())
        position = (pd.NA if math.isnan(actual) or math.isnan(fc) else
                    "below" if actual < lo else "above" if actual > hi else "inside")
        name = (f"World ({len(panel)} countries with data {trend_start}-{year})"
                if code == WORLD else country_name(code))
        rows.append({
            "series": code, "name": name, "model": chosen, "n_train": n_train,
            "actual": actual, "forecast": fc, "lower": lo, "upper": hi, "position": position,
            "outside": pd.NA if position is pd.NA else position != "inside",
            "vs_trend_pct": (actual / fc - 1) * 100, "vs_low_pct": (actual / hi - 1) * 100,
            "vs_high_pct": (actual / lo - 1) * 100, "mape_pct": float(mape.at[code, chosen]),
            "n_backtest": int(bt.loc[(bt["series"] == code) & (bt["model"] == chosen), "ape"]
                              .notna().sum()),
            "converged": conv,
        })
    table = pd.DataFrame(rows)
    table["outside"] = table["outside"].astype("boolean")
    return Counterfactual(year, trend_start, world_model, country_model, table, bt, mape,
                          world, panel, alpha)


# ---------------------------------------------------------------------------------- claims


@dataclass(frozen=True)
class Claim:
    """A published statement about a percentage change of world remittances.

    Attributes
    ----------
    text : str
        The claim as stated.
    year : int
        The year the change refers to (against the year before).
    claimed_pct : float
        The claimed change in percent (a fall is negative).
    indicator : str
        The indicator the claim is about.
    """

    text: str
    year: int
    claimed_pct: float
    indicator: str = RECEIVED


#: The claims the chapter checks.
CLAIMS: tuple[Claim, ...] = (
    Claim("global remittances fell by 14 percent in 2020", 2020, -14.0),
)


def check_claim(claimed_pct: float, computed_pct: float, tolerance: float = 2.0) -> str:
    """Verdict on a claimed percentage change against the computed one.

    Returns
    -------
    str
        ``"consistent"`` when ``|computed - claimed| <= tolerance`` (percentage points);
        ``"right direction, wrong size"`` when the signs agree; ``"contradicted"`` otherwise;
        ``"cannot be checked"`` when the computed value is missing.
    """
    if computed_pct is None or math.isnan(computed_pct):
        return "cannot be checked"
    if abs(computed_pct - claimed_pct) <= tolerance:
        return "consistent"
    if np.sign(computed_pct) == np.sign(claimed_pct):
        return "right direction, wrong size"
    return "contradicted"


def claims_register(indicators: pd.DataFrame, claims: Sequence[Claim] = CLAIMS,
                    tolerance: float = 2.0) -> pd.DataFrame:
    """Check each claim against the world change (countries with data in both years).

    Returns
    -------
    DataFrame
        Columns ``claim``, ``claimed_pct``, ``computed_pct``, ``difference_pp``, ``verdict``
        and ``basis`` (what the computed value is a change of).
    """
    rows = []
    for claim in claims:
        try:
            ch = world_change(indicators, claim.year, indicator=claim.indicator)
            computed = ch.change_pct
            basis = (f"{claim.indicator}, {ch.base_year}-{ch.year}, sum over the "
                     f"{ch.n_countries} countries with data in both years (current US$)")
        except ValueError as err:
            computed, basis = np.nan, str(err)
        rows.append({"claim": claim.text, "claimed_pct": claim.claimed_pct,
                     "computed_pct": computed, "difference_pp": computed - claim.claimed_pct,
                     "verdict": check_claim(claim.claimed_pct, computed, tolerance),
                     "basis": basis})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------- charts


def plot_top(received: pd.DataFrame, paid: pd.DataFrame, year: int) -> plt.Figure:
    """Two bar panels: top recipients and top senders (US$ bn), from :func:`top_countries`."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 0.35 * max(len(received), len(paid)) + 1.5))
    for ax, df, title, colour in ((axes[0], received, "Received", 0), (axes[1], paid, "Paid", 1)):
        sns.barplot(x=df["value"] / 1e9, y=df["name"], ax=ax, color=sns.color_palette()[colour])
        ax.set(title=f"{title}, {year}", xlabel="US$ billion (current)", ylabel="")
    fig.tight_layout()
    return fig


def plot_dependence(dep: pd.DataFrame, year: int) -> plt.Figure:
    """Bar chart of remittances as a share of GDP (%), from :func:`dependence`."""
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(dep) + 1.2))
    sns.barplot(x=dep["share"] * 100, y=dep["name"], ax=ax, color=sns.color_palette()[2])
    ax.set(xlabel=f"Remittances received, % of GDP, {year}", ylabel="")
    fig.tight_layout()
    return fig


def plot_world_trend(cf: Counterfactual, first_year: int | None = None) -> plt.Figure:
    """The balanced-panel world series with the forecast of ``year`` and its interval."""
    s = cf.world_series / 1e9
    if first_year is not None:
        s = s.loc[first_year:]
    fan = cf.fan() / 1e9
    fig, ax = plt.subplots()
    sns.lineplot(x=s.index, y=s.to_numpy(), marker="o", ax=ax, label="actual")
    ax.errorbar(fan.index, fan["forecast"], yerr=[fan["forecast"] - fan["lower"],
                                                 fan["upper"] - fan["forecast"]],
                fmt="s", color=sns.color_palette()[3], capsize=4,
                label=f"trend forecast, {1 - cf.alpha:.0%} interval")
    ax.axvspan(cf.trend_start - 0.5, cf.year - 0.5, color="0.9", zorder=0,
               label="fitting window")
    ax.set(xlabel="", ylabel="US$ billion (current)")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.legend(loc="upper left")
    return fig


def plot_counterfactual(cf: Counterfactual) -> plt.Figure:
    """Dot plot: actual against forecast for each series, with the interval as a bar.

    The axis is a ratio (log) scale labelled in percent, so that a halving and a doubling lie
    equally far from zero and a wide interval does not squeeze the others.
    """
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    t = cf.table.dropna(subset=["vs_trend_pct"]).iloc[::-1]
    ratio = t["actual"] / t["forecast"]
    low, high = t["actual"] / t["upper"], t["actual"] / t["lower"]
    pal = sns.color_palette()
    fig, ax = plt.subplots(figsize=(8, max(0.35 * len(t) + 1.8, 3.0)), layout="constrained")
    ax.hlines(t["name"], low, high, color="0.6", linewidth=3)
    ax.scatter(ratio, t["name"], c=[pal[3] if o else pal[0] for o in t["outside"].fillna(False)],
               zorder=3)
    ax.axvline(1, color="0.3", linewidth=1)
    ax.set_xscale("log")
    lo, hi = min(low.min(), 0.9) / 1.05, max(high.max(), 1.1) * 1.05
    ax.set_xlim(lo, hi)
    grid = ((0.1, 0.25, 0.5, 1, 2, 4, 10) if hi / lo > 4 else
            (0.5, 0.67, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 2))
    ax.xaxis.set_major_locator(FixedLocator([x for x in grid if lo <= x <= hi]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda v, _p: "0 %" if v == 1 else f"{(v - 1) * 100:+.0f} %"))
    ax.set(xlabel=f"Actual {cf.year} against trend forecast (ratio scale)", ylabel="")
    fig.legend(handles=[
        Line2D([], [], marker="o", ls="", color=pal[0], label="inside the interval"),
        Line2D([], [], marker="o", ls="", color=pal[3], label="outside the interval"),
        Line2D([], [], color="0.6", lw=3,
               label=f"deviations allowed by the {1 - cf.alpha:.0%} interval"),
    ], loc="outside lower center", ncol=3, frameon=False, fontsize="small")
    return fig


# ----------------------------------------------------------------- one country (country brief)

__all__ += ["TREND_START", "country_counterfactual", "plot_country_trend", "reported_years"]

#: First year of the fitting window when the report year leaves room for the backtest (the
#: chapter's default ``trend_start``).
TREND_START = 2010


def reported_years(indicators: pd.DataFrame, country: str,
                   indicator: str = RECEIVED) -> list[int]:
    """The years in which ``country`` has a positive value of ``indicator``.

    Parameters
    ----------
    indicators : DataFrame
        The canonical ``indicators`` table.
    country : str
        ISO-3 code.
    indicator : str, default received
        The indicator.

    Returns
    -------
    list of int
        Ascending; empty for a country that never reports (or reports only zeros).
    """
    rows = indicators[(indicators["indicator"] == indicator) & (indicators["country"] == country)
                      & (indicators["value"] > 0)]
    return sorted(int(y) for y in rows["year"])


def country_counterfactual(indicators: pd.DataFrame, country: str, year: int,
                           trend_start: int | None = None, *, alpha: float = 0.05,
                           n_origins: int = 5) -> Counterfactual | None:
    """The trend counterfactual of :func:`counterfactual` for a single country.

    The model is chosen as in the chapter (:func:`select_model` on the backtest forecasts of
    the selected countries, here the one country); the country's row of
    :attr:`Counterfactual.table` holds actual, forecast and interval.

    Parameters
    ----------
    indicators : DataFrame
        The canonical ``indicators`` table.
    country : str
        ISO-3 code.
    year : int
        The year forecast.
    trend_start : int, optional
        First year of the fitting window; by default :data:`TREND_START`, or the latest start
        the backtest allows (``year - n_origins - MIN_OBS["drift"]``) when that is earlier.
    alpha : float, default 0.05
        1 - coverage of the prediction interval.
    n_origins : int, default 5
        Backtest origins.

    Returns
    -------
    Counterfactual or None
        None when the country has no positive remittances received in ``year`` (not
        reported, or ``year`` beyond the data): there is nothing to compare.
    """
    if year not in reported_years(indicators, country):
        return None
    if trend_start is None:
        trend_start = min(TREND_START, year - n_origins - MIN_OBS["drift"])
    return counterfactual(indicators, [country], year, trend_start, alpha=alpha,
                          n_origins=n_origins)


def plot_country_trend(cf: Counterfactual, indicators: pd.DataFrame, country: str) -> plt.Figure:
    """One country's remittances received with the trend forecast of ``cf.year`` and interval.

    Parameters
    ----------
    cf : Counterfactual
        From :func:`country_counterfactual` (or :func:`counterfactual` including ``country``).
    indicators : DataFrame
        The canonical ``indicators`` table.
    country : str
        ISO-3 code, a series of ``cf``.

    Returns
    -------
    matplotlib.figure.Figure
        In US$ billion, or US$ million for a series below US$ 1 billion.
    """
    row = cf.table.set_index("series").loc[country]
    s = flows(indicators, RECEIVED).loc[country].loc[cf.trend_start:cf.year].dropna()
    scale, unit = (1e9, "billion") if s.max() >= 1e9 else (1e6, "million")
    fig, ax = plt.subplots()
    sns.lineplot(x=s.index, y=s.to_numpy() / scale, marker="o", ax=ax, label="actual")
    fc = row["forecast"] / scale
    ax.errorbar([cf.year], [fc], yerr=[[fc - row["lower"] / scale], [row["upper"] / scale - fc]],
                fmt="s", color=sns.color_palette()[3], capsize=4,
                label=f"trend forecast, {1 - cf.alpha:.0%} interval")
    ax.axvspan(cf.trend_start - 0.5, cf.year - 0.5, color="0.9", zorder=0,
               label="fitting window")
    ax.set(xlabel="", ylabel=f"US$ {unit} (current)")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.legend(loc="best", fontsize="small")
    return fig
