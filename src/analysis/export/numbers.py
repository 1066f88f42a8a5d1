"""Numbers for readers: one set of rules for prose, tables, captions and alt text.

- money: ``US$ 83.1 bn``, ``US$ 412 m`` (three significant figures), small sums in full;
- counts: in full below ten million (``126,310``), else millions with one decimal
  (``281.0 million``);
- percentages: one decimal and a no-break space before ``%`` (``10.9 %``); a share that
  rounds to 100.0 % or 0.0 % without being exactly that is written ``> 99.9 %`` / ``< 0.1 %``;
- negative numbers with the minus sign U+2212 (``−10.9 %``), never a hyphen;
- p-values: ``0.012``, ``< 0.001``.

:func:`readable` applies the typographic rules (minus sign, ``%`` spacing, en dash in year
ranges) to text already written, so that every string shown by
:mod:`analysis.export.display` follows them even when a notebook formatted a number itself.
"""

from __future__ import annotations

import math
import re

__all__ = [
    "MINUS",
    "NBSP",
    "count",
    "money",
    "number",
    "pct",
    "pct_change",
    "pp",
    "pvalue",
    "readable",
    "share",
]

MINUS = "\u2212"
NBSP = "\u00a0"


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _sign(text: str) -> str:
    return MINUS + text[1:] if text.startswith("-") else text


def number(x: float, decimals: int = 0) -> str:
    """A plain number with thousands separators and the minus sign.

    Examples
    --------
    >>> number(-1234.5, 1)
    '−1,234.5'
    """
    if _missing(x):
        return "–"
    text = f"{x:,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        text = text.lstrip("-")
    return _sign(text)


def _sig3(x: float) -> str:
    """``x`` rounded to three significant figures, with separators and no exponent."""
    if x == 0:
        return "0"
    v = round(x, 2 - int(math.floor(math.log10(abs(x)))))
    digits = max(0, 2 - int(math.floor(math.log10(abs(v)))))
    return f"{v:,.{digits}f}"


def money(x: float, currency: str = "US$") -> str:
    """An amount of money: bn or m with three significant figures, smaller sums in full.

    Examples
    --------
    >>> money(83_149_172_934)
    'US$\\xa083.1\\xa0bn'
    >>> money(-412_345_678)
    '−US$\\xa0412\\xa0m'
    >>> money(1_234_567_890_123)
    'US$\\xa01,230\\xa0bn'
    """
    if _missing(x):
        return "–"
    sign = MINUS if x < 0 else ""
    v = abs(float(x))
    if v >= 1e9:
        body = f"{_sig3(v / 1e9)}{NBSP}bn"
    elif v >= 1e6:
        body = f"{_sig3(v / 1e6)}{NBSP}m"
    else:
        body = f"{v:,.0f}"
    return f"{sign}{currency}{NBSP}{body}"


def count(x: float) -> str:
    """A count of people, detections or applications.

    In full below ten million, else in millions with one decimal.

    Examples
    --------
    >>> count(126310)
    '126,310'
    >>> count(280_598_105)
    '280.6\\xa0million'
    """
    if _missing(x):
        return "–"
    if abs(x) < 10_000_000:
        return number(round(float(x)), 0)
    return f"{number(x / 1e6, 1)}{NBSP}million"


def pct(x: float, *, signed: bool = False, decimals: int = 1) -> str:
    """A percentage (``x`` already in percent).

    ``signed`` adds ``+`` to positive values (for changes).

    Examples
    --------
    >>> pct(-0.04, signed=True)  # rounds to zero: no sign
    '0.0\\xa0%'
    >>> pct(10.94)
    '10.9\\xa0%'
    """
    if _missing(x):
        return "–"
    text = number(x, decimals)
    if signed and not text.startswith(MINUS) and float(x) != 0 and text.strip("0.") != "":
        text = "+" + text
    return f"{text}{NBSP}%"


def pct_change(x: float) -> str:
    """A percentage change, always signed (``+0.3 %``, ``−10.9 %``)."""
    return pct(x, signed=True)


def pp(x: float) -> str:
    """A difference of percentages in percentage points (``+2.1 pp``)."""
    if _missing(x):
        return "–"
    text = number(x, 1)
    return f"{'+' if x > 0 and text != '0.0' else ''}{text}{NBSP}pp"


def share(x: float, *, decimals: int = 1) -> str:
    """A share given as a proportion (0..1), in percent.

    A share that rounds to 100.0 % or 0.0 % without being exactly 1 or 0 is written
    ``> 99.9 %`` or ``< 0.1 %``, so that a reader never sees a total that is not one.

    Examples
    --------
    >>> share(0.9996)
    '>\\xa099.9\\xa0%'
    >>> share(0.0004)
    '<\\xa00.1\\xa0%'
    >>> share(0.25)
    '25.0\\xa0%'
    """
    if _missing(x):
        return "–"
    v = 100 * float(x)
    step = 10.0 ** -decimals
    if 0 < v < step / 2:
        return f"<{NBSP}{step:.{decimals}f}{NBSP}%"
    if 100 - step / 2 <= v < 100:
        return f">{NBSP}{100 - step:.{decimals}f}{NBSP}%"
    return pct(v, decimals=decimals)


def pvalue(p: float) -> str:
    """A p-value: three decimals, or ``< 0.001``.

    Examples
    --------
    >>> pvalue(1.28e-22)
    '<\\xa00.001'
    >>> pvalue(0.0456)
    '0.046'
    """
    if _missing(p):
        return "–"
    if p < 0.001:
        return f"<{NBSP}0.001"
    return f"{p:.3f}"


_HYPHEN_NUMBER = re.compile(r"(?<![\w.,)\]])-(?=\.?\d)")
_YEAR_RANGE = re.compile(r"\b((?:1[89]|20)\d\d)-((?:1[89]|20)\d\d)\b")
_PERCENT = re.compile(r"(\d)[ \u00a0\u202f]?%")


def readable(text: str) -> str:
    """Apply the typographic rules to text already written.

    A hyphen before a number becomes the minus sign, ``2014-2020`` takes an en dash, and
    ``%`` after a number is preceded by a no-break space.

    Examples
    --------
    >>> readable("-10.9% from 2014-2020, +3 %")
    '−10.9\\xa0% from 2014–2020, +3\\xa0%'
    """
    text = _YEAR_RANGE.sub("\\1\u2013\\2", str(text))
    text = _HYPHEN_NUMBER.sub(MINUS, text)
    return _PERCENT.sub(f"\\1{NBSP}%", text)
