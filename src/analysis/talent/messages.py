"""Key messages of the talent chapter, from its key figures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analysis.countries import country_name
from analysis.export.messages import KeyMessage, Number

__all__ = ["talent_messages"]


def talent_messages(kf: Mapping[str, Mapping[str, Any]]) -> list[KeyMessage]:
    """Three key messages of the talent chapter.

    Parameters
    ----------
    kf : mapping
        Key figure name -> its recorded fields (``value`` and extras), for
        ``talent_top_country`` (``rank_p05``, ``rank_p95``), ``talent_countries``,
        ``talent_rank_interval_widest`` (``rank_p05``, ``rank_p95``) and
        ``talent_method_max_shift``.
    """
    out: list[KeyMessage] = []
    top = kf.get("talent_top_country")
    if top and top.get("value"):
        out.append(KeyMessage(
            f"{country_name(top['value'])} ranks first of {{}} countries; across the "
            "simulations its rank lies between {} and {}.",
            [Number("talent_countries", kf["talent_countries"]["value"], "count"),
             Number("talent_top_country.rank_p05", top["rank_p05"], "rank"),
             Number("talent_top_country.rank_p95", top["rank_p95"], "rank")], ref="ranking"))
    wide = kf.get("talent_rank_interval_widest")
    if wide and wide.get("value"):
        out.append(KeyMessage(
            f"The rank of {country_name(wide['value'])} is the least certain: between {{}} "
            "and {} in the simulations.",
            [Number("talent_rank_interval_widest.rank_p05", wide["rank_p05"], "rank"),
             Number("talent_rank_interval_widest.rank_p95", wide["rank_p95"], "rank")],
            ref="intervals"))
    shift = kf.get("talent_method_max_shift")
    if shift is not None and shift.get("value") is not None:
        out.append(KeyMessage(
            "Another normalisation or aggregation moves a country by at most {} places.",
            [Number("talent_method_max_shift", shift["value"], "rank")], ref="methods"))
    return out
