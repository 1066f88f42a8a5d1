"""Content hashes that decide whether a chapter must run again.

A chapter's key (:func:`chapter_key`) hashes everything its draft depends on:

- the notebook file;
- its parameters (with the content of any file a ``path`` parameter names);
- the input data: the files the chapters read (:func:`data_files`: the tables of the
  directory's layout and their provenance and checksum files), hashed directly (no pandas);
- the ``analysis`` package source (code and export templates);
- the versions of the installed distributions the project depends on (its dependency
  closure, :func:`dependency_closure`), and Python's.

File hashes are remembered in a small JSON file in the cache directory, the way ``git`` keeps
its index, so an unchanged data directory is not read again. A remembered hash is used only
when the file's size, modification time, *change* time, inode and device are all the same,
and the file was last changed more than :data:`RACY_SECONDS` before it was hashed. The change
time (``ctime``) cannot be set by ``cp -p``, ``rsync -a`` or ``tar x``, so a file rewritten in
place with the old size and mtime is still hashed again; the racy window catches a file
rewritten within the timestamp granularity of the moment it was hashed.

Hashing every time would also be safe, and is cheap for the shared tables (2.7 MB in 16 ms),
but not for fetched raw data (an 800 MB Eurostat file takes about 3 s at the 285 MB/s
measured here), which a build that changes nothing would pay every time.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from analysis.io import atomic_write_text, regular_file, sha256_file

_HASH_CACHE = "file-hashes.json"
#: Bump to invalidate every recorded build (a change of what the key means).
KEY_VERSION = 1
#: A file changed less than this long before it was hashed is hashed again next time (the
#: "racy" window of git: a rewrite within the timestamp granularity keeps mtime and ctime).
RACY_SECONDS = 2.0


def digest(obj: Any) -> str:
    """SHA-256 of the canonical JSON of ``obj`` (sorted keys)."""
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class FileHasher:
    """SHA-256 of files, remembered by (size, mtime, ctime, inode, device) between runs.

    Parameters
    ----------
    store : Path, optional
        The JSON file holding remembered hashes; ``None`` hashes every file afresh.
    """

    def __init__(self, store: Path | None = None) -> None:
        self.store = store
        self._known: dict[str, list] = {}
        self._dirty = False
        if store is not None and store.is_file():
            try:
                self._known = json.loads(store.read_text(encoding="utf-8"))
            except (ValueError, OSError):
                self._known = {}

    def sha256(self, path: Path) -> str:
        """The hex SHA-256 of ``path`` (a regular file, else a ``DataError``)."""
        regular_file(path)
        st = path.stat()
        stamp = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]
        key = str(path.resolve())
        known = self._known.get(key)
        if isinstance(known, list) and len(known) == 7 and known[:5] == stamp:
            changed = max(st.st_mtime_ns, st.st_ctime_ns)
            if known[5] - changed > RACY_SECONDS * 1e9:  # hashed well after the last change
                return str(known[6])
        hashed_at = time.time_ns()
        value = sha256_file(path)
        self._known[key] = [*stamp, hashed_at, value]
        self._dirty = True
        return value

    def save(self) -> None:
        """Write the remembered hashes back (atomically) if any changed."""
        if self.store is None or not self._dirty:
            return
        try:
            atomic_write_text(self.store, json.dumps(self._known, sort_keys=True))
        except OSError:  # a read-only cache is not an error
            pass
        self._dirty = False


def _visible_files(directory: Path) -> list[Path]:
    files = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__pycache__")))
        files.extend(Path(root) / n for n in names if not n.startswith("."))
    return sorted(files, key=lambda p: p.relative_to(directory).as_posix())


#: File stems of the gdidata layout (:data:`analysis.sources.gdidata.LAYOUTS`; kept here so
#: that hashing does not import pandas; a test checks that the two agree).
GDI_STEMS = ("frontex", "eu_asyapp", "undesa_stocks_2020", "wdi", "unhcr")
GDI_SUFFIXES = (".csv.gz", ".csv", ".parquet")
#: Files holding declared checksums or provenance, read by ``data validate`` and the index.
METADATA_FILES = ("snapshot.json", "manifest.json", "README.md", "SHA256SUMS")


def data_files(directory: Path) -> list[Path]:
    """The files of a data directory that the chapters and the validation read.

    That is, for the embedded snapshot layout (``snapshot.json``), its Parquet tables and
    ``.meta.yml`` sidecars; for fetched data (``manifest.json``), the files the manifest
    lists; for the gdidata layout, ``frontex.csv.gz`` and the other tables; and in every
    layout the files that declare checksums. Anything else in the folder (notes, a FIFO, a
    link to ``/dev/zero``) is neither hashed nor read.

    Returns
    -------
    list of Path
        Existing entries (possibly broken symlinks, refused when hashed), sorted by name.
    """
    names = set(METADATA_FILES)
    if (directory / "snapshot.json").is_file():
        names |= {p.name for p in directory.iterdir()
                  if p.name.endswith((".parquet", ".meta.yml")) and not p.name.startswith(".")}
    elif (directory / "manifest.json").is_file():
        try:
            manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
            names |= {str(e["file"]) for e in manifest.get("files", [])
                      if isinstance(e, dict) and "file" in e}
        except (ValueError, OSError, AttributeError, TypeError):
            pass  # the adapter reports a broken manifest
    else:
        names |= {f"{stem}{suffix}" for stem in GDI_STEMS for suffix in GDI_SUFFIXES}
    found = [directory / n for n in names if os.path.lexists(directory / n)]
    return sorted(found, key=lambda p: p.relative_to(directory).as_posix())


def data_checksums(directory: Path, hasher: FileHasher | None = None) -> dict[str, str]:
    """SHA-256 of the files the chapters read (:func:`data_files`), by relative path, sorted.

    Parameters
    ----------
    directory : Path
        The data directory.
    hasher : FileHasher, optional
        Remembers hashes between runs.

    Returns
    -------
    dict
        Relative POSIX path -> hex SHA-256.
    """
    hasher = hasher or FileHasher()
    return {p.relative_to(directory).as_posix(): hasher.sha256(p)
            for p in data_files(directory)}


@cache
def package_digest() -> str:
    """SHA-256 over the source files of the ``analysis`` package (code and templates)."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for path in _visible_files(root):
        if path.suffix in (".pyc", ".pyo"):
            continue
        h.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


#: The distribution whose dependency closure the environment digest covers.
PROJECT_DISTRIBUTION = "migration-report"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _header(dist: Any) -> tuple[str, str, list[str]]:
    """Name, version and ``Requires-Dist`` of a distribution, from its metadata's header.

    Reads the header block only: :attr:`importlib.metadata.Distribution.metadata` parses the
    whole file (long descriptions included), which made this walk take seconds.
    """
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    name, version, requires = "", "", []
    for line in text.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(":")
        if key == "Name":
            name = value.strip()
        elif key == "Version":
            version = value.strip()
        elif key == "Requires-Dist":
            requires.append(value.strip())
    if not requires and dist.read_text("METADATA") is None:  # an old egg-info
        requires = list(dist.requires or [])
    return name, version, requires


_EXTRA = re.compile(r"""extra\s*==\s*['"]([^'"]+)['"]""")


def dependency_closure(root: str = PROJECT_DISTRIBUTION) -> dict[str, str] | None:
    """The installed distributions ``root`` needs, directly or not, with their versions.

    Walks the ``Requires-Dist`` metadata (:mod:`importlib.metadata`) from ``root`` without its
    extras: the packages a chapter can import. Requirements whose environment marker does not
    hold here, and optional ones not installed, are left out.

    Returns
    -------
    dict or None
        Canonical name -> version, sorted; ``None`` when ``root`` is not installed.
    """
    from importlib.metadata import distributions

    from packaging.requirements import InvalidRequirement, Requirement

    installed: dict[str, tuple[str, list[str]]] = {}
    for dist in distributions():  # one scan of sys.path, not one per requirement
        name, version, requires = _header(dist)
        installed.setdefault(_canonical(name), (version, requires))
    found: dict[str, str] = {}
    todo: list[tuple[str, frozenset[str]]] = [(_canonical(root), frozenset())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        if name not in installed:
            if name == _canonical(root):
                return None
            continue
        version, requires = installed[name]
        found[name] = version
        for text in requires:
            wanted = set(_EXTRA.findall(text))
            if wanted and not wanted & extras:
                continue  # only for an extra not asked for (most markers): skip the parse
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if req.marker is not None and not any(
                    req.marker.evaluate({"extra": e}) for e in (extras or {""})):
                continue
            todo.append((_canonical(req.name), frozenset(req.extras)))
    return dict(sorted(found.items()))


@cache
def environment_digest() -> str:
    """SHA-256 over Python's version and the project's installed dependencies with versions.

    Only the dependency closure of the project counts (:func:`dependency_closure`): installing
    a tool into the environment (pre-commit, a linter) does not make every chapter run again.
    Without the project installed as a distribution, every installed distribution counts.
    """
    from importlib.metadata import distributions

    closure = dependency_closure()
    if closure is None:
        closure = dict(sorted({_canonical(d.metadata["Name"] or ""): d.version
                               for d in distributions()}.items()))
    return digest({"python": sys.version, "distributions": closure})


def parameter_files(values: Mapping[str, Any], path_params: Iterable[str],
                    hasher: FileHasher) -> dict[str, str]:
    """SHA-256 of the files named by ``path`` parameters (empty values are skipped)."""
    out = {}
    for name in path_params:
        value = values.get(name)
        if value:
            out[name] = hasher.sha256(Path(value))
    return out


def chapter_key(*, notebook: Path, title: str, parameters: Mapping[str, Any],
                data: Mapping[str, str], inputs: Mapping[str, str],
                hasher: FileHasher) -> str:
    """The content hash deciding whether a chapter must run again.

    Parameters
    ----------
    notebook : Path
        The chapter notebook.
    title : str
        The chapter title (it is printed in the draft).
    parameters : mapping
        Effective parameter values (without ``data_dir``, whose location does not matter).
    data : mapping
        :func:`data_checksums` of the data directory.
    inputs : mapping
        :func:`parameter_files` of the chapter.
    hasher : FileHasher
        Hashes the notebook.

    Returns
    -------
    str
        Hex SHA-256.
    """
    return digest({
        "key_version": KEY_VERSION,
        "notebook": hasher.sha256(notebook),
        "title": title,
        "parameters": dict(parameters),
        "data": dict(data),
        "inputs": dict(inputs),
        "package": package_digest(),
        "environment": environment_digest(),
    })
