"""The Migrant Resource Centre survey: input contract, synthetic survey, estimation, disclosure.

>>> from analysis.survey import load_survey, weighted_proportion
>>> df, cb = load_survey("mrc.dta", "mrc.codebook.yaml")                 # doctest: +SKIP
>>> weighted_proportion(df, "aware_legal", by="country", **cb.design_kwargs)  # doctest: +SKIP

Modules
-------
- :mod:`~analysis.survey.codebook` - the input contract (:func:`load_survey`);
- :mod:`~analysis.survey.synthetic` - the seeded synthetic survey;
- :mod:`~analysis.survey.estimation` - design-based estimators (Taylor linearisation);
- :mod:`~analysis.survey.disclosure` - cell suppression, redaction of free text;
- :mod:`~analysis.survey.claims` - the claims register;
- :mod:`~analysis.survey.chapter` - loading and labelling for the chapter;
- :mod:`~analysis.survey.figures` - the chapter's charts;
- :mod:`~analysis.survey.messages` - the key messages.
"""

from __future__ import annotations

from analysis.survey.codebook import Codebook, Design, Variable, load_survey, read_codebook
from analysis.survey.estimation import (
    CrosstabResult,
    ModelNotIdentified,
    design_df,
    domain_difference,
    survey_logit,
    weighted_crosstab,
    weighted_mean,
    weighted_proportion,
)

__all__ = [
    "Codebook",
    "CrosstabResult",
    "ModelNotIdentified",
    "Design",
    "Variable",
    "design_df",
    "domain_difference",
    "load_survey",
    "read_codebook",
    "survey_logit",
    "weighted_crosstab",
    "weighted_mean",
    "weighted_proportion",
]
