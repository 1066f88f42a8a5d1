"""Checks of a built draft as a reader sees it: no code in the text, numbers for readers.

:func:`reader_text` extracts what a reader reads in a chapter draft or the index (headings,
prose, captions, source lines, table cells, alt text and links; not the reproducibility
footer, which may list file names and checksums). :func:`code_in_text` and
:func:`hyphen_minus` find what must not be there; :func:`key_messages` reads the Key
messages section back.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

__all__ = ["code_in_text", "hyphen_minus", "key_messages", "reader_text"]

_CODE = [
    (re.compile(r"`"), "a backtick"),
    # (Eurostat dataset codes such as migr_asyappctza are citations, not code.)
    (re.compile(r"\b(?!migr_)[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"), "a variable name"),
    (re.compile(r"\banalysis\.[a-z_]+"), "a module path"),
    (re.compile(r"\b(?:np|pd|plt|sns)\.[a-z_]+"), "a library call"),
    (re.compile(r"\b(?:array|Series|DataFrame)\(|\bdtype\b|\bnp\.(?:float|int)"),
     "a numpy or pandas repr"),
    (re.compile(r"\b(?:None|NaN|nan|True|False)\b"), "a Python value"),
    (re.compile(r"\b[a-z_]+\s?=\s?['\"]"), "a parameter dump"),
]
#: A hyphen-minus used as a minus sign: before a number, not inside a word or a range.
_HYPHEN = re.compile(r"(?<![\w.,)\]/])-(?=\.?\d)")


def reader_text(html: str) -> list[str]:
    """The pieces of text a reader reads in a draft, in order (one string per element).

    The footer (``<footer>``: build, parameters, data checksums) is left out.
    """
    soup = BeautifulSoup(html, "html.parser")
    for gone in soup.find_all(["footer", "style", "script", "head"]):
        gone.decompose()
    out = [img.get("alt", "") for img in soup.find_all("img")]
    for el in soup.find_all(["h1", "h2", "h3", "h4", "p", "li", "figcaption", "caption", "th",
                             "td", "a", "pre"]):
        text = el.get_text(" ", strip=True)
        if text:
            out.append(text)
    return out


def code_in_text(texts: list[str]) -> list[str]:
    """Pieces of code in reader text: ``"a variable name: 'birth_rate' in '…'"``."""
    found = []
    for text in texts:
        for pattern, what in _CODE:
            m = pattern.search(text)
            if m:
                found.append(f"{what}: {m.group(0)!r} in {text[:120]!r}")
    return found


def hyphen_minus(texts: list[str]) -> list[str]:
    """Negative numbers written with a hyphen-minus instead of the minus sign."""
    return [f"{text[max(0, m.start() - 30):m.end() + 10]!r}" for text in texts
            for m in _HYPHEN.finditer(text)]


def key_messages(html: str) -> list[dict[str, str]] | None:
    """The Key messages section: ``[{"text", "href"}]`` for its items, or ``None``.

    ``text`` is the message without its link ("(Figure 3)").

    The section must come before the first other section heading of the chapter.
    """
    soup = BeautifulSoup(html, "html.parser")
    main = soup.find("main") or soup
    headings = main.find_all("h2")
    if not headings or headings[0].get_text(" ", strip=True) != "Key messages":
        return None
    items = headings[0].find_next("ul").find_all("li", recursive=False)
    out = []
    for li in items:
        link = li.find("a")
        text = re.sub(r"\s*\((?:Figure|Table) \d+\)$", "", li.get_text("", strip=True))
        out.append({"text": text, "href": str(link.get("href", "")) if link else ""})
    return out
