"""Key messages of the survey chapter, from its key figures and claim verdicts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analysis.export.messages import KeyMessage, Number

__all__ = ["survey_messages"]


def survey_messages(kf: Mapping[str, Any], *, synthetic: bool) -> list[KeyMessage]:
    """Three to five key messages of the survey chapter.

    Parameters
    ----------
    kf : mapping
        Key figure name -> value: ``unaware_legal_share_PAK``, ``agent_fee_share``,
        ``claims_supported``, ``claims_tested``, ``respondents``, ``psus``.
    synthetic : bool
        Whether the survey is the synthetic one (every message then says so).
    """
    tag = " (synthetic data)" if synthetic else ""
    out: list[KeyMessage] = []
    if kf.get("unaware_legal_share_PAK") is not None:
        out.append(KeyMessage(
            f"{{}} of intending migrants in Pakistan were not aware of any legal way to "
            f"migrate{tag}.",
            [Number("unaware_legal_share_PAK", kf["unaware_legal_share_PAK"], "share")],
            ref="awareness"))
    if kf.get("agent_fee_share") is not None:
        out.append(KeyMessage(
            f"Of those relying mainly on agents or sub-agents, {{}} had paid or been asked to "
            f"pay a recruitment fee{tag}.",
            [Number("agent_fee_share", kf["agent_fee_share"], "share")], ref="fees"))
    if kf.get("claims_tested"):
        if kf["claims_supported"] == kf["claims_tested"]:
            out.append(KeyMessage(
                f"The survey supports all {{}} claims it can test{tag}.",
                [Number("claims_tested", kf["claims_tested"], "count")], ref="claims"))
        else:
            out.append(KeyMessage(
                f"The survey supports {{}} of the {{}} claims it can test{tag}.",
                [Number("claims_supported", kf["claims_supported"], "count"),
                 Number("claims_tested", kf["claims_tested"], "count")], ref="claims"))
    if kf.get("respondents"):
        out.append(KeyMessage(
            f"The estimates rest on {{}} respondents in {{}} sampled villages and urban "
            f"blocks{tag}.",
            [Number("respondents", kf["respondents"], "count"),
             Number("psus", kf["psus"], "count")], ref="sample"))
    return out[:5]
