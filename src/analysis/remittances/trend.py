"""Trend models, rolling-origin backtests and the trend counterfactual (rule 4).

The computation rules are in the package docstring (:mod:`analysis.remittances`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.countries import country_name
from analysis.remittances.levels import RECEIVED, _require_year, flows, reported_years

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
#: First year of the fitting window when the report year leaves room for the backtest (the
#: chapter's default ``trend_start``).
TREND_START = 2010


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
