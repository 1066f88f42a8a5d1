"""All-or-nothing chapter outputs: stage every file, commit with one write, then move them in.

A chapter writes several files (``CHAPTER.html``, ``.md``, ``.key_figures.json``, ``.ipynb``,
figures under ``CHAPTER_files/`` …) that must never be seen half old, half new. Renaming them
one at a time meant that a disk filling up after the first left a new ``.html`` beside the old
``.md``. So :func:`commit_chapter`

1. writes every file into a private staging folder ``OUT/.build/stage/CHAPTER.XXXX/``; any
   failure here (``ENOSPC`` …) removes the folder and leaves ``OUT`` exactly as it was;
2. writes ``COMMIT.json`` into that folder (one atomic rename): the list of files to move in
   and of stale files to remove. This is the commit point;
3. moves each staged file over its target with :func:`os.replace` (a rename within one file
   system needs no new space, so it does not fail for a full disk) and removes the stale ones,
   then the staging folder.

A build killed during step 3 leaves a committed folder behind; the next build (under the
output folder's lock, in :func:`recover`) finishes moving it in, while an uncommitted folder is
deleted. The published paths stay where they were (``OUT/CHAPTER.html`` …): links into the
report and the index keep working. The one window in which a reader can see a mix is the few
renames of step 3 (microseconds); a folder-per-chapter swapped by one rename would close it,
at the price of changing every published path.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

#: Staging folders, under ``OUT``.
STAGE_DIR = Path(".build") / "stage"
#: The commit record inside a staging folder.
COMMIT = "COMMIT.json"


def _safe(name: str) -> str:
    """``name`` if it is a relative path inside ``OUT`` (no ``..``, not absolute), else raise."""
    parts = Path(name).parts
    if not parts or Path(name).is_absolute() or ".." in parts:
        raise ValueError(f"not a relative output path: {name!r}")
    return Path(name).as_posix()


def commit_chapter(out: Path, chapter: str, files: Mapping[str, bytes],
                   remove: Iterable[str] = ()) -> None:
    """Replace a chapter's files in ``out`` all at once (see the module docstring).

    Parameters
    ----------
    out : Path
        The output folder.
    chapter : str
        Chapter id (names the staging folder).
    files : mapping of str to bytes
        Relative path (subfolders allowed, e.g. ``CHAPTER_data/x.csv``) -> content.
    remove : iterable of str
        Relative paths of stale files to delete in the same commit.

    Raises
    ------
    OSError
        When a file cannot be staged; ``out`` is then unchanged.
    """
    names = {_safe(n): data for n, data in files.items()}
    stale = sorted({_safe(n) for n in remove} - set(names))
    root = out / STAGE_DIR
    root.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f"{chapter}.", dir=root))
    try:
        for name, data in sorted(names.items()):
            target = stage / "files" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as fh:
                fh.write(data)
            os.chmod(target, 0o644)
        record = json.dumps({"files": sorted(names), "remove": stale}, indent=1)
        tmp = stage / f".{COMMIT}.tmp"
        tmp.write_text(record, encoding="utf-8")
        os.replace(tmp, stage / COMMIT)  # the commit point
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    _apply(out, stage)


def _apply(out: Path, stage: Path) -> None:
    """Move a committed staging folder's files into ``out``, remove the stale ones, clean up."""
    record = json.loads((stage / COMMIT).read_text(encoding="utf-8"))
    for name in record["files"]:
        source = stage / "files" / name
        if source.exists():  # a resumed commit: some files may have moved in already
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, out / name)
    for name in record["remove"]:
        (out / name).unlink(missing_ok=True)
        folder = (out / name).parent
        if folder != out and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    shutil.rmtree(stage, ignore_errors=True)


def recover(out: Path) -> list[str]:
    """Finish the commits an interrupted build left, and drop its uncommitted stages.

    Runs under the output folder's lock, before a build writes anything.

    Returns
    -------
    list of str
        Names of the staging folders that were committed and are now moved in.
    """
    root = out / STAGE_DIR
    done: list[str] = []
    if not root.is_dir():
        return done
    for stage in sorted(root.iterdir()):
        try:
            committed = (stage / COMMIT).is_file()
            if committed:
                _apply(out, stage)
                done.append(stage.name)
            else:
                shutil.rmtree(stage, ignore_errors=True)
        except (ValueError, KeyError, TypeError):  # an unreadable commit record
            shutil.rmtree(stage, ignore_errors=True)
        except OSError:  # left for the next build to finish
            continue
    return done
