"""Benchmark the PDF step: how long printing a chapter draft to PDF takes.

Builds the report's HTML drafts once (``migration-report build --to html`` into a temporary
folder, or uses ``--report DIR``), then times, per chapter (median of ``--repeat`` runs):

(a) the whole PDF step as a chapter build runs it (:func:`analysis.export.pdf.html_to_pdf`:
    start headless Chromium, print the draft, rewrite the file reproducibly with pypdf);
(b) the print alone, in a browser already running;
(c) the reproducible rewrite alone (pypdf);

and once the ``report.pdf`` assembly (print the index, merge the chapters' PDFs, rewrite).
Writes ``benchmarks/results/pdf.json`` and prints a Markdown table for the README. Run with
``.venv/bin/python benchmarks/pdf.py [--repeat K] [--report DIR]``.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import bench_env, run_timed

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results" / "pdf.json"
MOMENT = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def _median(func, repeat: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--report", type=Path, help="a built report (default: build one)")
    args = parser.parse_args()

    from pypdf import PdfReader

    from analysis.export import pdf
    from analysis.pipeline.chapters import load_chapters

    missing = pdf.pdf_unavailable()
    if missing:
        sys.exit(missing)
    with tempfile.TemporaryDirectory(prefix="mr-bench-pdf-") as tmp:
        report = args.report
        if report is None:
            report = Path(tmp) / "out"
            seconds, code = run_timed([str(BIN / "migration-report"), "build", "--to", "html",
                                       "--out", str(report)], bench_env(Path(tmp)), cwd=ROOT)
            if code:
                sys.exit("the report did not build")
            print(f"built the HTML drafts in {seconds:.1f} s")
        ids = [c.id for c in load_chapters().values()
               if c.report and (report / f"{c.id}.html").is_file()]
        rows = []
        pdfs = {}
        for chapter in ids:  # (a) first: html_to_pdf starts its own browser
            html = (report / f"{chapter}.html").read_text(encoding="utf-8")
            pdfs[chapter] = _median(lambda h=html: pdf.html_to_pdf(h, title="t", moment=MOMENT),
                                    args.repeat)
        with pdf.browser() as chromium:
            for chapter in ids:
                html = (report / f"{chapter}.html").read_text(encoding="utf-8")
                step, data = pdfs[chapter]
                printed, raw = _median(lambda h=html: pdf.print_html(chromium, h), args.repeat)
                rewrite, _ = _median(lambda r=raw: pdf.reproducible(r, title="t", moment=MOMENT),
                                     args.repeat)
                rows.append({"chapter": chapter, "pages": len(PdfReader(io.BytesIO(data)).pages),
                             "kb": round(len(data) / 1024), "step_s": round(step, 2),
                             "print_s": round(printed, 2), "rewrite_s": round(rewrite, 2)})
                print(rows[-1])
            index = (report / "index.html").read_text(encoding="utf-8")
            parts = [(chapter, pdfs[chapter][1]) for chapter in ids]

            def whole() -> bytes:
                front = pdf.print_html(chromium, index)
                merged = pdf.merge([("Contents", front), *parts])
                return pdf.reproducible(merged, title="report", moment=MOMENT)

            assembled, data = _median(whole, args.repeat)
    result = {"machine": platform.platform(), "python": platform.python_version(),
              "repeat": args.repeat, "chapters": rows,
              "report_pdf": {"seconds": round(assembled, 2), "kb": round(len(data) / 1024)}}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print("\n| chapter | pages | PDF (KB) | PDF step (s) | print alone (s) | pypdf rewrite (s) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| `{r['chapter']}` | {r['pages']} | {r['kb']} | {r['step_s']:.2f} | "
              f"{r['print_s']:.2f} | {r['rewrite_s']:.2f} |")
    print(f"| `report.pdf` (index + merge + rewrite) | | {result['report_pdf']['kb']} | "
          f"{assembled:.2f} | | |")


if __name__ == "__main__":
    main()
