"""The embedded snapshot: small aggregated canonical tables committed with the project.

``migration-report data snapshot --from DIR`` derives them from the source tables in ``DIR``
(any layout an adapter reads) and writes, for each table, ``TABLE.parquet`` and a provenance
sidecar ``TABLE.meta.yml`` (producer, dataset, vintage, licence, the aggregation applied, the
sha256 of every input file and of the output), plus ``snapshot.json`` listing them. The
snapshot is the default data, so ``make report`` needs no network.

Aggregations (chosen to keep the whole snapshot well under 2 MB while every chapter's figures
stay exact):

- ``detections``: months from 2014 on (the chapters start in 2014);
- ``asylum``: summed over sex (``sex = "total"``);
- ``migrant_stock``: summed over sex (``sex = "total"``);
- ``indicators``: years from 1990 on;
- ``displaced``: years from 2010 on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import yaml

from analysis.io import atomic_write_text, atomic_write_with, sha256_file
from analysis.schemas import TABLES
from analysis.sources.base import Provenance, SourceAdapter, registry
from analysis.validation import read_parquet_table, validate_table

SNAPSHOT_INDEX = "snapshot.json"
MAX_SNAPSHOT_BYTES = 2 * 1024 * 1024


def _sum_over_sex(df: pd.DataFrame, value: str) -> pd.DataFrame:
    keys = [c for c in df.columns if c not in ("sex", value)]
    out = df.groupby(keys, as_index=False, sort=True)[value].sum()
    out["sex"] = "total"
    return out


#: Table -> (description of the aggregation, function applied to the canonical table).
AGGREGATIONS: dict[str, tuple[str, Callable[[pd.DataFrame], pd.DataFrame]]] = {
    "detections": ("months from 2014-01 on", lambda d: d[d["month"] >= "2014-01"]),
    "asylum": ("summed over sex (sex = total)", lambda d: _sum_over_sex(d, "applicants")),
    "migrant_stock": ("summed over sex (sex = total)", lambda d: _sum_over_sex(d, "migrants")),
    "indicators": ("years from 1990 on", lambda d: d[d["year"] >= 1990]),
    "displaced": ("years from 2010 on", lambda d: d[d["year"] >= 2010]),
}


def derive(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Apply the snapshot aggregation of ``table`` and sort by its key.

    Parameters
    ----------
    table : str
        Canonical table name.
    frame : DataFrame
        The full canonical table.

    Returns
    -------
    DataFrame
        The aggregated table, columns in canonical order, sorted, with a fresh index.
    """
    spec = TABLES[table]
    out = AGGREGATIONS[table][1](frame)
    out = out.loc[:, list(spec.columns)].sort_values(list(spec.key), kind="stable")
    return out.reset_index(drop=True)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa_
    import pyarrow.parquet as pq

    table = pa_.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata(None)  # no pandas metadata: bytes depend on data only
    atomic_write_with(
        path, lambda tmp: pq.write_table(table, tmp, compression="zstd", compression_level=19)
    )


def build_snapshot(source_dir: Path, out_dir: Path, *, progress: Callable[[str], None] | None = None
                   ) -> dict[str, dict]:
    """Derive the snapshot from the source tables in ``source_dir`` into ``out_dir``.

    Every table is read and validated before anything is written, so a bad input leaves the
    existing snapshot untouched.

    Returns
    -------
    dict
        Table -> its entry in ``snapshot.json`` (rows, bytes, sha256).
    """
    adapter = registry.for_directory(source_dir)
    derived: dict[str, pd.DataFrame] = {}
    inputs: dict[str, dict[str, str]] = {}
    for table in TABLES:
        if progress:
            progress(f"reading {table}")
        derived[table] = derive(table, adapter.read(source_dir, table))
        inputs[table] = {p.name: sha256_file(p) for p in adapter.files(source_dir, table)}
    out_dir.mkdir(parents=True, exist_ok=True)
    index: dict[str, dict] = {}
    for table, frame in derived.items():
        if progress:
            progress(f"writing {table}")
        path = out_dir / f"{table}.parquet"
        _write_parquet(frame, path)
        prov = adapter.provenance(source_dir, table)
        entry = {"file": path.name, "rows": len(frame), "bytes": path.stat().st_size,
                 "sha256": sha256_file(path)}
        meta = {
            "table": table,
            "description": TABLES[table].description,
            "producer": prov.producer,
            "dataset": prov.dataset,
            "vintage": prov.vintage,
            "licence": prov.licence,
            "url": prov.url,
            "derived_by": "migration-report data snapshot (analysis.sources.snapshot)",
            "derived_from_layout": adapter.name,
            "aggregation": AGGREGATIONS[table][0],
            "inputs_sha256": inputs[table],
            "output": entry,
        }
        atomic_write_text(out_dir / f"{table}.meta.yml",
                          yaml.safe_dump(meta, sort_keys=True, allow_unicode=True))
        index[table] = entry
    atomic_write_text(out_dir / SNAPSHOT_INDEX, json.dumps(index, indent=2, sort_keys=True) + "\n")
    return index


class SnapshotAdapter(SourceAdapter):
    """Reads the embedded snapshot (``TABLE.parquet`` with ``TABLE.meta.yml``)."""

    name = "snapshot"

    def detect(self, directory: Path) -> bool:
        return (directory / SNAPSHOT_INDEX).is_file()

    def files(self, directory: Path, table: str) -> list[Path]:
        return [directory / f"{table}.parquet"]

    def _meta(self, directory: Path, table: str) -> dict:
        path = directory / f"{table}.meta.yml"
        return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}

    def provenance(self, directory: Path, table: str) -> Provenance:
        m = self._meta(directory, table)
        return Provenance(m.get("producer", "unknown"), m.get("dataset", table),
                          m.get("vintage", "unknown"), m.get("licence", "unknown"),
                          m.get("url", ""))

    def read(self, directory: Path, table: str) -> pd.DataFrame:
        spec = TABLES[table]
        path = directory / f"{table}.parquet"
        frame = read_parquet_table(path, spec.columns)
        return validate_table(frame, spec, path=path)


registry.register(SnapshotAdapter())
