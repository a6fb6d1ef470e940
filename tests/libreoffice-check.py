#!/usr/bin/env python3
"""Opens bounceaudit's reports in a real spreadsheet program and reads the
cells back.

Every CSV file of a report folder is converted with LibreOffice headless
(`soffice --headless --convert-to xlsx`, UTF-8 comma-separated import), and
the workbook is read with openpyxl. The check fails when
  - any cell became a formula,
  - a defused cell (one that starts with ') is not text, shown as written,
  - a count (`bounces`, `recipients`) is not a number equal to the CSV's,
  - a row or a cell went missing, or the header picked up the BOM.
A control file with a bare `=1+1` must come out as a formula, so that a
pass means the defusing worked, not that this LibreOffice ignores formulas.

Usage: tests/libreoffice-check.py [REPORT_DIR]
Without REPORT_DIR it scans samples/ with `cargo run --release` first.
It prints SKIP and exits 0 when soffice or openpyxl is missing (CI need not
install them): apt-get install libreoffice-calc-nogui; pip install openpyxl.
"""

import csv
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

COUNT_COLUMNS = {"bounces", "recipients"}
IMPORT = "CSV:44,34,76,1"  # comma, double quote, UTF-8, from line 1


def skip(why):
    print(f"libreoffice-check: SKIP ({why})")
    sys.exit(0)


def convert(soffice, files, outdir, profile):
    """Converts CSV files to xlsx in outdir with one soffice run."""
    cmd = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        f"--infilter={IMPORT}",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(outdir),
        *map(str, files),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=900)


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.reader(f))


def read_xlsx(openpyxl, path):
    sheet = openpyxl.load_workbook(path).active
    return [list(row) for row in sheet.iter_rows()]


def check_file(name, rows, cells):
    """Compares one CSV with its workbook; returns (problems, figures)."""
    problems = []
    figures = Counter()
    if len(cells) != len(rows):
        problems.append(f"{len(rows)} CSV rows but {len(cells)} in the sheet")
        return problems, figures
    header = rows[0]
    for r, (row, sheet_row) in enumerate(zip(rows, cells), start=1):
        for c, text in enumerate(row):
            cell = sheet_row[c] if c < len(sheet_row) else None
            value = None if cell is None else cell.value
            kind = None if cell is None else cell.data_type
            column = header[c] if c < len(header) else f"#{c}"
            where = f"{name} row {r} column {column}"
            figures["cells"] += 1
            if kind == "f":
                problems.append(f"{where}: formula {value!r}")
            elif r == 1:
                if value != text:
                    problems.append(f"{where}: header {value!r} != {text!r}")
            elif text == "":
                if value not in (None, ""):
                    problems.append(f"{where}: {value!r} for an empty cell")
            elif text.startswith("'"):
                figures["defused cells shown as text"] += 1
                if kind != "s" or value != text:
                    problems.append(f"{where}: defused {text!r} -> {value!r}")
            elif column in COUNT_COLUMNS:
                figures["counts read as numbers"] += 1
                if kind != "n" or value != int(text):
                    problems.append(f"{where}: count {text!r} -> {value!r}")
            elif kind == "s":
                if value != text:
                    problems.append(f"{where}: text {text!r} -> {value!r}")
            else:
                figures[f"{column} read as {type(value).__name__}"] += 1
    return problems, figures


def make_report(root, out):
    subprocess.run(
        ["cargo", "run", "--release", "--quiet", "--", "scan", "--quiet",
         "samples", "--out", str(out)],
        cwd=root,
        check=True,
    )


def main():
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        skip("LibreOffice (soffice) is not installed")
    try:
        import openpyxl
    except ImportError:
        skip("python openpyxl is not installed")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if len(sys.argv) > 1:
            report = Path(sys.argv[1])
        else:
            report = tmp / "report"
            make_report(Path(__file__).resolve().parent.parent, report)
        files = sorted(report.glob("*.csv"))
        if not files:
            print(f"libreoffice-check: no CSV files in {report}")
            return 1

        # The control: an undefused formula must stay a formula.
        control = tmp / "control.csv"
        control.write_text("a\n=1+1\n", encoding="utf-8")
        outdir = tmp / "xlsx"
        convert(soffice, [control, *files], outdir, tmp / "profile")
        sheet = read_xlsx(openpyxl, outdir / "control.xlsx")
        if sheet[1][0].data_type != "f":
            print("libreoffice-check: FAIL: this LibreOffice does not turn "
                  "=1+1 into a formula, so the check would prove nothing")
            return 1

        failed = 0
        for f in files:
            rows = read_csv(f)
            cells = read_xlsx(openpyxl, outdir / (f.stem + ".xlsx"))
            problems, figures = check_file(f.name, rows, cells)
            extra = ", ".join(f"{k} {v}" for k, v in sorted(figures.items()))
            state = "ok" if not problems else "FAIL"
            print(f"{f.name}: {state}: {len(rows) - 1} rows; {extra}")
            for p in problems[:20]:
                print(f"  {p}")
            failed += bool(problems)
        print(f"libreoffice-check: {len(files) - failed} of {len(files)} "
              f"files ok (LibreOffice at {soffice}; control formula "
              "evaluated as expected)")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
