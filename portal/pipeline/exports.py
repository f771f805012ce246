"""CSV and XLSX exports of the ranked pipeline, safe to open in a spreadsheet.

A text cell beginning with = + - @ (or a tab or carriage return) could run as a formula when
opened in Excel or LibreOffice (CSV/formula injection), so it gets a leading single quote, as
OWASP advises. Numbers stay numbers.
"""

import csv
import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from portal.pipeline.filters import SOURCE_LABELS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    "Rank",
    "Reference",
    "Title",
    "Workstreams",
    "Stage",
    "Source",
    "Reviews",
    "Raw score",
    "Calibrated score",
    "Interval low",
    "Interval high",
    "Chance of top k",
    "Reviewers disagree",
    "Possible duplicate",
    "Priority",
    "Days in stage",
)


def safe_cell(value):
    """Return `value` with text that a spreadsheet would run as a formula made inert."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters XLSX cannot hold
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _round(value, places=3):
    return None if value is None else round(value, places)


def table(rows) -> list[list]:
    """The header and one list of cells per pipeline row, already made safe."""
    body = []
    for row in rows:
        body.append(
            [
                row.position,
                row.reference,
                row.display_title,
                "; ".join(row.workstreams),
                row.stage,
                SOURCE_LABELS[row.source],
                row.n_reviews,
                _round(row.raw_score),
                _round(row.calibrated_score),
                _round(row.interval_low),
                _round(row.interval_high),
                _round(row.prob_top_k),
                "Yes" if row.disagreement else "No",
                "; ".join(row.duplicates) if row.duplicates else "No",
                _round(row.priority, 4),
                row.days_in_stage,
            ]
        )
    return [list(COLUMNS)] + [[safe_cell(v) for v in cells] for cells in body]


def to_csv(rows) -> bytes:
    """UTF-8 CSV with a byte-order mark, so Excel reads the accents right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(["" if v is None else v for v in cells] for cells in table(rows))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows, sheet_title="Pipeline") -> bytes:
    """One worksheet, header row frozen; text cells are always stored as text."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title)
    sheet.freeze_panes = "A2"
    for cells in table(rows):
        sheet.append(cells)  # safe_cell has quoted anything openpyxl would take as a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
