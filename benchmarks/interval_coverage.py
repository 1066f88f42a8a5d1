"""Coverage of the remittance trend models' 95 % intervals at n = 10, by simulation.

For each model, series of 10 + 1 yearly log values are simulated *from the model fitted to
the world balanced-panel series 2010-2019* (``../shared/data/gdidata``, or ``--data-dir``),
refitted on their first 10 values, and the share of 11th values inside the 95 % interval is
counted. Compared:

- ``drift``: statsmodels ``ARIMA(0,1,0)`` with a constant by maximum likelihood (the interval
  the chapter used before: normal quantile, no uncertainty in the drift) against the
  closed-form exact interval of :func:`analysis.remittances.drift_forecast`;
- ``holt`` / ``damped``: statsmodels ``ETSModel`` (``pi_lower``/``pi_upper``) against the
  bootstrap-calibrated interval of :func:`analysis.remittances.forecast`.

The ETS fits to the world series collapse to a straight line (both smoothing weights at
zero), so a second ETS process with real smoothing (alpha 0.5, beta 0.1, sigma 0.05) is
simulated too.

Prints a Markdown table for the README and writes ``benchmarks/results/interval_coverage.json``.
Run: ``.venv/bin/python benchmarks/interval_coverage.py [--reps 1000] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "interval_coverage.json"


def _world_logs(data_dir: Path) -> np.ndarray:
    from analysis import remittances as rm
    from analysis.sources import load_table

    cf = rm.counterfactual(load_table("indicators", data_dir), [], 2020, 2010, model="drift")
    return np.log(cf.world_series.loc[2010:2019].to_numpy(float))


def _index(n: int) -> pd.PeriodIndex:
    return pd.period_range("2010", periods=n, freq="Y")


def drift_coverage(logs: np.ndarray, reps: int, rng: np.random.Generator) -> dict:
    from statsmodels.tsa.arima.model import ARIMA

    from analysis.remittances import drift_forecast

    d = np.diff(logs)
    mu, sd = d.mean(), d.std(ddof=1)
    hits = {"statsmodels ARIMA (ML, normal)": 0, "closed form (exact)": 0}
    for _ in range(reps):
        y = logs[0] + np.r_[0, np.cumsum(rng.normal(mu, sd, 10))]
        past, future = y[:10], y[10]
        res = ARIMA(pd.Series(past, index=_index(10)), order=(0, 1, 0), trend="t").fit()
        lo, hi = np.asarray(res.get_forecast(1).conf_int(alpha=0.05))[0]
        hits["statsmodels ARIMA (ML, normal)"] += lo <= future <= hi
        mean, half = drift_forecast(np.arange(10), past, 1)
        hits["closed form (exact)"] += abs(future - mean[0]) <= half[0]
    return {k: 100 * v / reps for k, v in hits.items()}


def ets_coverage(model: str, fit: dict, reps: int, rng: np.random.Generator) -> dict:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    from analysis.remittances.models import _simulate_ets, forecast_arrays

    hits = {"statsmodels ETSModel": 0, "calibrated (bootstrap)": 0}
    sims = _simulate_ets(fit, 11, rng, reps)
    for y in sims:
        past, future = y[:10], y[10]
        res = ETSModel(pd.Series(past, index=_index(10)), error="add", trend="add",
                       damped_trend=model == "damped",
                       initialization_method="estimated").fit(disp=False)
        frame = res.get_prediction(start=10, end=10).summary_frame(alpha=0.05)
        hits["statsmodels ETSModel"] += (frame["pi_lower"].iloc[0] <= future
                                         <= frame["pi_upper"].iloc[0])
        f = forecast_arrays(np.arange(10), past, model, 1)
        hits["calibrated (bootstrap)"] += abs(future - f["mean"][0]) <= f["half"][0]
    return {k: 100 * v / reps for k, v in hits.items()}


def main() -> None:
    from analysis.remittances.models import _ets_fit

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".." / "shared" / "data"
                        / "gdidata")
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    import statsmodels.api  # noqa: F401  (it sets its own warning filters on import)

    warnings.simplefilter("ignore")
    rng = np.random.default_rng(args.seed)
    logs = _world_logs(args.data_dir)
    rows = []
    for method, pct in drift_coverage(logs, args.reps, rng).items():
        rows.append(("drift", "fitted to the world 2010-2019", method, pct))
    smooth = {"alpha": 0.5, "beta": 0.1, "init": np.array([logs[0], 0.04]),
              "sigma2": 0.05 ** 2}
    for model in ("holt", "damped"):
        fitted = _ets_fit(logs, damped=model == "damped")
        for label, fit in (("fitted to the world 2010-2019", fitted),
                           ("alpha 0.5, beta 0.1, sigma 0.05",
                            {**smooth, "phi": 0.9 if model == "damped" else 1.0})):
            for method, pct in ets_coverage(model, fit, args.reps, rng).items():
                rows.append((model, label, method, pct))
    print(f"\n{args.reps} simulated series of 10 + 1 years each, nominal 95 %:\n")
    print("| model | simulated from | interval | coverage (%) |")
    print("| --- | --- | --- | ---: |")
    for model, label, method, pct in rows:
        print(f"| {model} | {label} | {method} | {pct:.1f} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"reps": args.reps, "seed": args.seed, "rows": [
        {"model": m, "process": p, "interval": i, "coverage_pct": c} for m, p, i, c in rows]},
        indent=2) + "\n")


if __name__ == "__main__":
    main()
