"""A synthetic Migrant Resource Centre (MRC) survey: realistic, seeded, and plainly labelled.

No microdata of the real MRC survey are public, so the chapter runs on this synthetic survey
unless a real file is given; the real survey plugs in through the same input contract
(``docs/survey-input.md``). Everything derived from it must say "synthetic" - the codebook
carries ``synthetic: true`` and :mod:`analysis.survey.chapter` puts it in every title, caption
and source line.

Population and frame
--------------------
The population is adults aged 18-45 in the areas served by the MRCs in Afghanistan (AFG),
Bangladesh (BGD) and Pakistan (PAK). The frame (:data:`FRAME`, fixed by :data:`FRAME_SEED`
whatever the sampling seed) lists, for each stratum country x area (urban, rural), its PSUs -
urban blocks or villages - with a measure of size ``MOS_i`` (eligible adults at the last
listing) and the current number of eligible adults ``N_i`` (``MOS_i`` times a log-normal
drift, sd 0.15).

Two-stage stratified cluster sample
-----------------------------------
1. In each stratum ``h``, ``m_h = n_psu`` PSUs (default 25) are drawn by systematic PPS on
   ``MOS``: ``pi_1i = m_h MOS_i / sum_h MOS``.
2. In each sampled PSU a fresh listing finds ``N_i`` adults, of whom ``k_h = ceil(n_per_psu /
   r_h)`` are drawn by simple random sampling: ``pi_2i = k_h / N_i``.

The design (base) weight is ``d = 1 / (pi_1i pi_2i)`` (column ``wt_design``).

Non-response
------------
A selected adult responds with probability ``r_h`` (:data:`RESPONSE_RATES`: lower in towns,
and lowest in urban Pakistan) times a PSU factor (log-normal, sd 0.2), so about
``n_per_psu`` respond per PSU. Within each stratum the weights of respondents are scaled up
to carry the non-respondents: ``w = d * sum_selected d / sum_respondents d`` (``wt_final``).

Answers (superpopulation model)
-------------------------------
For respondent ``i`` in PSU ``j`` (all PSU effects are independent normal random effects,
which make answers correlated within PSUs, hence design effects above 1):

- gender: female with probability 0.49; age: 18 + 27 * Beta(1.4, 1.9), whole years;
- education (none, primary, secondary, tertiary): ordered logit on country, urban, gender,
  age and a PSU effect (sd 0.5);
- main information source: multinomial logit - agents and sub-agents lead (more so in
  villages and with a PSU "agent network" effect, sd 0.5), then family and friends, social
  media (towns, the young, the educated), the MRC, government and other;
- intends to migrate: logit ``-0.2 + 0.7 male - 0.04 (age - 30) + 0.2 rural + u`` (sd 0.4);
- aware of a legal migration option: logit ``a_c - 0.55 female - 0.5 rural + education
  (0.3, 0.6, 1.0) + source (MRC 1.1, government 0.6, social media 0.2, agent -0.25) + u``
  (sd 0.75). The country intercepts ``a_c`` are calibrated (:func:`calibration`) so that
  in the *population* the share of intending migrants unaware of any legal option is
  :data:`TARGET_UNAWARE` - 67 % in Pakistan;
- paid (or was asked to pay) a recruitment fee: logit on agent as source (+1.4), intention,
  gender, country and a PSU effect;
- a free-text comment from about 12 % of respondents (templates; some contain a phone number,
  which the chapter redacts).

Item non-response: about 2 % for awareness, 3 % information source, 4 % fee, 1.5 % education
(code 9, "refused", declared ``missing:`` in the codebook) and 1 % age.

The raw table has KoboToolbox-like column names of its own (``q_aware_legal``, ``q_sex`` …),
the design columns ``strat``, ``cluster_id``, ``wt_final`` and two PII columns
(``resp_name``, ``resp_phone``) that the codebook lists under ``pii:``.

Examples
--------
>>> from analysis.survey import synthetic
>>> raw = synthetic.generate(seed=1)                 # raw columns, like a Kobo export
>>> df, cb = synthetic.load(seed=1)                  # standardised, PII dropped
>>> synthetic.write("out", fmt="dta")                # doctest: +SKIP
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, special

from analysis.io import atomic_write_text, atomic_write_with
from analysis.survey.codebook import Codebook, apply_codebook, parse_codebook

__all__ = [
    "COUNTRIES",
    "DEFAULT_SEED",
    "FRAME",
    "FRAME_SEED",
    "RESPONSE_RATES",
    "TARGET_UNAWARE",
    "calibration",
    "codebook",
    "codebook_yaml",
    "frame",
    "generate",
    "load",
    "population_unaware",
    "write",
]

DEFAULT_SEED = 20240601
FRAME_SEED = 7_2024
COUNTRIES = ("AFG", "BGD", "PAK")
AREAS = ("urban", "rural")

#: Frame: (country, area) -> (number of PSUs, mean eligible adults per PSU).
FRAME: dict[tuple[str, str], tuple[int, int]] = {
    ("AFG", "urban"): (1_800, 210),
    ("AFG", "rural"): (5_200, 140),
    ("BGD", "urban"): (2_400, 260),
    ("BGD", "rural"): (7_800, 180),
    ("PAK", "urban"): (3_000, 300),
    ("PAK", "rural"): (8_600, 170),
}
#: Expected response rate per stratum.
RESPONSE_RATES: dict[tuple[str, str], float] = {
    ("AFG", "urban"): 0.80, ("AFG", "rural"): 0.90,
    ("BGD", "urban"): 0.82, ("BGD", "rural"): 0.92,
    ("PAK", "urban"): 0.74, ("PAK", "rural"): 0.88,
}
#: Population share of intending migrants unaware of any legal migration option.
TARGET_UNAWARE: dict[str, float] = {"AFG": 0.78, "BGD": 0.62, "PAK": 0.67}

EDUCATION = ("none", "primary", "secondary", "tertiary")
SOURCES = ("agent", "family", "social", "mrc", "govt", "other")
_EDU_COUNTRY = {"AFG": -0.4, "BGD": 0.6, "PAK": 0.3}
_EDU_CUTS = np.array([-0.5, 1.0, 2.6])
_FEE_COUNTRY = {"AFG": 0.0, "BGD": 0.4, "PAK": 0.2}
_MRC_COUNTRY = {"AFG": -0.3, "BGD": 0.2, "PAK": 0.0}
_SD_AWARE, _SD_INTEND, _SD_EDU, _SD_AGENT, _SD_FEE = 0.75, 0.4, 0.5, 0.5, 0.4
_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(24)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()


# --------------------------------------------------------------------------- frame


@cache
def frame() -> pd.DataFrame:
    """The population frame: one row per PSU with stratum, ``mos`` and current ``size``.

    Fixed by :data:`FRAME_SEED`, independent of the sampling seed.
    """
    rng = np.random.default_rng(FRAME_SEED)
    parts = []
    for (country, area), (n_psu, mean_size) in FRAME.items():
        mos = np.maximum(30, np.round(rng.lognormal(np.log(mean_size) - 0.18, 0.6, n_psu)))
        size = np.maximum(20, np.round(mos * rng.lognormal(0.0, 0.15, n_psu)))
        prefix = f"{country}-{area[0].upper()}"
        parts.append(pd.DataFrame({
            "country": country, "area": area,
            "psu_id": [f"{prefix}-{i:04d}" for i in range(1, n_psu + 1)],
            "mos": mos.astype(int), "size": size.astype(int),
        }))
    return pd.concat(parts, ignore_index=True)


def _pps_systematic(mos: np.ndarray, m: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``m`` units drawn by systematic PPS (random order, random start)."""
    order = rng.permutation(mos.size)
    cum = np.cumsum(mos[order])
    step = cum[-1] / m
    points = rng.uniform(0, step) + step * np.arange(m)
    return order[np.searchsorted(cum, points, side="right")]


# --------------------------------------------------------------------------- persons


def _persons(
    country: str, area: str, psu_index: np.ndarray, n_psu: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Covariates and linear predictors for persons in PSUs ``psu_index`` (0..n_psu-1)."""
    n = psu_index.size
    rural = 1.0 if area == "rural" else 0.0
    female = (rng.random(n) < 0.49).astype(float)
    age = np.floor(18 + 27 * rng.beta(1.4, 1.9, n))
    u_edu = rng.normal(0, _SD_EDU, n_psu)[psu_index]
    latent = (_EDU_COUNTRY[country] + 0.9 * (1 - rural) - 0.5 * female
              - 0.02 * (age - 30) + u_edu + rng.logistic(size=n))
    edu = np.searchsorted(_EDU_CUTS, latent)
    u_agent = rng.normal(0, _SD_AGENT, n_psu)[psu_index]
    util = np.column_stack([
        0.4 * rural + u_agent,                                             # agent
        -0.35 + 0.2 * female + np.zeros(n),                                # family
        -1.0 + 0.9 * (1 - rural) - 0.03 * (age - 30) + 0.4 * (edu >= 2),   # social
        -2.0 + 0.3 * (1 - rural) + _MRC_COUNTRY[country] + np.zeros(n),    # mrc
        -2.5 + 0.4 * (edu == 3),                                           # govt
        -1.9 + np.zeros(n),                                                # other
    ])
    prob = special.softmax(util, axis=1)
    source = (rng.random(n)[:, None] > np.cumsum(prob, axis=1)).sum(axis=1)
    source = np.minimum(source, len(SOURCES) - 1)
    eta_intend = (-0.2 + 0.7 * (1 - female) - 0.04 * (age - 30) + 0.2 * rural
                  + rng.normal(0, _SD_INTEND, n_psu)[psu_index])
    eta_aware = (-0.55 * female - 0.5 * rural + np.array([0.0, 0.3, 0.6, 1.0])[edu]
                 + np.array([-0.25, 0.0, 0.2, 1.1, 0.6, 0.0])[source])
    return {"female": female, "age": age, "edu": edu, "source": source,
            "eta_intend": eta_intend, "eta_aware": eta_aware}


def _expit_mixed(eta: np.ndarray, sd: float) -> np.ndarray:
    """E[expit(eta + u)] for u ~ N(0, sd^2), by Gauss-Hermite quadrature."""
    return special.expit(eta[:, None] + sd * _GH_NODES[None, :]) @ _GH_WEIGHTS


@cache
def calibration() -> dict[str, float]:
    """Country intercepts ``a_c`` of the awareness model, hitting :data:`TARGET_UNAWARE`.

    Solves, per country, population share of intending migrants unaware = target, integrating
    the PSU effects (awareness by quadrature, the others by simulating 20,000 persons in
    PSUs of 20 per stratum) and weighting strata by their population (frame sizes).
    """
    rng = np.random.default_rng(FRAME_SEED + 1)
    fr = frame()
    out = {}
    for country in COUNTRIES:
        etas, weights = [], []
        for area in AREAS:
            pop = fr.loc[(fr.country == country) & (fr.area == area), "size"].sum()
            psu_index = np.repeat(np.arange(1000), 20)
            p = _persons(country, area, psu_index, 1000, rng)
            intend = special.expit(p["eta_intend"])
            etas.append(p["eta_aware"])
            weights.append(pop / psu_index.size * intend)
        eta, wt = np.concatenate(etas), np.concatenate(weights)
        target = TARGET_UNAWARE[country]

        def gap(a: float, eta: np.ndarray = eta, wt: np.ndarray = wt,
                target: float = target) -> float:
            return float(1 - np.sum(wt * _expit_mixed(a + eta, _SD_AWARE)) / wt.sum()) - target

        out[country] = float(optimize.brentq(gap, -6, 6, xtol=1e-8))
    return out


def population_unaware(country: str) -> float:
    """The calibrated population share of intending migrants unaware (the 'true' value)."""
    return TARGET_UNAWARE[country]


# --------------------------------------------------------------------------- text

_FIRST = {
    "AFG": ["Ahmad", "Mohammad", "Farid", "Zahra", "Mariam", "Nasima", "Hamid", "Laila"],
    "BGD": ["Rahim", "Karim", "Nasrin", "Shirin", "Abdul", "Fatema", "Sohel", "Rupa"],
    "PAK": ["Imran", "Bilal", "Ayesha", "Sana", "Usman", "Hina", "Faisal", "Saima"],
}
_LAST = {
    "AFG": ["Ahmadzai", "Popal", "Karimi", "Sultani", "Wardak", "Hotak"],
    "BGD": ["Hossain", "Rahman", "Akter", "Chowdhury", "Islam", "Begum"],
    "PAK": ["Khan", "Malik", "Qureshi", "Butt", "Chaudhry", "Shah"],
}
_PHONE = {"AFG": ("+93 7", 8), "BGD": ("+880 1", 9), "PAK": ("+92 3", 9)}
_COMMENTS = [
    "The agent asked for {fee} before he would even show us the contract.",
    "Nobody in the village knows how to apply for a work visa the legal way.",
    "I only heard about the Migrant Resource Centre from my cousin.",
    "We need information in our own language, and closer to home.",
    "My brother went through a sub-agent and was cheated; we are still paying the loan.",
    "The MRC staff explained the recruitment process clearly. Very useful.",
    "Women cannot easily travel to the city to ask for advice.",
    "Social media groups are full of fake job offers.",
    "Please call me back on {number} about the training courses.",
    "Government offices are far away and the process is slow.",
    "I want to go abroad legally but I do not know where to start.",
    "The agent said the visa is guaranteed if we pay quickly.",
]


def _comment(rng: np.random.Generator) -> str:
    text = _COMMENTS[rng.integers(len(_COMMENTS))]
    fee = f"{int(rng.integers(2, 16)) * 50_000:,} rupees"
    number = "0" + "".join(str(d) for d in rng.integers(0, 10, 10))
    return text.format(fee=fee, number=number)


# --------------------------------------------------------------------------- generate


def generate(
    n_per_psu: int = 20, seed: int = DEFAULT_SEED, *, n_psu: int = 25
) -> pd.DataFrame:
    """Draw the synthetic survey: one row per respondent, raw (Kobo-like) column names.

    Parameters
    ----------
    n_per_psu : int, default 20
        Expected respondents per PSU.
    seed : int
        Seed of the sample and the answers (the frame is fixed).
    n_psu : int, default 25
        PSUs per stratum (6 strata).

    Returns
    -------
    DataFrame
        Columns ``row_id, interview_date, strat, cluster_id, wt_design, wt_final, resp_name,
        resp_phone, q_country, q_area, q_sex, q_age, q_educ, q_intend, q_aware_legal,
        q_info_src, q_fee, q_comment`` (codes as in :func:`codebook`; missing answers are
        missing values).
    """
    if n_per_psu < 2 or n_psu < 2:
        raise ValueError("need at least 2 PSUs per stratum and 2 respondents per PSU")
    rng = np.random.default_rng(seed)
    fr = frame()
    intercepts = calibration()
    parts = []
    for (country, area), rate in RESPONSE_RATES.items():
        stratum = fr[(fr.country == country) & (fr.area == area)].reset_index(drop=True)
        mos = stratum["mos"].to_numpy(float)
        chosen = _pps_systematic(mos, n_psu, rng)
        pi1 = np.minimum(1.0, n_psu * mos[chosen] / mos.sum())
        size = stratum["size"].to_numpy()[chosen]
        k = math.ceil(n_per_psu / rate)
        take = np.minimum(k, size)
        pi2 = take / size
        psu_index = np.repeat(np.arange(n_psu), take)
        d = (1 / (pi1 * pi2))[psu_index]
        psu_factor = rng.lognormal(0, 0.2, n_psu)[psu_index]
        respond = rng.random(psu_index.size) < np.minimum(0.99, rate * psu_factor)
        w = d * d.sum() / d[respond].sum()
        psu_index, d, w = psu_index[respond], d[respond], w[respond]
        n = psu_index.size
        p = _persons(country, area, psu_index, n_psu, rng)
        intend = rng.random(n) < special.expit(p["eta_intend"])
        u_aware = rng.normal(0, _SD_AWARE, n_psu)[psu_index]
        aware = rng.random(n) < special.expit(intercepts[country] + p["eta_aware"] + u_aware)
        eta_fee = (-1.3 + 1.4 * (p["source"] == 0) + 0.5 * intend + 0.3 * (1 - p["female"])
                   + _FEE_COUNTRY[country] + rng.normal(0, _SD_FEE, n_psu)[psu_index])
        fee = rng.random(n) < special.expit(eta_fee)
        first = np.array(_FIRST[country])[rng.integers(0, 8, n)]
        last = np.array(_LAST[country])[rng.integers(0, 6, n)]
        prefix, digits = _PHONE[country]
        phones = [prefix + "".join(map(str, rng.integers(0, 10, digits))) for _ in range(n)]
        comments = [_comment(rng) if rng.random() < 0.12 else None for _ in range(n)]
        days = rng.integers(0, 61, n)
        parts.append(pd.DataFrame({
            "interview_date": (pd.Timestamp("2024-03-01") + pd.to_timedelta(days, unit="D"))
            .strftime("%Y-%m-%d"),
            "strat": f"{country}_{area}",
            "cluster_id": stratum["psu_id"].to_numpy()[chosen][psu_index],
            "wt_design": np.round(d, 4),
            "wt_final": np.round(w, 4),
            "resp_name": [f"{a} {b}" for a, b in zip(first, last, strict=True)],
            "resp_phone": phones,
            "q_country": country.lower(),
            "q_area": 1 if area == "urban" else 2,
            "q_sex": np.where(p["female"] == 1, 2, 1),
            "q_age": p["age"],
            "q_educ": p["edu"].astype(float),
            "q_intend": intend.astype(float),
            "q_aware_legal": np.where(aware, "yes", "no").astype(object),
            "q_info_src": np.array(SOURCES, dtype=object)[p["source"]],
            "q_fee": fee.astype(float),
            "q_comment": np.array(comments, dtype=object),
        }))
    raw = pd.concat(parts, ignore_index=True)
    n = len(raw)
    for col, share in (("q_aware_legal", 0.02), ("q_info_src", 0.03), ("q_fee", 0.04),
                       ("q_age", 0.01)):
        raw.loc[rng.random(n) < share, col] = np.nan
    raw.loc[rng.random(n) < 0.015, "q_educ"] = 9.0
    raw.insert(0, "row_id", np.arange(1, n + 1))
    for col in ("q_country", "q_aware_legal", "q_info_src", "q_comment", "strat",
                "cluster_id", "resp_name", "resp_phone", "interview_date"):
        raw[col] = raw[col].astype(object).where(raw[col].notna(), None)
    return raw


# --------------------------------------------------------------------------- codebook

_CODEBOOK = {
    "title": "Migrant Resource Centre survey (synthetic data)",
    "synthetic": True,
    "design": {"weight": "wt_final", "strata": "strat", "psu": "cluster_id"},
    "pii": ["resp_name", "resp_phone"],
    "variables": {
        "q_country": {"as": "country", "label": "Country of interview", "type": "categorical",
                      "values": {"afg": "AFG", "bgd": "BGD", "pak": "PAK"}},
        "q_sex": {"as": "gender", "label": "Sex of respondent", "type": "categorical",
                  "values": {1: "male", 2: "female"}},
        "q_area": {"as": "area", "label": "Place of residence", "type": "categorical",
                   "values": {1: "urban", 2: "rural"}},
        "q_age": {"as": "age", "label": "Age in completed years", "type": "numeric"},
        "q_educ": {"as": "education", "label": "Highest level of education completed",
                   "type": "categorical",
                   "values": {0: "none", 1: "primary", 2: "secondary", 3: "tertiary"},
                   "missing": [9]},
        "q_intend": {"as": "intends_to_migrate",
                     "label": "Do you intend to migrate abroad in the next two years?",
                     "type": "binary", "values": {1: "yes", 0: "no"}},
        "q_aware_legal": {"as": "aware_legal",
                          "label": "Are you aware of any legal way to migrate for work?",
                          "type": "binary", "values": {"yes": "yes", "no": "no"}},
        "q_info_src": {"as": "info_source",
                       "label": "Main source of information about migrating",
                       "type": "categorical",
                       "values": {"agent": "agent or sub-agent", "family": "family and friends",
                                  "social": "social media", "mrc": "Migrant Resource Centre",
                                  "govt": "government", "other": "other"}},
        "q_fee": {"as": "paid_fee",
                  "label": "Have you paid, or been asked to pay, a recruitment fee?",
                  "type": "binary", "values": {1: "yes", 0: "no"}},
        "q_comment": {"as": "comment", "label": "Anything else you would like to tell us?",
                      "type": "text"},
    },
}


def codebook() -> Codebook:
    """The codebook of :func:`generate`'s table (``synthetic: true``)."""
    return parse_codebook(_CODEBOOK, source="synthetic survey codebook")


def codebook_yaml() -> str:
    """The codebook as YAML text, as :func:`write` saves it."""
    header = ("# Codebook of the SYNTHETIC Migrant Resource Centre survey generated by\n"
              "# analysis.survey.synthetic - not real data.\n")
    return header + codebook().to_yaml()


def load(n_per_psu: int = 20, seed: int = DEFAULT_SEED, *, n_psu: int = 25
         ) -> tuple[pd.DataFrame, Codebook]:
    """Generate the survey in memory and standardise it (as :func:`~.load_survey` would)."""
    raw = generate(n_per_psu=n_per_psu, seed=seed, n_psu=n_psu)
    cb = codebook()
    return apply_codebook(raw, cb, source=f"synthetic survey (seed {seed})"), cb


# --------------------------------------------------------------------------- write

_FORMATS = {"csv": ".csv", "xlsx": ".xlsx", "sav": ".sav", "dta": ".dta"}


def _for_stat_file(raw: pd.DataFrame) -> pd.DataFrame:
    out = raw.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].astype(object).where(out[col].notna(), "").astype(str)
            out[col] = out[col].astype(object)
    return out


def write(
    out_dir: str | Path,
    fmt: str = "csv",
    *,
    n_per_psu: int = 20,
    seed: int = DEFAULT_SEED,
    n_psu: int = 25,
    stem: str = "mrc_survey_synthetic",
) -> tuple[Path, Path]:
    """Write the synthetic survey and its codebook, each atomically.

    Parameters
    ----------
    out_dir : path-like
        Created if needed.
    fmt : {"csv", "xlsx", "sav", "dta"}
        File format of the microdata. ``.sav``/``.dta`` carry variable and value labels.
    n_per_psu, seed, n_psu
        As for :func:`generate`.
    stem : str
        File name without extension.

    Returns
    -------
    (Path, Path)
        The data file and the codebook (``<stem>.codebook.yaml``).
    """
    if fmt not in _FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(_FORMATS)}, not {fmt!r}")
    out_dir = Path(out_dir)
    raw = generate(n_per_psu=n_per_psu, seed=seed, n_psu=n_psu)
    data_path = out_dir / f"{stem}{_FORMATS[fmt]}"
    cb = codebook()
    if fmt == "csv":
        atomic_write_with(data_path, lambda tmp: raw.to_csv(tmp, index=False, encoding="utf-8"))
    elif fmt == "xlsx":
        atomic_write_with(data_path, lambda tmp: raw.to_excel(
            tmp, index=False, sheet_name="mrc_survey", engine="openpyxl"))
    else:
        import pyreadstat

        data = _for_stat_file(raw)
        labels = {v.column: v.label for v in cb.variables}
        value_labels = {
            v.column: {int(k): lab for k, lab in v.values.items()}
            for v in cb.variables
            if v.values and all(k.lstrip("-").isdigit() for k in v.values)
        }
        column_labels = [labels.get(c, c) for c in data.columns]
        writer = pyreadstat.write_sav if fmt == "sav" else pyreadstat.write_dta
        atomic_write_with(data_path, lambda tmp: writer(
            data, str(tmp), column_labels=column_labels, variable_value_labels=value_labels))
    cb_path = out_dir / f"{stem}.codebook.yaml"
    atomic_write_text(cb_path, codebook_yaml())
    return data_path, cb_path
