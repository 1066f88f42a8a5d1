"""Atomic writes and checksums: nothing half-written ever replaces a good file."""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Return the hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename."""
    atomic_write_with(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` atomically (``\\n`` line endings)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_with(path: Path, writer: Callable[[Path], object]) -> None:
    """Call ``writer(tmp_path)`` then rename ``tmp_path`` over ``path``.

    On any exception the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        writer(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def regular_file(path: Path) -> Path:
    """Check that ``path`` is a regular file (following symlinks), or raise a ``DataError``.

    A FIFO would block a read forever, ``/dev/zero`` never ends, and a symlink loop or a
    dangling symlink gives an ``OSError``: each is refused with one message naming the file.

    Returns
    -------
    Path
        ``path`` unchanged.
    """
    from analysis.errors import DataError

    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise DataError(path, f"is a dangling symlink (to {os.readlink(path)})") from None
        raise DataError(path, "file not found") from None
    except OSError as exc:  # ELOOP (a symlink loop), ENAMETOOLONG, EACCES …
        raise DataError(path, f"cannot be opened: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        kind = ("a directory" if stat.S_ISDIR(st.st_mode) else
                "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else
                "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else
                "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
        raise DataError(path, f"is {kind}, not a regular file")
    return path


#: The largest YAML file read (codebooks and indicator mappings are a few kilobytes).
MAX_YAML_BYTES = 1 << 20


def load_yaml(path: Path) -> object:
    """Load a small YAML file safely: no Python objects, no aliases, at most 1 MiB.

    Aliases (``*name``) are refused rather than expanded: a few lines of nested aliases
    expand to billions of nodes (the "billion laughs"), which took 44 s and then ended in a
    MemoryError. Hand-written codebooks and mappings do not need them.

    Raises
    ------
    DataError
        For a file that is not a regular file, too large, not UTF-8, not valid YAML or
        that uses an alias (naming its line).
    """
    import yaml

    from analysis.errors import DataError

    path = Path(path)
    regular_file(path)
    size = os.stat(path).st_size
    if size > MAX_YAML_BYTES:
        raise DataError(path, f"is {size:,} bytes; a YAML file here is at most "
                              f"{MAX_YAML_BYTES:,}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(path, f"is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise DataError(path, f"cannot be read ({exc.strerror})") from None

    class _NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):  # noqa: ANN001, ANN202 - PyYAML's signature
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise DataError(path, f"line {event.start_mark.line + 1}: YAML aliases "
                                      f"(*{event.anchor}) are not accepted (they can expand "
                                      "without limit); write the values out")
            return super().compose_node(parent, index)

    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise DataError(path, f"not valid YAML: {' '.join(str(exc).split())[:300]}") from None
