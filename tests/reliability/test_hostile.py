"""Hostile inputs of issue 19 that are not one corrupted table (those are in test_bad_input):
totals beside their parts, a stray future month, a stale file-hash cache, a disk filling up
while a chapter is written, FIFOs and devices, decompression and YAML bombs, and command-line
options that used to end in a traceback.

Each refusal is one message (no traceback) naming the file, column, row or option; where a
report exists, it is byte-identical afterwards.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from .conftest import copy_report, csv_bytes, tree_bytes, write_gz

pytestmark = pytest.mark.reliability


def _data(good_data: Path, tmp_path: Path) -> Path:
    bad = tmp_path / "gdidata"
    shutil.copytree(good_data, bad)
    return bad


# --- wrong or stale numbers ------------------------------------------------------------------

def test_a_total_row_that_agrees_with_its_parts_is_not_counted_twice(good_data, frames,
                                                                     tmp_path):
    from analysis.sources import load_table

    asylum = frames["eu_asyapp"].copy()
    key = asylum.iloc[0]
    parts = pd.concat([asylum.iloc[[0]]] * 3, ignore_index=True)
    parts["sex"] = ["female", "male", "unknown"]
    parts["n"] = [key["n"] - 7, 5, 2]  # they add up to the total row
    bad = _data(good_data, tmp_path)
    write_gz(bad / "eu_asyapp.csv.gz", csv_bytes(pd.concat([asylum, parts], ignore_index=True)))
    table = load_table("asylum", bad)
    assert table["applicants"].sum() == asylum["n"].sum()  # not the total twice
    assert len(table) == len(asylum)


def test_partial_years_are_judged_from_their_own_months():
    from analysis.trends import months_covered

    det = pd.DataFrame({"route": "Other", "type": "Sea", "nationality": "SYR",
                        "month": ["2024-11", "2024-12", "2025-01", "2025-04", "2031-01"],
                        "detections": 1})
    assert months_covered(det, 2025) == 4  # a stray 2031-01 does not complete 2025
    assert months_covered(det, 2024) == 12
    assert months_covered(det, 2026) == 0


def test_a_file_rewritten_in_place_with_the_same_size_and_mtime_is_hashed_again(
        tmp_path, monkeypatch):
    """As ``cp -p``, ``rsync -a`` or ``tar x`` leave it: same size, mtime and inode."""
    import hashlib

    from analysis.pipeline import fingerprint

    data = tmp_path / "wdi.csv.gz"
    data.write_bytes(b"old numbers")
    st = data.stat()
    real_now = fingerprint.time.time_ns
    # hashed long after the file was written (outside the racy window)
    monkeypatch.setattr(fingerprint.time, "time_ns", lambda: real_now() + 10**11)
    first = fingerprint.FileHasher(tmp_path / "hashes.json")
    first.sha256(data)
    first.save()
    with open(data, "r+b") as fh:  # same inode, same size
        fh.write(b"new numbers")
    os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the old mtime back
    assert (data.stat().st_size, data.stat().st_mtime_ns, data.stat().st_ino) == \
        (st.st_size, st.st_mtime_ns, st.st_ino)
    again = fingerprint.FileHasher(tmp_path / "hashes.json")
    assert again.sha256(data) == hashlib.sha256(b"new numbers").hexdigest()


# --- half-replaced output ---------------------------------------------------------------------

def _task(out: Path):
    from analysis.pipeline.execute import Task

    return Task(chapter="c", title="t", notebook=str(out / "n.ipynb"), label="n.ipynb",
                parameters={}, shown={}, data_dir=str(out), out=str(out),
                formats=("html", "markdown"), exec_key="k", export_key="e", data={},
                inputs={}, mode="run", date="d", built_at="b", version="v")


def test_a_disk_filling_up_halfway_leaves_the_old_chapter_whole(tmp_path, monkeypatch):
    from analysis.pipeline.execute import _write_outputs

    out = tmp_path / "report"
    old = {"c.html": b"old html", "c.md": b"old md", "c.key_figures.json": b"{}",
           "c.ipynb": b"old nb", "c_files/fig1.png": b"old png"}
    for name, data in old.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    before = tree_bytes(out)
    new = {"c.html": b"new html", "c.md": b"new md", "c.key_figures.json": b'{"a": 1}',
           "c.ipynb": b"new nb", "c_files/fig1.png": b"new png", "c_data/t.csv": b"a\n"}
    writes = []
    real_open = builtins.open

    class Full(io.BytesIO):
        def write(self, data):  # noqa: ANN001
            raise OSError(errno.ENOSPC, "No space left on device")

    def fake_open(file, mode="r", *args, **kwargs):  # noqa: ANN001
        if "w" in str(mode) and "b" in str(mode) and str(file).startswith(str(out)):
            writes.append(file)
            if len(writes) == 3:  # the third file of the chapter: the disk is full
                real_open(file, mode, *args, **kwargs).close()
                return Full()
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)
    with pytest.raises(OSError, match="No space left"):
        _write_outputs(_task(out), new)
    monkeypatch.undo()
    assert len(writes) == 3
    after = tree_bytes(out, volatile=(".build/",))
    assert after == before  # not one new file beside the old ones
    assert not any((out / ".build" / "stage").iterdir())  # and the staging folder is gone


def test_an_interrupted_commit_is_finished_by_the_next_build(tmp_path, monkeypatch):
    from analysis.pipeline import commit
    from analysis.pipeline.execute import clean_tmp

    out = tmp_path / "report"
    out.mkdir()
    (out / "c.html").write_bytes(b"old")
    (out / "c_files").mkdir()
    (out / "c_files" / "stale.png").write_bytes(b"stale")
    monkeypatch.setattr(commit, "_apply", lambda out, stage: None)  # killed after the commit
    commit.commit_chapter(out, "c", {"c.html": b"new", "c.md": b"new md"},
                          remove=["c_files/stale.png"])
    assert (out / "c.html").read_bytes() == b"old"
    monkeypatch.undo()
    clean_tmp(out)
    assert (out / "c.html").read_bytes() == b"new" and (out / "c.md").read_bytes() == b"new md"
    assert not (out / "c_files").exists()
    assert not any((out / ".build" / "stage").iterdir())


# --- hangs and memory -------------------------------------------------------------------------

def test_a_fifo_and_dev_zero_beside_the_data_are_not_read(cli, good_data, good_report,
                                                          talent_registry, tmp_path):
    bad = _data(good_data, tmp_path)
    os.mkfifo(bad / "notes.fifo")
    (bad / "zero.csv").symlink_to("/dev/zero")
    out = copy_report(good_report, tmp_path / "report")
    before = tree_bytes(out)
    done = cli("build", "--data-dir", bad, "--out", out, "--chapters", talent_registry,
               timeout=60)
    assert done.code == 0, done.text
    # The index names the data folder read, and the whole-report PDF prints the index.
    index = {"index.html", "report.pdf", ".build/report.json"}
    assert {k: v for k, v in tree_bytes(out).items() if k not in index} == \
        {k: v for k, v in before.items() if k not in index}


@pytest.mark.parametrize("kind", ["fifo", "dev/zero", "symlink loop", "dangling symlink"])
def test_a_table_that_is_not_a_regular_file_is_refused(kind, good_data, tmp_path):
    from analysis.errors import DataError
    from analysis.pipeline.datainfo import open_input_data

    bad = _data(good_data, tmp_path)
    table = bad / "wdi.csv.gz"
    table.unlink()
    if kind == "fifo":
        os.mkfifo(table)
    elif kind == "dev/zero":
        table.symlink_to("/dev/zero")
    elif kind == "symlink loop":
        table.symlink_to(table.name)
    else:
        table.symlink_to("nowhere.csv.gz")
    phrase = {"fifo": "FIFO", "dev/zero": "device", "symlink loop": "symbolic links",
              "dangling symlink": "dangling symlink"}[kind]
    with pytest.raises(DataError, match=phrase) as info:
        open_input_data(bad)  # the checksums are taken first: this used to hang
    assert str(table) in str(info.value)


def test_a_gzip_bomb_stops_at_the_cap(good_data, tmp_path, monkeypatch):
    import gzip

    from analysis import validation
    from analysis.errors import DataError
    from analysis.sources import load_table

    monkeypatch.setattr(validation, "MAX_TABLE_BYTES", 1 << 20)
    bad = _data(good_data, tmp_path)
    with gzip.open(bad / "wdi.csv.gz", "wb") as fh:
        fh.write(b"geo,var,year,value\n")
        for _ in range(64):
            fh.write(b"DEU,pop,2020,1\n" * 10_000)  # 9.6 MB of text, 30 kB on disk
    with pytest.raises(DataError, match="more than 1 MiB of text"):
        load_table("indicators", bad)


def test_an_ambiguous_table_is_refused_and_the_report_kept(cli, good_data, good_report,
                                                           talent_registry, tmp_path):
    import gzip

    bad = _data(good_data, tmp_path)
    (bad / "frontex.csv").write_bytes(gzip.decompress((bad / "frontex.csv.gz").read_bytes()))
    out = copy_report(good_report, tmp_path / "report")
    before = tree_bytes(out)
    done = cli("build", "--data-dir", bad, "--out", out, "--chapters", talent_registry)
    assert done.code == 1 and "Traceback" not in done.text
    assert "ambiguous: frontex.csv.gz and frontex.csv" in done.err
    assert tree_bytes(out) == before


# --- talent and YAML files --------------------------------------------------------------------

def _talent_files(tmp_path: Path, csv: str, mapping: str) -> tuple[Path, Path]:
    (tmp_path / "ind.csv").write_text(csv, encoding="utf-8")
    (tmp_path / "map.yaml").write_text(mapping, encoding="utf-8")
    return tmp_path / "ind.csv", tmp_path / "map.yaml"


MAPPING = "indicators:\n  jobs: {dimension: work, direction: 1}\n"


def test_talent_indicators_with_an_unknown_country_are_refused(tmp_path):
    from analysis.errors import DataError
    from analysis.talent import load_indicator_file

    csv, mapping = _talent_files(tmp_path, "country,jobs\nDEU,1\nXXX,2\n", MAPPING)
    with pytest.raises(DataError, match="unknown country codes") as info:
        load_indicator_file(csv, mapping)
    assert "line 3" in str(info.value) and "column 'country'" in str(info.value)


def test_talent_indicators_with_a_column_twice_are_refused(tmp_path):
    from analysis.errors import DataError
    from analysis.talent import load_indicator_file

    csv, mapping = _talent_files(tmp_path, "country,jobs,jobs\nDEU,1,9\nFRA,2,8\n", MAPPING)
    with pytest.raises(DataError, match="more than once") as info:
        load_indicator_file(csv, mapping)
    assert "column 'jobs'" in str(info.value)


def test_yaml_aliases_are_refused_not_expanded(tmp_path):
    from analysis.errors import DataError
    from analysis.talent import load_indicator_file

    laughs = ("x: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
              + "".join(f"x{i}: &a{i} [{', '.join(['*a' if i == 0 else f'*a{i - 1}'] * 9)}]\n"
                        for i in range(12))
              + MAPPING)
    csv, mapping = _talent_files(tmp_path, "country,jobs\nDEU,1\n", laughs)
    with pytest.raises(DataError, match="line 2: YAML aliases"):
        load_indicator_file(csv, mapping)


# --- command-line options ---------------------------------------------------------------------

def _refused(cli, *args: str | Path, env: dict[str, str] | None = None, code: int = 2) -> str:
    done = cli(*args, env=env, timeout=60)
    assert done.code == code, done.text
    assert "Traceback" not in done.text
    lines = [line for line in done.err.splitlines() if line.strip()]
    assert len(done.err) < 600 and len(lines) <= 4, done.err
    return done.err


def test_an_out_that_is_a_file_under_a_file_or_too_long_is_refused(cli, talent_registry,
                                                                   tmp_path):
    file = tmp_path / "afile"
    file.write_text("not a folder")
    base = ("run", "talent", "--chapters", talent_registry, "--out")
    assert "is a file" in _refused(cli, *base, file)
    assert "which is a file" in _refused(cli, *base, file / "sub")
    assert "too long" in _refused(cli, *base, tmp_path / ("x" * 300))
    assert file.read_text() == "not a folder"


def test_a_read_only_out_is_refused(tmp_path, monkeypatch):
    from analysis.pipeline.lock import OutputDirError, check_output_dir

    monkeypatch.setattr(os, "access", lambda path, mode: False)  # root may write anywhere
    with pytest.raises(OutputDirError, match="read-only"):
        check_output_dir(tmp_path / "report")


def test_a_non_numeric_lock_timeout_is_refused(cli, talent_registry, tmp_path):
    err = _refused(cli, "run", "talent", "--chapters", talent_registry, "--out",
                   tmp_path / "r", env={"MIGRATION_LOCK_TIMEOUT": "soon"})
    assert "MIGRATION_LOCK_TIMEOUT" in err and not (tmp_path / "r").exists()


def test_huge_and_placeholder_parameters_are_refused_in_one_short_line(cli, tmp_path):
    out = tmp_path / "r"
    err = _refused(cli, "run", "trends", "-p", "year=" + "9" * 10_000, "--out", out)
    assert "10,00" in err and "year=" in err  # its length, not the value
    err = _refused(cli, "run", "survey", "-p", "survey_path=" + "a" * 10_000, "--out", out)
    assert "survey_path" in err
    assert "OOO stands for no single country" in _refused(cli, "run", "trends", "-p",
                                                          "region=OOO", "--out", out)
    assert "stands for no single country" in _refused(cli, "run", "country_brief", "-p",
                                                          "country=OOO", "--out", out)
    assert not out.exists()


def test_a_bug_is_one_line_and_a_log_with_the_traceback(tmp_path, monkeypatch, capsys):
    from analysis import cli as cli_module
    from analysis.pipeline import build as build_module

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003
        raise ZeroDivisionError("a bug")

    monkeypatch.setenv("MIGRATION_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(build_module, "build", broken)
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(["build", "--out", str(tmp_path / "r")])
    assert exit_info.value.code == cli_module.EXIT_BUG
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError: a bug" in err and "Traceback" not in err
    log = Path(err.split("traceback in ")[1].split(")")[0].replace("\n", ""))
    assert "Traceback" in log.read_text() and log.parent == tmp_path / "cache" / "logs"

