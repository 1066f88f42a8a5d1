"""Trend models, rolling-origin backtests and the trend counterfactual (rule 4).

The computation rules are in the package docstring (:mod:`analysis.remittances`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.countries import country_name
from analysis.remittances.levels import RECEIVED, _require_year, flows, reported_years
from analysis.remittances.models import MIN_OBS, MODELS, forecast, forecast_arrays

#: Code of the world (balanced-panel) series in counterfactual tables.
WORLD = "WLD"
#: First year of the fitting window when the report year leaves room for the backtest (the
#: chapter's default ``trend_start``).
TREND_START = 2010
#: Significance of the one-sided binomial test that excludes a model whose backtest intervals
#: cover less often than their nominal level (:func:`select_model`).
COVERAGE_TEST = 0.05

__all__ = ["MIN_OBS", "MODELS", "TREND_START", "WORLD", "Counterfactual", "backtest",
           "backtest_summary", "counterfactual", "country_counterfactual", "forecast",
           "pooled_mape", "select_model", "verdict"]


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
             n_origins: int = 5, alpha: float = 0.05) -> pd.DataFrame:
    """Rolling-origin backtest of one model on one yearly series.

    For each origin ``t`` in ``year - n_origins .. year - 1`` the model is fitted on
    ``trend_start .. t - 1`` and forecasts ``t`` (more than one step ahead when the series
    ends before ``t - 1``), with its ``1 - alpha`` prediction interval.

    Returns
    -------
    DataFrame
        One row per origin: ``origin``, ``actual``, ``forecast``, ``lower``, ``upper``,
        ``ape`` (absolute percentage error, in percent; ``NaN`` when the model could not be
        fitted or the actual is missing), ``covered`` (the actual inside the interval;
        ``NA`` when either is missing), ``width_pct`` (``(upper - lower) / forecast``, in
        percent), ``converged`` and ``deterministic``.
    """
    years = np.asarray(levels.index, dtype=int)
    values = np.asarray(levels, dtype=float)
    order = np.argsort(years)
    years, values = years[order], values[order]
    has = np.isfinite(values) & (values > 0)
    rows = []
    for t in range(year - n_origins, year):
        hit = has & (years == t)
        actual = float(values[hit][0]) if hit.any() else np.nan
        use = has & (years >= trend_start) & (years <= t - 1)
        fc = lo = hi = np.nan
        conv = det = False
        if use.any():
            yrs = years[use]
            try:
                f = forecast_arrays(yrs, np.log(values[use]), model, int(t - yrs[-1]), alpha)
                mean, half = f["mean"][-1], f["half"][-1]
                fc, lo, hi = math.exp(mean), math.exp(mean - half), math.exp(mean + half)
                conv, det = bool(f["converged"]), bool(f["deterministic"])
            except (ValueError, np.linalg.LinAlgError):
                pass
        known = not (math.isnan(actual) or math.isnan(fc))
        rows.append({"origin": t, "actual": actual, "forecast": fc, "lower": lo, "upper": hi,
                     "ape": abs(fc / actual - 1.0) * 100.0,
                     "covered": bool(lo <= actual <= hi) if known else pd.NA,
                     "width_pct": (hi - lo) / fc * 100.0, "converged": conv,
                     "deterministic": det})
    out = pd.DataFrame(rows)
    out["covered"] = out["covered"].astype("boolean")
    return out


def _common(backtests: pd.DataFrame) -> pd.DataFrame:
    """The backtest rows of the (series, origin) forecasts that every model could make."""
    ok = backtests[backtests["ape"].notna()]
    counts = ok.groupby(["series", "origin"], sort=False)["model"].transform("size")
    return ok[counts.to_numpy() == backtests["model"].nunique()]


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
    common = _common(backtests)
    out = common.groupby("model")["ape"].mean()
    out = out.reindex([m for m in MODELS if m in out.index]).rename("mape_pct")
    out.index.name = "model"
    out.attrs["n"] = int(common[["series", "origin"]].drop_duplicates().shape[0])
    return out


def backtest_summary(backtests: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """MAPE, interval coverage and width of each model over the common backtest forecasts.

    Parameters
    ----------
    backtests : DataFrame
        As :attr:`Counterfactual.backtests` (columns ``series``, ``model``, ``origin``,
        ``ape``, ``covered``, ``width_pct``, ``deterministic``).
    level : float, default 0.95
        The nominal coverage of the intervals.

    Returns
    -------
    DataFrame
        Indexed by model (order of :data:`MODELS`): ``forecasts`` (the (series, origin)
        forecasts every model could make), ``mape_pct``, ``coverage_pct`` (share of them whose
        actual value fell inside the interval), ``width_pct`` (mean interval width, % of the
        forecast), ``collapsed_pct`` (share of all the model's fits that were deterministic)
        and ``coverage_p`` (one-sided exact binomial p-value of so few hits if the intervals
        covered ``level``).
    """
    common = _common(backtests)
    values = pd.DataFrame({"model": common["model"].to_numpy(),
                           "mape_pct": common["ape"].to_numpy(float),
                           "coverage_pct": common["covered"].to_numpy(float, na_value=np.nan)
                           * 100, "width_pct": common["width_pct"].to_numpy(float)})
    g = values.groupby("model", sort=False)
    out = g.mean().assign(forecasts=g.size())[["forecasts", "mape_pct", "coverage_pct",
                                               "width_pct"]]
    out = out.reindex([m for m in MODELS if m in backtests["model"].unique()])
    out["forecasts"] = out["forecasts"].fillna(0).astype(int)
    det = backtests.groupby("model")["deterministic"].mean() if "deterministic" in backtests \
        else pd.Series(0.0, index=out.index)
    out["collapsed_pct"] = det.reindex(out.index).fillna(0.0).astype(float) * 100
    hits = (out["coverage_pct"] / 100 * out["forecasts"]).round()
    out["coverage_p"] = stats.binom.cdf(hits, out["forecasts"], level)
    out.index.name = "model"
    return out


def select_model(backtests: pd.DataFrame, tie: float = 0.1, level: float = 0.95) -> str:
    """The model with the lowest pooled MAPE among those whose intervals cover as they should.

    A model is not eligible when

    - its intervals covered the actual value significantly less often than ``level`` in the
      backtest (:func:`backtest_summary`: one-sided exact binomial test at
      :data:`COVERAGE_TEST`; with five forecasts, four hits pass and three do not; with 80,
      72 pass), or
    - most of its backtest fits are ``deterministic`` (an ETS fit whose smoothing weights
      collapsed to zero: a fixed line whose interval no longer reflects the uncertainty).

    When no model is eligible, the one whose intervals covered most often is used (ties: the
    lower MAPE, then the simpler model).

    Parameters
    ----------
    backtests : DataFrame
        As :attr:`Counterfactual.backtests` (``covered`` and ``deterministic`` optional).
    tie : float, default 0.1
        MAPEs within this many percentage points of the best count as ties, won by the model
        listed first in :data:`MODELS` (the simplest).
    level : float, default 0.95
        The nominal coverage of the intervals.

    Returns
    -------
    str
        A key of :data:`MODELS`; ``"drift"`` when no forecast is common to all models.
    """
    bt = backtests if "covered" in backtests else backtests.assign(covered=np.nan)
    summary = backtest_summary(bt.assign(width_pct=bt.get("width_pct", np.nan)), level)
    summary = summary[summary["forecasts"] > 0]
    if summary.empty:
        return "drift"
    ok = summary["collapsed_pct"] <= 50
    if "covered" in backtests:
        ok &= ~(summary["coverage_p"] < COVERAGE_TEST)
    if ok.any():
        mape = summary.loc[ok, "mape_pct"]
        return next(m for m in MODELS if m in mape.index and mape[m] <= mape.min() + tie)
    ranked = summary.assign(order=[list(MODELS).index(m) for m in summary.index])
    ranked = ranked.sort_values(["coverage_pct", "mape_pct", "order"],
                                ascending=[False, True, True])
    return str(ranked.index[0])


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
        its ``n_backtest`` backtest forecasts), ``coverage_pct`` (share of those forecasts
        whose interval held the actual value) and ``converged``.
    backtests : DataFrame
        Every backtest forecast: ``series``, ``model``, ``origin``, ``actual``, ``forecast``,
        ``lower``, ``upper``, ``ape``, ``covered``, ``width_pct``, ``converged``,
        ``deterministic`` (:func:`backtest`).
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

    def _part(self, world: bool) -> pd.DataFrame:
        is_world = self.backtests["series"] == WORLD
        return self.backtests[is_world if world else ~is_world]

    def pooled_mape(self, world: bool) -> pd.Series:
        """:func:`pooled_mape` of the world's backtest (``True``) or the countries' pooled."""
        return pooled_mape(self._part(world))

    def summary(self, world: bool) -> pd.DataFrame:
        """:func:`backtest_summary` of the world's backtest (``True``) or the countries'."""
        return backtest_summary(self._part(world), 1 - self.alpha)

    def coverage(self, world: bool | None = None) -> dict[str, float]:
        """Backtest coverage (%) of the intervals of the models used, with its forecast count.

        Pools every backtest forecast with a known outcome made by the model used for its
        series (:attr:`world_model` for the world, :attr:`country_model` for the countries):
        all series (``world=None``), the world only (``True``) or the countries (``False``).

        Returns
        -------
        dict
            ``pct`` (share of actual values inside their interval, %), ``n`` (forecasts),
            ``hits`` and ``low`` / ``high``: the Clopper-Pearson 95 % interval of the share.
        """
        bt = self.backtests if world is None else self._part(world)
        used = np.where(bt["series"] == WORLD, self.world_model, self.country_model)
        hits = bt.loc[bt["model"] == used, "covered"].dropna().astype(bool)
        n, k = int(len(hits)), int(hits.sum())
        if n == 0:
            return {"pct": float("nan"), "n": 0, "hits": 0, "low": float("nan"),
                    "high": float("nan")}
        ci = stats.binomtest(k, n).proportion_ci(0.95, method="exact")
        return {"pct": 100 * k / n, "n": n, "hits": k, "low": 100 * ci.low,
                "high": 100 * ci.high}

    def model_table(self) -> pd.DataFrame:
        """:meth:`summary` of the world and of the countries, one row per (series, model).

        Columns ``series`` (``World`` / ``Selected countries``), ``model``, ``forecasts``,
        ``mape_pct``, ``coverage_pct``, ``width_pct`` (mean interval width, % of the
        forecast) and ``used`` (the model chosen for those series).
        """
        parts = []
        for world, label, used in ((True, "World", self.world_model),
                                   (False, "Selected countries", self.country_model)):
            if not self._part(world).empty:
                t = self.summary(world).reset_index()
                parts.append(t.assign(series=label, used=t["model"] == used))
        cols = ["series", "model", "forecasts", "mape_pct", "coverage_pct", "width_pct", "used"]
        return pd.concat(parts, ignore_index=True)[cols]


def verdict(position: str, trend_start: int, year: int) -> str:
    """Plain-words position of an actual value against its trend interval.

    Examples
    --------
    >>> verdict("below", 2010, 2020)
    'below the range expected from the 2010-2019 trend'
    """
    if position not in ("inside", "above", "below"):
        return "not comparable with a trend forecast"
    return f"{position} the range expected from the {trend_start}-{year - 1} trend"


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
        ``"auto"`` picks the model by backtest (:func:`select_model`: MAPE among the models
        whose intervals cover), once for the world on its own backtest and once for the
        countries pooled.
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
        [backtest(s, m, year, trend_start, n_origins, alpha).assign(series=code, model=m)
         for code, s in series.items() for m in candidates],
        ignore_index=True,
    )
    bt = bt[["series", "model", *[c for c in bt.columns if c not in ("series", "model")]]]
    is_world = bt["series"] == WORLD
    if model == "auto":
        world_model = select_model(bt[is_world], level=1 - alpha)
        country_model = (select_model(bt[~is_world], level=1 - alpha) if len(countries)
                         else world_model)
    else:
        world_model = country_model = model
    mape = bt.pivot_table(index="series", columns="model", values="ape", aggfunc="mean",
                          dropna=False).reindex(index=list(series), columns=candidates)
    rows = []
    for code, s in series.items():
        chosen = world_model if code == WORLD else country_model
        mine = bt[(bt["series"] == code) & (bt["model"] == chosen)]
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
            "n_backtest": int(mine["ape"].notna().sum()),
            "coverage_pct": float(mine["covered"].dropna().mean()) * 100
            if mine["covered"].notna().any() else np.nan,
            "converged": conv,
        })
    table = pd.DataFrame(rows)
    table["outside"] = table["outside"].astype("boolean")
    return Counterfactual(year, trend_start, world_model, country_model, table, bt, mape,
                          world, panel, alpha)


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
