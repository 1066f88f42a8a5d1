"""Disclosure control: small cells never shown, PII never output, free text escaped."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.export import display as show
from analysis.survey import load_survey, weighted_proportion
from analysis.survey import synthetic as syn
from analysis.survey.claims import evaluate_claims
from analysis.survey.disclosure import (
    SuppressionLog,
    for_display,
    lines_for,
    redact,
    select_comments,
    suppress,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "survey"


@pytest.fixture
def published(monkeypatch) -> list[tuple[dict, dict]]:
    """Everything the display helpers publish, instead of sending it to a kernel."""
    out: list[tuple[dict, dict]] = []
    monkeypatch.setattr(show, "_publish", lambda data, metadata=None: out.append(
        (data, metadata or {})))
    return out


def _table(rows):
    return pd.DataFrame(rows, columns=["country", "category", "estimate", "se", "n"])


def test_primary_and_secondary_suppression_in_a_category_breakdown():
    t = _table([
        ("PAK", "agent", 0.50, 0.02, 120), ("PAK", "family", 0.30, 0.02, 70),
        ("PAK", "mrc", 0.04, 0.01, 6), ("PAK", "other", 0.16, 0.02, 35),
        ("BGD", "agent", 0.60, 0.02, 150), ("BGD", "family", 0.25, 0.02, 60),
        ("BGD", "mrc", 0.05, 0.01, 13), ("BGD", "other", 0.10, 0.02, 25),
    ])
    out = suppress(t, min_cell=10, lines=[["country"]])
    # Primary: PAK/mrc (n=6). Secondary: the smallest other cell of that country (other, 35),
    # otherwise 1 - the rest would reveal it.
    assert out["suppressed"].tolist() == [False, False, True, True,
                                          False, False, False, False]
    assert out.attrs["suppressed"] == 2
    assert out.loc[out["suppressed"], ["estimate", "se"]].isna().all().all()
    assert out.loc[out["suppressed"], "n"].isna().all()
    # Adding the lines across countries (category margins) propagates: BGD/mrc and BGD/other
    # are now single suppressed cells of their column lines, and so on.
    both = suppress(t, min_cell=10, lines=lines_for(["country"], category=True))
    assert both["suppressed"].tolist() == [False, False, True, True,
                                           False, False, True, True]


def test_single_suppressed_cell_in_a_line_never_remains():
    rng = np.random.default_rng(0)
    for _ in range(50):
        t = pd.DataFrame({"a": np.repeat(list("xyz"), 4), "b": np.tile(list("pqrs"), 3),
                          "n": rng.integers(0, 40, 12), "estimate": rng.random(12)})
        out = suppress(t, min_cell=10, lines=[["a"], ["b"]])
        assert (out["suppressed"] | (t["n"] >= 10)).all()
        for line in ("a", "b"):
            counts = out.groupby(line)["suppressed"].sum()
            assert not (counts == 1).any()


def test_lines_for():
    assert lines_for(["country"], category=True) == [["country"], ["category"]]
    assert lines_for(["country", "gender"]) == [["gender"], ["country"]]
    assert lines_for([], category=True) == [[]]
    assert lines_for(["country"]) == [[]]


def test_small_cell_never_appears_in_displayed_table_or_key_figure(published):
    # 4 respondents in a domain with a distinctive estimate.
    rng = np.random.default_rng(1)
    n = 204
    df = pd.DataFrame({
        "w": rng.uniform(1, 2, n), "psu": np.arange(n) // 6,
        "region": ["tiny"] * 4 + ["big"] * 200,
        "y": np.r_[[1.0, 1.0, 1.0, 0.0], rng.random(200) < 0.4],
    })
    raw = weighted_proportion(df, "y", weight="w", psu="psu", by="region")
    tiny = raw.set_index("region").loc["tiny"]
    log = SuppressionLog(min_cell=10)
    t = log.apply(raw, lines=lines_for(["region"]))
    shown = for_display(t, columns={"region": "Region", "estimate": "Share", "ci_low": "Low",
                                    "n": "Respondents"}, formats={"estimate": "{:.1%}",
                                                                  "ci_low": "{:.1%}"})
    show.table(shown, caption="test", source="test")
    value = log.value(t, region="tiny")
    show.record("tiny_share", value, unit="proportion", source="test", vintage="test")
    assert math.isnan(value) and log.total == 2  # the big region is its complement
    payload = published[0][0][show.TABLE_MIME]
    rows = {r[0]: r for r in payload["rows"]}
    assert rows["tiny"] == ["tiny", "suppressed", "–", "–"]
    text = json.dumps([d for d, _ in published])
    assert f"{tiny['estimate']:.1%}" not in text and f"{tiny['ci_low']:.1%}" not in text
    assert published[1][0][show.KEY_FIGURE_MIME]["value"] is None


def test_comments_are_redacted_and_escaped(published):
    df, _ = load_survey(FIXTURES / "kobo_small.csv", FIXTURES / "kobo_small.codebook.yaml")
    comments = select_comments(df, by=None, k=10, min_cell=1)
    assert len(comments) == 4
    show.table(comments, caption="Comments", source="fixture")
    html = published[0][0]["text/html"]
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html and "<img" not in html and "onerror=alert(1)>" not in html
    assert "+880 1712 345678" not in html and "[number removed]" in html


def test_redact():
    assert redact("call 0300-1234567 or +92 300 1234567") == \
        "call [number removed] or [number removed]"
    assert redact("mail a.b@x.org now") == "mail [e-mail removed] now"
    assert redact("we paid 600,000 rupees in 2023") == "we paid 600,000 rupees in 2023"


def test_pii_never_reaches_an_output(tmp_path, published):
    data, codebook = syn.write(tmp_path, fmt="csv", n_per_psu=8, n_psu=4, seed=3)
    raw = pd.read_csv(data, dtype=str)
    pii_values = set(raw["resp_name"]) | set(raw["resp_phone"])
    df, cb = load_survey(data, codebook)
    assert not set(cb.pii) & set(df.columns)
    design = cb.design_kwargs
    log = SuppressionLog(10)
    for var, by in (("aware_legal", "country,gender,area"), ("info_source", "country")):
        t = log.apply(weighted_proportion(df, var, by=by, **design),
                      lines=lines_for(by.split(","), category=var == "info_source"))
        show.table(for_display(t, columns={c: c for c in t.columns if c != "suppressed"}),
                   caption="t", source="s")
    show.table(select_comments(df, min_cell=1), caption="c", source="s")
    show.table(evaluate_claims(df, design), caption="claims", source="s")
    text = json.dumps([d for d, _ in published], ensure_ascii=False)
    assert published and all(col not in text for col in cb.pii)
    leaked = [v for v in pii_values if v in text]
    assert not leaked
