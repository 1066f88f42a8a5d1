"""Download the official sources into ``data/raw/`` and record them in ``manifest.json``.

>>> from analysis.sources.official import fetch_all
>>> manifest = fetch_all(sources=["worldbank"])          # doctest: +SKIP

Every source is downloaded into a temporary staging folder inside the destination; only when
all its files are complete are they moved into place and the manifest rewritten (atomically).
A failed source therefore leaves neither a partial file nor a mix of old and new pages, and
the files of earlier downloads stay as they were. Raw files are never modified after download.

``manifest.json``::

    {"files": [{"source": "eurostat", "file": "eurostat_migr_asyappctza.tsv.gz",
                "url": "https://…", "sha256": "…", "bytes": 1234,
                "retrieved": "2025-06-03T09:15:00Z"}, …]}

sorted by source and file.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from analysis import config
from analysis.errors import DataError
from analysis.io import atomic_write_text
from analysis.sources.official import eurostat, frontex, undesa, unhcr, worldbank
from analysis.sources.official.common import FetchError, ProgressCallback, RawFile

MANIFEST = "manifest.json"

#: Source name -> module (``fetch``, ``parse``, ``TABLE``, ``PROVENANCE``), in fetch order.
SOURCES: dict[str, ModuleType] = {
    m.NAME: m for m in (eurostat, worldbank, undesa, unhcr, frontex)
}
#: Canonical table -> the source that provides it.
TABLE_SOURCES: dict[str, str] = {m.TABLE: name for name, m in SOURCES.items()}

RETRY_STATUSES = (429, 500, 502, 503, 504)


@dataclass
class Manifest:
    """The record of downloaded raw files (``manifest.json``).

    Attributes
    ----------
    files : list of RawFile
        One entry per file, sorted by source and file name.
    """

    files: list[RawFile] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read a manifest; a missing file is an empty manifest.

        Raises
        ------
        DataError
            When the file is not a manifest (naming it).
        """
        if not path.is_file():
            return cls()
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            files = [RawFile(**{k: e[k] for k in RawFile.__dataclass_fields__})
                     for e in doc["files"]]
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
            raise DataError(path, "is not a raw-data manifest: expected {\"files\": [{source, "
                                  f"file, url, sha256, bytes, retrieved}}, …]}} ({exc})") from exc
        return cls(sorted(files, key=lambda f: (f.source, f.file)))

    def save(self, path: Path) -> None:
        """Write the manifest atomically (sorted, indented, UTF-8)."""
        doc = {"files": [f.to_dict() for f in sorted(self.files,
                                                      key=lambda f: (f.source, f.file))]}
        atomic_write_text(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")

    def for_source(self, source: str) -> list[RawFile]:
        """The entries of one source."""
        return [f for f in self.files if f.source == source]

    def replace_source(self, source: str, files: Sequence[RawFile]) -> None:
        """Replace every entry of ``source`` by ``files``."""
        kept = [f for f in self.files if f.source != source]
        self.files = sorted([*kept, *files], key=lambda f: (f.source, f.file))

    @property
    def sources(self) -> list[str]:
        """Sources present, sorted."""
        return sorted({f.source for f in self.files})


def make_session(retries: int = 3, backoff_factor: float = 1.0):  # noqa: ANN201 - requests
    """A :class:`requests.Session` that retries connection errors and HTTP 429/5xx.

    Parameters
    ----------
    retries : int
        Retries after the first attempt (0 for none).
    backoff_factor : float
        Waits ``backoff_factor * 2**(n-1)`` seconds before the n-th retry (the first is
        immediate), honouring a ``Retry-After`` header.

    Returns
    -------
    requests.Session
    """
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    from analysis import __version__

    if retries < 0:
        raise ValueError(f"retries must be 0 or more, got {retries}")
    retry = Retry(total=retries, connect=retries, read=retries, status=retries,
                  backoff_factor=backoff_factor, status_forcelist=RETRY_STATUSES,
                  allowed_methods=frozenset({"GET", "HEAD"}), respect_retry_after_header=True,
                  raise_on_status=True)
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = (f"migration-report/{__version__} "
                                     f"(+data fetch; {requests.utils.default_user_agent()})")
    return session


def _check_sources(sources: Sequence[str] | None) -> list[str]:
    if sources is None:
        return list(SOURCES)
    if isinstance(sources, str):
        sources = [s for s in sources.split(",") if s.strip()]
    chosen = [s.strip().lower() for s in sources]
    unknown = [s for s in chosen if s not in SOURCES]
    if unknown or not chosen:
        raise ValueError(f"unknown source(s) {', '.join(unknown) or '(none given)'}; "
                         f"known: {', '.join(SOURCES)}")
    return [s for s in SOURCES if s in chosen]


def _promote(staging: Path, dest: Path, files: Sequence[RawFile], old: Sequence[RawFile]) -> None:
    for f in files:
        os.replace(staging / f.file, dest / f.file)
    new_names = {f.file for f in files}
    for f in old:  # pages of an earlier download that this one no longer has
        if f.file not in new_names:
            (dest / f.file).unlink(missing_ok=True)


def fetch_all(
    dest: Path = config.RAW_DIR,
    sources: Sequence[str] | None = None,
    *,
    session=None,  # noqa: ANN001 - a requests.Session
    progress: ProgressCallback | None = None,
    retries: int = 3,
) -> Manifest:
    """Download the official sources into ``dest`` and update ``dest/manifest.json``.

    Parameters
    ----------
    dest : Path
        The raw-data folder (default ``data/raw/``, git-ignored).
    sources : list of str, optional
        Any of ``eurostat``, ``worldbank``, ``undesa``, ``unhcr``, ``frontex``; default all.
    session : requests.Session, optional
        Used as given; by default :func:`make_session` with ``retries``.
    progress : callable, optional
        ``progress(source, file, bytes_done, bytes_total)``, called as bytes arrive (see
        :func:`rich_progress` for a progress bar).
    retries : int
        Retries per request on connection errors and HTTP 429/5xx, with exponential backoff.

    Returns
    -------
    Manifest
        The manifest after the download (all sources ever fetched into ``dest``).

    Raises
    ------
    FetchError
        Naming the source and the URL of the first download that failed. Sources fetched
        before it are kept and recorded; the failed source is left as it was.
    ValueError
        For an unknown source name.
    """
    chosen = _check_sources(sources)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / MANIFEST
    manifest = Manifest.load(manifest_path)
    own = session is None
    session = make_session(retries) if own else session
    try:
        for name in chosen:
            staging = Path(tempfile.mkdtemp(prefix=f".staging-{name}-", dir=dest))
            try:
                files = SOURCES[name].fetch(session, staging, progress=progress)
                if not files:
                    raise FetchError(name, "(no URL)", "the source yielded no file")
                _promote(staging, dest, files, manifest.for_source(name))
                manifest.replace_source(name, files)
                manifest.save(manifest_path)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    finally:
        if own:
            session.close()
    return manifest


@contextlib.contextmanager
def rich_progress(console=None) -> Iterator[ProgressCallback]:  # noqa: ANN001 - rich Console
    """A progress callback that draws one :mod:`rich` bar (bytes, speed) per file.

    >>> with rich_progress() as progress:                      # doctest: +SKIP
    ...     fetch_all(progress=progress)
    """
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    bars = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                    TransferSpeedColumn(), TimeRemainingColumn(), console=console,
                    transient=False)
    tasks: dict[tuple[str, str], object] = {}

    def update(source: str, file: str, done: int, total: int | None) -> None:
        key = (source, file)
        if key not in tasks:
            tasks[key] = bars.add_task(f"{source}: {file}", total=total)
        bars.update(tasks[key], completed=done, total=total)

    with bars:
        yield update
