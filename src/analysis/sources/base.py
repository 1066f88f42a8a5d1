"""The adapter interface and its registry.

An adapter knows one on-disk layout of the source data (the IOM Global Data Institute tables,
the embedded snapshot, the official files fetched into ``data/raw/``) and turns it into the
canonical tables of :mod:`analysis.schemas`. Adapters register themselves in
:data:`registry`, the way papermill registers its engines; the first adapter that recognises a
directory reads it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.errors import DataError


@dataclass(frozen=True)
class Provenance:
    """Where a canonical table comes from.

    Attributes
    ----------
    producer : str
        The organisation that publishes the data.
    dataset : str
        Dataset name and code.
    vintage : str
        Release or 'data as of' date.
    licence : str
        Licence of the data.
    url : str
        Where the official data can be had.
    """

    producer: str
    dataset: str
    vintage: str
    licence: str
    url: str

    @property
    def citation(self) -> str:
        """A one-line source note for a figure or table."""
        return f"{self.producer}, {self.dataset} ({self.vintage})"


class SourceAdapter(ABC):
    """One layout of source files that yields canonical tables."""

    #: Registry name.
    name: str = ""

    @abstractmethod
    def detect(self, directory: Path) -> bool:
        """Whether ``directory`` holds this adapter's layout."""

    @abstractmethod
    def files(self, directory: Path, table: str) -> list[Path]:
        """The files a table is read from (for checksums and messages)."""

    @abstractmethod
    def read(self, directory: Path, table: str) -> pd.DataFrame:
        """Read ``table`` as a validated canonical table."""

    @abstractmethod
    def provenance(self, directory: Path, table: str) -> Provenance:
        """Provenance of ``table`` as this layout holds it."""

    def tables(self, directory: Path) -> list[str]:
        """Canonical tables present in ``directory``."""
        from analysis.schemas import TABLES

        return [t for t in TABLES if all(p.is_file() for p in self.files(directory, t))]


class AdapterRegistry:
    """Adapters by name; :meth:`for_directory` picks the one that recognises a directory."""

    def __init__(self) -> None:
        self._adapters: dict[str, SourceAdapter] = {}

    def register(self, adapter: SourceAdapter) -> SourceAdapter:
        """Add an adapter (later registrations with the same name replace earlier ones)."""
        self._adapters[adapter.name] = adapter
        return adapter

    def get(self, name: str) -> SourceAdapter:
        """The adapter called ``name``."""
        try:
            return self._adapters[name]
        except KeyError:
            raise KeyError(f"no source adapter {name!r}; known: {', '.join(self._adapters)}") \
                from None

    def for_directory(self, directory: Path) -> SourceAdapter:
        """The first registered adapter that recognises ``directory``.

        Raises
        ------
        DataError
            When the directory does not exist or no adapter recognises it.
        """
        if not directory.is_dir():
            raise DataError(directory, "data directory not found")
        for adapter in self._adapters.values():
            if adapter.detect(directory):
                return adapter
        raise DataError(
            directory,
            "holds no known data layout (expected the IOM gdidata tables such as "
            "frontex.csv.gz, the embedded snapshot with snapshot.json, or files fetched by "
            "'migration-report data fetch' with manifest.json)",
        )


#: The module-level registry of source adapters.
registry = AdapterRegistry()
