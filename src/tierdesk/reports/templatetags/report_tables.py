"""A figures table's rows as markup, built in Python: the dashboard's tables hold about 1,500
cells over a month, most of them links, and as template nodes they were a quarter of the page's
time (``docs/benchmarks.md``). Pure presentation: no queries."""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString

from tierdesk.reports.figures import Cell

register = template.Library()


@register.simple_tag
def table_rows(rows: list[list[Cell]], links: bool = False) -> SafeString:
    """Each row as ``<tr>``, a cell with tickets behind it a link to them when ``links``."""
    return SafeString("\n".join(_row(row, links) for row in rows))


def _row(row: list[Cell], links: bool) -> str:
    return "<tr>" + "".join(f"<td>{_cell(cell, links)}</td>" for cell in row) + "</tr>"


def _cell(cell: Cell, links: bool) -> str:
    text = escape(cell.text)
    if cell.url and links:
        return f'<a href="{escape(cell.url)}">{text}</a>'
    return text
