"""A corpus of bad data directories: each build refuses with one clear message, exit code 1,
and leaves the previous report exactly as it was.

Each case copies the good gdidata-layout directory (derived from the snapshot, see conftest)
and corrupts one file. The build is the real command line in a subprocess, over a copy of a
good ``talent`` report; every byte of the report is compared before and after (only the lock
file and the kernel logs may change).
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from .conftest import command, copy_report, csv_bytes, tree_bytes, write_gz

pytestmark = pytest.mark.reliability

#: A message for people is short: the file, the column, a sentence and a few rows.
MAX_MESSAGE = 2000


@dataclass(frozen=True)
class Case:
    """One corrupted file: which, how, and what the message must say."""

    file: str
    corrupt: Callable[[Path, dict[str, pd.DataFrame]], None]
    column: str | None
    phrases: tuple[str, ...]


def _gz(stem: str, make: Callable[[dict[str, pd.DataFrame]], bytes]):
    def corrupt(path: Path, frames: dict[str, pd.DataFrame]) -> None:
        write_gz(path, make(frames))
    return corrupt


def _raw(make: Callable[[Path], bytes]):
    def corrupt(path: Path, frames: dict[str, pd.DataFrame]) -> None:
        path.write_bytes(make(path))
    return corrupt


def _edit(stem: str, edit: Callable[[pd.DataFrame], pd.DataFrame], sep: str = ","):
    return _gz(stem, lambda frames: csv_bytes(edit(frames[stem].copy()), sep=sep))


def _set(frame: pd.DataFrame, row: int, column: str, value: object) -> pd.DataFrame:
    frame[column] = frame[column].astype(object)
    frame.loc[row, column] = value
    return frame


def _latin1(frames: dict[str, pd.DataFrame]) -> bytes:
    frame = frames["frontex"].copy()
    frame.loc[3, "route"] = "Route de la Méditerranée centrale"
    return frame.to_csv(index=False, lineterminator="\n").encode("latin-1")


def _lost_newlines(frames: dict[str, pd.DataFrame]) -> bytes:
    """5 MB without a line end: the table repeated with its newlines turned into commas."""
    line = csv_bytes(frames["frontex"]).replace(b"\n", b",")
    return (line * (5_000_000 // len(line) + 1))[:5_000_000]


def _with_parts(frame: pd.DataFrame, female: int, male: int) -> pd.DataFrame:
    """The asylum table (only sex=total rows) with female and male rows beside row 0."""
    parts = pd.concat([frame.iloc[[0]]] * 2, ignore_index=True)
    parts["sex"], parts["n"] = ["female", "male"], [female, male]
    return pd.concat([frame, parts], ignore_index=True)


def _indicator(frame: pd.DataFrame, code: str, value: object) -> pd.DataFrame:
    """The wdi table with the first row of indicator ``code`` set to ``value``."""
    return _set(frame, int(frame.index[frame["var"] == code][0]), "value", value)


def _blank_lines(frames: dict[str, pd.DataFrame]) -> bytes:
    """Two blank lines after line 3, then a bad count on file line 9."""
    lines = csv_bytes(frames["frontex"]).decode().split("\n")
    lines = [*lines[:3], "", "", *lines[3:]]
    lines[8] = lines[8].rsplit(",", 1)[0] + ",x"
    return "\n".join(lines).encode()


def _route(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    frame.loc[frame["route"] == frame["route"].iloc[0], "route"] = name
    return frame


CASES: dict[str, Case] = {
    "truncated gzip": Case(
        "wdi.csv.gz", _raw(lambda p: p.read_bytes()[: p.stat().st_size // 2]), None,
        ("not a valid gzip file",)),
    "wrong delimiter": Case(
        "unhcr.csv.gz", _edit("unhcr", lambda f: f, sep=";"), "geo",
        ("separated by semicolons",)),
    "missing column": Case(
        "eu_asyapp.csv.gz", _edit("eu_asyapp", lambda f: f.drop(columns="sex")), "sex",
        ("required column is missing",)),
    "extra unknown column": Case(
        "undesa_stocks_2020.csv.gz", _edit("undesa_stocks_2020", lambda f: f.assign(note="x")),
        "note", ("unexpected column",)),
    "text in a numeric column": Case(
        "frontex.csv.gz", _edit("frontex", lambda f: _set(f, 4, "n", "about 40")), "n",
        ("not whole numbers", "line 6:")),
    "negative count": Case(
        "unhcr.csv.gz", _edit("unhcr", lambda f: _set(f, 9, "n", -3)), "n",
        ("negative count", "line 11:")),
    "duplicated keys": Case(
        "eu_asyapp.csv.gz",
        _edit("eu_asyapp", lambda f: pd.concat([f, f.iloc[[7]]], ignore_index=True)), "geo",
        ("duplicated keys", "line 9:")),
    "whitespace-only file": Case(
        "frontex.csv.gz", _gz("frontex", lambda _: b"  \n\t\n   \n"), None,
        ("is empty (no header, no rows)",)),
    "0-byte file": Case(
        "unhcr.csv.gz", _raw(lambda _: b""), None, ("is empty (0 bytes)",)),
    "Latin-1 text": Case(
        "frontex.csv.gz", _gz("frontex", _latin1), None, ("is not UTF-8", "line 5")),
    "header only": Case(
        "undesa_stocks_2020.csv.gz", _edit("undesa_stocks_2020", lambda f: f.iloc[:0]), None,
        ("has a header but no data rows",)),
    "huge single line, one huge field": Case(
        "frontex.csv.gz",
        _gz("frontex", lambda f: b"route,type,nat,month,n\nCentral Mediterranean Route,Sea,"
                                 b"NGA,2020-01," + b"9" * 5_000_000), "n",
        ("not whole numbers", "line 2:")),
    "huge single line, one huge column name": Case(
        "frontex.csv.gz", _gz("frontex", lambda f: b"route,type,nat,month,n," + b"x" * 5_000_000),
        None, ("unexpected column",)),
    "huge single line, lost line ends": Case(
        "frontex.csv.gz", _gz("frontex", _lost_newlines), None, ("frontex.csv.gz",)),
    # Issue 19: numbers that were published wrong, and messages that named the wrong thing.
    "sex=total beside parts that disagree": Case(
        "eu_asyapp.csv.gz", _edit("eu_asyapp", lambda f: _with_parts(f, 1, 2)), "n",
        ("sex=total row and its parts disagree", "female+male+unknown 3")),
    "two counts of 5e18 (an int64 sum overflows)": Case(
        "frontex.csv.gz", _edit("frontex", lambda f: _set(_set(f, 0, "n", "5000000000000000000"),
                                                          1, "n", "5000000000000000000")),
        "n", ("too large to be counts", "line 2:")),
    "a count of 1e300 (was reported as negative)": Case(
        "unhcr.csv.gz", _edit("unhcr", lambda f: _set(f, 3, "n", "1e300")), "n",
        ("too large to be counts", "line 5:")),
    "a count of 2e9 (implausible)": Case(
        "undesa_stocks_2020.csv.gz",
        _edit("undesa_stocks_2020", lambda f: _set(f, 2, "n", 2_000_000_000)), "n",
        ("implausibly large count", "line 4:")),
    "a count of inf": Case(
        "frontex.csv.gz", _edit("frontex", lambda f: _set(f, 5, "n", "inf")), "n",
        ("infinite", "line 7:")),
    "a remittance of 1e300": Case(
        "wdi.csv.gz", _edit("wdi", lambda f: _indicator(f, "remin", "1e300")), "value",
        ("plausible range", "remittances_received_usd", "below 1e+12")),
    "a population of 0": Case(
        "wdi.csv.gz", _edit("wdi", lambda f: _indicator(f, "pop", 0)), "value",
        ("plausible range", "population must be above 0")),
    "a negative remittance (named column geo)": Case(
        "wdi.csv.gz", _edit("wdi", lambda f: _indicator(f, "remout", -5)), "value",
        ("negative value",)),
    "a trailing space in a route name": Case(
        "frontex.csv.gz", _edit("frontex", lambda f: _route(f, "Central Mediterranean Route ")),
        "route", ("leading or trailing spaces", "line 2:")),
    "an unknown route": Case(
        "frontex.csv.gz", _edit("frontex", lambda f: _route(f, "Central Med. Route")), "route",
        ("unknown route",)),
    "a month after the vintage": Case(
        "frontex.csv.gz", _edit("frontex", lambda f: _set(f, 3, "month", "2031-01")), "month",
        ("after the data's vintage", "line 5:")),
    "blank lines before a bad row": Case(
        "frontex.csv.gz", _gz("frontex", _blank_lines), "n", ("line 9:",)),
}

#: Cases the reader once got wrong (kept empty; add one with a reason to track a bug).
KNOWN_BAD: dict[str, str] = {}
#: Seconds a refusal may take (it takes about 1 s); shorter for the known-bad cases.
TIMEOUT, KNOWN_BAD_TIMEOUT = 40, 12


@pytest.fixture(scope="module")
def protected(good_report, tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    """A copy of the good report and all its bytes, taken once."""
    out = copy_report(good_report, tmp_path_factory.mktemp("protected") / "report")
    return out, tree_bytes(out)


@pytest.mark.parametrize("case", [
    pytest.param(name, marks=pytest.mark.xfail(reason=KNOWN_BAD[name], strict=True))
    if name in KNOWN_BAD else name for name in CASES])
def test_bad_file_refused_and_report_kept(case, good_data, frames, protected, talent_registry,
                                          cli_env, tmp_path):
    spec = CASES[case]
    out, before = protected
    bad = tmp_path / "gdidata"
    shutil.copytree(good_data, bad)
    spec.corrupt(bad / spec.file, frames)
    assert (bad / spec.file).read_bytes() != (good_data / spec.file).read_bytes()
    timeout = KNOWN_BAD_TIMEOUT if case in KNOWN_BAD else TIMEOUT
    try:
        proc = subprocess.run(
            command("build", "--data-dir", bad, "--out", out, "--chapters", talent_registry,
                    "--jobs", "2"),
            env=cli_env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the build did not refuse {spec.file} within {timeout} s")
    finally:
        after = tree_bytes(out)
        changed = sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n))
        if changed:  # repair the shared copy so that one failure does not hide the others
            for name in changed:
                (out / name).unlink(missing_ok=True)
                if name in before:
                    (out / name).write_bytes(before[name])
    message = proc.stderr
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert changed == [], f"the build changed the previous report: {changed}"
    assert "Traceback" not in message
    assert f"{bad / spec.file}" in message
    if spec.column is not None:
        assert f"column '{spec.column}'" in message, message
    for phrase in spec.phrases:
        assert phrase in message, message
    assert len(message) < MAX_MESSAGE, f"{len(message):,} characters: {message[:300]}…"


def test_corpus_is_valid_before_corruption(good_data, frames):
    """The base of the corpus is good, so each case fails for its own corruption only."""
    from analysis.sources import load_table

    assert load_table("detections", good_data)["detections"].sum() == frames["frontex"]["n"].sum()
    stock = gzip.decompress((good_data / "undesa_stocks_2020.csv.gz").read_bytes())
    assert stock.startswith(b"geo,year,from,sex,n,type_b,type_c,type_r,type_i\n")
    indicators = load_table("indicators", good_data)
    assert len(indicators) == len(frames["wdi"]) and indicators["year"].min() == 2012


def test_validation_is_remembered_per_data_version(good_data, tmp_path, monkeypatch):
    """Up-front validation loads every table once per data version, not on every build."""
    import analysis.sources as sources
    from analysis.pipeline.datainfo import DataInfo
    from analysis.pipeline.fingerprint import data_checksums
    from analysis.schemas import TABLES

    monkeypatch.setenv("MIGRATION_CACHE_DIR", str(tmp_path / "cache"))
    loaded: list[str] = []
    real = sources.load_table
    monkeypatch.setattr(sources, "load_table", lambda t, d=None: loaded.append(t) or real(t, d))
    checksums = data_checksums(good_data)
    info = DataInfo(good_data, checksums)
    info.validate()
    info.save()
    assert sorted(loaded) == sorted(TABLES)
    DataInfo(good_data, checksums).validate()  # the same data: nothing loaded again
    assert len(loaded) == len(TABLES)
    assert DataInfo(good_data, checksums).years("indicators")[0] == 2012  # coverage kept too
    assert len(loaded) == len(TABLES)
    changed = {**checksums, "frontex.csv.gz": "0" * 64}
    DataInfo(good_data, changed).validate()  # another data version: checked again
    assert len(loaded) == 2 * len(TABLES)
