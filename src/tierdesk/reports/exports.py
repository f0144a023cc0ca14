"""Every table of the dashboard and the monthly report, as CSV or as an XLSX workbook."""

from __future__ import annotations

import csv
import io

from tierdesk.reports.figures import Table

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A spreadsheet treats a cell starting with these as a formula: such text is written quoted.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow(
            [cell.number if cell.number is not None else _safe_text(cell.text) for cell in row]
        )
    return out.getvalue().encode("utf-8")


def table_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook  # heavy: loaded only when a workbook is asked for

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = table.slug[:31]
    sheet.append(table.headers)
    for row in table.rows:
        sheet.append(
            [cell.number if cell.number is not None else _safe_text(cell.text) for cell in row]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def table_export(table: Table, fmt: str) -> tuple[bytes, str, str]:
    """The file's bytes, its content type and its name."""
    body = table_xlsx(table) if fmt == "xlsx" else table_csv(table)
    return body, FORMATS[fmt], f"{table.slug}.{fmt}"
