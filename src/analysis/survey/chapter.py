"""What the survey chapter (``notebooks/03_mrc_survey.ipynb``) needs besides the estimators.

- :func:`open_survey` loads the real survey (file + codebook) or generates the synthetic one and
  carries the labels that make "synthetic" appear in every title, caption and source line;
- :func:`design_summary` describes the sample and the design;
- :func:`open_survey` takes the typed ``survey_path``/``codebook_path`` parameters (a
  :class:`~pathlib.Path` or ``None``); survey microdata are not canonical tables, so this is
  the chapter's loader;
- the charts are in :mod:`~analysis.survey.figures` (:func:`pointrange_figure` draws estimates
  with intervals, suppressed cells left out), the key messages in
  :mod:`~analysis.survey.messages`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import DataError
from analysis.io import sha256_file
from analysis.survey import synthetic
from analysis.survey.codebook import Codebook, load_survey

__all__ = [
    "CHAPTER_ID",
    "Survey",
    "design_summary",
    "open_survey",
    "sample_size",
]

CHAPTER_ID = "survey"
TITLE = "Migrant Resource Centre survey"
SYNTHETIC_TAG = "(synthetic data)"


@dataclass(frozen=True)
class Survey:
    """A loaded survey and how to label what is derived from it.

    Attributes
    ----------
    data : DataFrame
        The standardised frame (no PII).
    codebook : Codebook
    synthetic : bool
        Whether the data are synthetic (generated, or a file whose codebook says
        ``synthetic: true``).
    source : str
        Source line for tables, figures and key figures (says "synthetic" when it is).
    vintage : str
        Version of the data: the seed, or the file's name and checksum.
    """

    data: pd.DataFrame
    codebook: Codebook
    synthetic: bool
    source: str
    vintage: str

    @property
    def design(self) -> dict[str, str | None]:
        """``weight``/``strata``/``psu`` keyword arguments for the estimators."""
        return self.codebook.design_kwargs

    @property
    def title(self) -> str:
        """Chapter title; ends in "(synthetic data)" for synthetic data."""
        base = self.codebook.title or TITLE
        if self.synthetic and SYNTHETIC_TAG not in base:
            base = f"{base} {SYNTHETIC_TAG}"
        return base

    @property
    def notice(self) -> str:
        """One paragraph saying what the data are (a plain warning for synthetic data)."""
        if self.synthetic:
            return ("Every number in this chapter comes from a synthetic "
                    f"survey ({self.vintage}) generated to mimic the design of the Migrant "
                    "Resource Centre survey. The numbers show how the survey is analysed; they "
                    "are not findings about real people.")
        return f"Estimates from the {self.source}."

    def check(self, *, outcome: str, by: Sequence[str]) -> list[str]:
        """Refuse chapter parameters the survey cannot serve; return the ``by`` columns it has.

        The outcome is required. A ``by`` column the survey does not have is left out (the
        chapter says so, :meth:`lacks`); one it has must be categorical.

        Raises
        ------
        ValueError
            If ``outcome`` is not a binary variable of the survey (or nobody answered it) or a
            ``by`` column of the survey is not a categorical one.
        """
        df = self.data
        if outcome not in df.columns or not pd.api.types.is_bool_dtype(df[outcome].dtype):
            binary = [c for c in df.columns if pd.api.types.is_bool_dtype(df[c].dtype)]
            raise ValueError(f"outcome={outcome!r} must be a binary variable of the survey: "
                             f"{', '.join(binary) or '(none)'}")
        if not df[outcome].notna().any():
            raise ValueError(f"outcome={outcome!r} has no answers in the survey")
        categorical = [c for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)]
        bad = [b for b in by if b in df.columns and b not in categorical]
        if bad or not by:
            raise ValueError(f"by={','.join(by)!r}: give one or more categorical variables "
                             f"among {', '.join(categorical)}")
        return [b for b in by if b in categorical]

    def has(self, *names: str) -> bool:
        """Whether the survey has every variable in ``names`` with at least one answer."""
        return not self.absent(*names)

    def absent(self, *names: str) -> list[str]:
        """The variables of ``names`` the survey lacks (or that nobody answered)."""
        df = self.data
        return [n for n in names if n not in df.columns or not df[n].notna().any()]

    def lacks(self, what: str, *names: str) -> str:
        """One sentence saying that ``what`` is left out and which variables are missing."""
        from analysis.survey.codebook.contract import STANDARD_VARIABLES

        missing = self.absent(*names)
        topics = [_ASKED.get(n, STANDARD_VARIABLES.get(n, ("", n.replace("_", " ")))[1])
                  for n in missing]
        listed = topics[0] if len(topics) == 1 else ", ".join(topics[:-1]) + " or " + topics[-1]
        return f"{what} is left out: the survey does not record {listed}."

    def caption(self, text: str) -> str:
        """A caption, with "(synthetic data)" appended when the data are synthetic."""
        return f"{text} {SYNTHETIC_TAG}" if self.synthetic else text


#: What each standard variable records, in words for the reader ("the survey does not record …").
_ASKED = {
    "country": "the country of interview",
    "gender": "the respondent's gender",
    "area": "whether respondents live in urban or rural areas",
    "age": "the respondent's age",
    "education": "the level of education",
    "intends_to_migrate": "whether the respondent intends to migrate",
    "aware_legal": "awareness of legal migration options",
    "info_source": "the main source of information on migration",
    "paid_fee": "whether a recruitment fee was paid or asked for",
    "comment": "free-text comments",
}


def open_survey(
    survey_path: Path | None = None,
    codebook_path: Path | None = None,
    *,
    seed: int = synthetic.DEFAULT_SEED,
    n_per_psu: int = 20,
    require: Sequence[str] = (),
) -> Survey:
    """Load the survey for the chapter.

    Parameters
    ----------
    survey_path, codebook_path : Path or None
        The typed ``path`` parameters. Both ``None``: the synthetic survey is generated in memory with ``seed``. Otherwise
        both are needed (see ``docs/survey-input.md``).
    seed, n_per_psu : int
        For the synthetic survey.
    require : sequence of str
        Standard variables that must be present; a missing one raises :class:`DataError`.
        The chapter requires only its outcome (checked by :meth:`Survey.check`); its
        sections use whatever else the survey has (see :data:`~analysis.survey.codebook.CHAPTER_VARIABLES`).

    Returns
    -------
    Survey
    """
    if survey_path is None and codebook_path is None:
        df, cb = synthetic.load(n_per_psu=n_per_psu, seed=seed)
        survey = Survey(
            data=df, codebook=cb, synthetic=True,
            source=f"Migrant Resource Centre survey, synthetic data generated by "
                   f"the project's survey simulator (seed {seed}); not real survey responses",
            vintage=f"synthetic, seed {seed}",
        )
    elif survey_path is None or codebook_path is None:
        raise ValueError("give both survey_path and codebook_path, or neither (synthetic data)")
    else:
        path = Path(survey_path)
        df, cb = load_survey(path, codebook_path)
        if cb.synthetic:
            source = (f"{TITLE}, synthetic data (file {path.name}); not real survey "
                      "responses")
        else:
            source = f"{cb.title or TITLE} (file {path.name})"
        survey = Survey(
            data=df, codebook=cb, synthetic=cb.synthetic, source=source,
            vintage=f"{path.name}, sha256 {sha256_file(path)[:12]}",
        )
    absent = [v for v in require if v not in survey.data.columns]
    if absent:
        raise DataError(survey.codebook.source, "the survey needs the standard "
                        f"variable(s) {', '.join(absent)}; map them with as: in the codebook",
                        column=absent[0])
    return survey


def sample_size(
    df: pd.DataFrame, *, weight: str, strata: str | None = None, psu: str | None = None
) -> dict[str, int]:
    """Respondents, PSUs (stratum/PSU pairs; respondents without PSUs) and strata."""
    n = len(df)
    n_strata = int(df[strata].nunique()) if strata else 1
    if psu:
        key = (df[strata].astype(str) + "\x1f" if strata else "") + df[psu].astype(str)
        n_psu = int(pd.Series(key).nunique())
    else:
        n_psu = n
    return {"respondents": n, "psus": n_psu, "strata": n_strata}


def design_summary(
    df: pd.DataFrame, *, weight: str, strata: str | None = None, psu: str | None = None
) -> pd.DataFrame:
    """Respondents, PSUs and weights per stratum, with a total row.

    Returns
    -------
    DataFrame
        ``stratum``, ``n`` (respondents), ``psus``, ``population`` (sum of weights: the
        estimated number of adults represented), ``weight_cv`` (coefficient of variation of
        the weights) and ``deff_weights`` (Kish's ``n sum(w^2) / sum(w)^2``, the design effect
        of unequal weighting alone).
    """
    key = df[strata].astype("string") if strata else pd.Series("all", index=df.index)

    def one(label: str, part: pd.DataFrame, k: pd.Series) -> dict[str, Any]:
        w = part[weight].to_numpy(float)
        n = w.size
        if psu:
            psus = int((k.astype(str) + "\x1f" + part[psu].astype(str)).nunique())
        else:
            psus = n
        return {"stratum": label, "n": n, "psus": psus, "population": float(w.sum()),
                "weight_cv": float(w.std() / w.mean()) if n else math.nan,
                "deff_weights": float(n * np.sum(w**2) / w.sum() ** 2) if n else math.nan}

    rows = [one(str(s), df[key == s], key[key == s]) for s in sorted(key.unique())]
    if len(rows) > 1:
        rows.append(one("total", df, key))
    out = pd.DataFrame(rows)
    out[["n", "psus"]] = out[["n", "psus"]].astype("int64")
    return out
