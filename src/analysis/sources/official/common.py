"""Shared pieces of the official-source downloaders: HTTP download, errors, code mapping.

Nothing here knows a particular source. Downloads stream to a temporary file in the target
folder and are renamed into place only when complete (:func:`analysis.io.atomic_write_with`),
so a failed download never leaves a partial file.
"""

from __future__ import annotations

import hashlib
import re
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pycountry

from analysis.countries import known_codes
from analysis.errors import ReportError
from analysis.io import atomic_write_with

if TYPE_CHECKING:  # pragma: no cover
    import requests

#: ``progress(source, file, bytes_done, bytes_total)``; ``bytes_total`` is ``None`` when the
#: server does not say.
ProgressCallback = Callable[[str, str, int, "int | None"], None]

#: Seconds to wait for a connection, and between two received bytes.
TIMEOUT = (30, 300)
_CHUNK = 1 << 16


class FetchError(ReportError):
    """A download that failed for good (after the retries), naming the source and the URL."""

    def __init__(self, source: str, url: str, reason: str) -> None:
        self.source = source
        self.url = url
        self.reason = reason
        super().__init__(f"{source}: download failed for {url}: {reason}")


class UnmappedCodeWarning(UserWarning):
    """Codes or names of a source that map to no project country code; their rows are dropped."""


@dataclass(frozen=True)
class RawFile:
    """One downloaded file, as recorded in ``manifest.json``.

    Attributes
    ----------
    source : str
        Source name (``"eurostat"``, ``"worldbank"`` …).
    file : str
        File name inside the raw-data folder.
    url : str
        The URL it was downloaded from.
    sha256 : str
        Hex SHA-256 of the file.
    bytes : int
        Size in bytes.
    retrieved : str
        UTC time of the download, ISO 8601 (``2025-06-03T09:15:00Z``).
    """

    source: str
    file: str
    url: str
    sha256: str
    bytes: int
    retrieved: str

    def to_dict(self) -> dict[str, object]:
        """The manifest entry."""
        return asdict(self)


def utc_now() -> str:
    """The current UTC time, to the second, ISO 8601 with a ``Z``."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _backoff(session: requests.Session, url: str) -> float:
    retry = getattr(session.get_adapter(url), "max_retries", None)
    return float(getattr(retry, "backoff_factor", 0.0) or 0.0)


def _attempts(session: requests.Session, url: str) -> int:
    retry = getattr(session.get_adapter(url), "max_retries", None)
    total = getattr(retry, "total", 0)
    return 1 + (int(total) if isinstance(total, int) and total > 0 else 0)


def get_text(session: requests.Session, url: str, *, source: str) -> str:
    """GET a small text resource (a web page), with the session's retries.

    Raises
    ------
    FetchError
        Naming the source and the URL, when the request fails.
    """
    import requests

    try:
        response = session.get(url, timeout=TIMEOUT)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise FetchError(source, url, _reason(exc)) from exc
    return response.text


def _reason(exc: BaseException) -> str:
    import requests

    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        r = exc.response
        return f"HTTP {r.status_code} {r.reason or ''}".strip()
    if isinstance(exc, _Truncated):
        return f"the download was cut short: {exc}"
    if isinstance(exc, requests.exceptions.RetryError):
        return f"the server kept failing after the retries ({exc})"
    return f"{type(exc).__name__}: {exc}"


def download(
    session: requests.Session,
    url: str,
    path: Path,
    *,
    source: str,
    progress: ProgressCallback | None = None,
    params: dict[str, object] | None = None,
) -> RawFile:
    """Stream ``url`` into ``path`` atomically and return its manifest entry.

    Connection errors and HTTP 429/5xx are retried by the session's adapter (see
    :func:`analysis.sources.official.fetch.make_session`); a body cut short is retried here
    with the same number of attempts and backoff.

    Parameters
    ----------
    session : requests.Session
        The HTTP session (with its retry policy).
    url : str
        The URL (``params`` are appended as a query string).
    path : Path
        Target file; its folder is created. Replaced only by a complete download.
    source : str
        Source name, for messages and the manifest.
    progress : callable, optional
        ``progress(source, file, bytes_done, bytes_total)``.
    params : dict, optional
        Query parameters.

    Returns
    -------
    RawFile
        With the final URL (query included), checksum, size and time.

    Raises
    ------
    FetchError
        When the download fails for good; ``path`` is then left as it was.
    """
    import requests

    attempts = _attempts(session, url)
    full_url = requests.Request("GET", url, params=params).prepare().url or url
    last: BaseException | None = None
    for attempt in range(attempts):
        try:
            return _download_once(session, url, path, source=source, progress=progress,
                                  params=params)
        except (requests.exceptions.ChunkedEncodingError, _Truncated) as exc:
            last = exc  # the body broke off: try again, after the same backoff as urllib3
            if attempt + 1 < attempts:
                time.sleep(_backoff(session, url) * (2 ** attempt))
        except requests.RequestException as exc:
            raise FetchError(source, full_url, _reason(exc)) from exc
    raise FetchError(source, full_url, _reason(last) if last else "no attempt") from last


class _Truncated(Exception):
    """The body is shorter than the Content-Length the server announced."""


def _download_once(session, url, path, *, source, progress, params) -> RawFile:  # noqa: ANN001
    response = session.get(url, params=params, stream=True, timeout=TIMEOUT)
    with response:
        response.raise_for_status()
        final_url = response.url or url
        encoded = response.headers.get("Content-Encoding", "identity") not in ("", "identity")
        total = response.headers.get("Content-Length")
        expected = int(total) if total and total.isdigit() and not encoded else None
        digest = hashlib.sha256()
        size = 0

        def write(tmp: Path) -> None:
            nonlocal size
            if progress:
                progress(source, path.name, 0, expected)
            with open(tmp, "wb") as fh:
                for block in response.iter_content(_CHUNK):
                    if not block:
                        continue
                    fh.write(block)
                    digest.update(block)
                    size += len(block)
                    if progress:
                        progress(source, path.name, size, expected)
            if expected is not None and size != expected:
                raise _Truncated(f"received {size:,} of {expected:,} bytes")

        atomic_write_with(path, write)
    return RawFile(source, path.name, final_url, digest.hexdigest(), size, utc_now())


# --------------------------------------------------------------------------------------------
# Country codes
# --------------------------------------------------------------------------------------------

#: Non-ISO two-letter codes used by Eurostat (and the EU's interinstitutional style guide).
EUROSTAT_ALPHA2: dict[str, str] = {"EL": "GRC", "UK": "GBR", "XK": "XKX"}

#: M49 codes of UN DESA entities that are not ISO 3166-1 countries.
M49_EXTRA: dict[int, str] = {830: "XCX", 530: "ANT", 412: "XKX"}

#: M49 codes of continents and sub-regions below 900 (never countries).
M49_REGIONS: frozenset[int] = frozenset(
    {1, 2, 5, 9, 11, 13, 14, 15, 17, 18, 19, 21, 29, 30, 34, 35, 39, 53, 54, 57, 61, 142, 143,
     145, 150, 151, 154, 155, 202, 419}
)

#: Country names (lower case) that :func:`pycountry.countries.lookup` does not know.
NAME_ALIASES: dict[str, str] = {
    "turkey": "TUR",
    "russia": "RUS",
    "palestine": "PSE",
    "state of palestine": "PSE",
    "occupied palestinian territory": "PSE",
    "palestinian territories": "PSE",
    "democratic republic of the congo": "COD",
    "dr congo": "COD",
    "congo, democratic republic of the": "COD",
    "congo (kinshasa)": "COD",
    "congo (brazzaville)": "COG",
    "republic of the congo": "COG",
    "ivory coast": "CIV",
    "cote d'ivoire": "CIV",
    "the gambia": "GMB",
    "gambia, the": "GMB",
    "cape verde": "CPV",
    "swaziland": "SWZ",
    "brunei": "BRN",
    "micronesia": "FSM",
    "burma": "MMR",
    "macedonia": "MKD",
    "fyrom": "MKD",
    "former yugoslav republic of macedonia": "MKD",
    "vatican": "VAT",
    "holy see": "VAT",
    "bosnia-herzegovina": "BIH",
    "guinea bissau": "GNB",
    "laos": "LAO",
    "syria": "SYR",
    "iran": "IRN",
    "moldova": "MDA",
    "vietnam": "VNM",
    "tanzania": "TZA",
    "bolivia": "BOL",
    "venezuela": "VEN",
    "kosovo": "XKX",
    "stateless": "STL",
    "stateless persons": "STL",
}


@cache
def iso3_from_alpha2(code: str) -> str | None:
    """ISO-3 code of a two-letter code (Eurostat's ``EL``/``UK``/``XK`` included), or None."""
    code = code.strip().upper()
    if code in EUROSTAT_ALPHA2:
        return EUROSTAT_ALPHA2[code]
    if len(code) != 2:
        return None
    found = pycountry.countries.get(alpha_2=code)
    return found.alpha_3 if found is not None else None


@cache
def iso3_from_m49(code: int) -> str | None:
    """ISO-3 code of a UN M49 numeric country code, or None (aggregates and unknown codes)."""
    if code in M49_EXTRA:
        return M49_EXTRA[code]
    if code >= 900 or code in M49_REGIONS or code <= 0:
        return None
    found = pycountry.countries.get(numeric=f"{code:03d}")
    return found.alpha_3 if found is not None else None


def is_m49_aggregate(code: int) -> bool:
    """Whether an M49 code stands for a region or group (900 and above, or a continent)."""
    return code >= 900 or code in M49_REGIONS


_NOTE_MARK = re.compile(r"[\s*]+$")


def clean_name(name: object) -> str:
    """A place name without surrounding blanks and trailing footnote marks (``Kosovo*``)."""
    return _NOTE_MARK.sub("", str(name).strip()).strip()


@cache
def iso3_from_name(name: str) -> str | None:
    """ISO-3 code of an English country name (aliases, then pycountry), or None."""
    key = clean_name(name)
    alias = NAME_ALIASES.get(key.lower())
    if alias:
        return alias
    if key.upper() in known_codes() and len(key) == 3:
        return key.upper()
    try:
        return pycountry.countries.lookup(key).alpha_3
    except LookupError:
        return None


def warn_unmapped(path: Path | str, column: str, dropped: Iterable[str]) -> None:
    """Warn that rows with these codes or names were dropped because nothing maps them."""
    values = sorted({str(v) for v in dropped})
    if values:
        shown = ", ".join(values[:15]) + (f" … and {len(values) - 15} more" if len(values) > 15
                                          else "")
        warnings.warn(
            f"{path}, column '{column}': {len(values)} value(s) map to no country code; their "
            f"rows were dropped: {shown}",
            UnmappedCodeWarning,
            stacklevel=3,
        )
