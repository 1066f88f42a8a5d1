"""Design-based estimation for complex surveys: proportions, means, cross-tabulations, logit.

Modules
-------
- :mod:`~.design` - the design, linearisation variance, degrees of freedom and intervals
  (its docstring gives every formula);
- :mod:`~.proportions` - :func:`weighted_proportion`, :func:`weighted_mean`,
  :func:`domain_difference`;
- :mod:`~.crosstab` - :func:`weighted_crosstab` with the Rao-Scott test;
- :mod:`~.regression` - :func:`survey_logit` (R's ``svyglm``) and the identification check.
"""

from __future__ import annotations

from analysis.survey.estimation.crosstab import CrosstabResult, weighted_crosstab
from analysis.survey.estimation.design import design_df
from analysis.survey.estimation.proportions import (
    domain_difference,
    weighted_mean,
    weighted_proportion,
)
from analysis.survey.estimation.regression import (
    ModelNotIdentified,
    check_identified,
    survey_logit,
)

__all__ = [
    "CrosstabResult",
    "ModelNotIdentified",
    "check_identified",
    "design_df",
    "domain_difference",
    "survey_logit",
    "weighted_crosstab",
    "weighted_mean",
    "weighted_proportion",
]
