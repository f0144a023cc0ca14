"""Charts drawn by the server as inline SVG: no script, no CDN, and the same markup in the
page and in the PDF. Readable without colour: every bar and point carries its value as text,
series differ by fill pattern, dash and marker shape, and each chart has a title and a
description for screen readers. A chart is an image (``role="img"``, nothing focusable inside):
the table beside it holds the same figures, each linked to its tickets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
ROW = 26
LABEL_WIDTH = 190
FONT = 'font-family="sans-serif" font-size="12"'
# Fills told apart by pattern as well as shade.
PATTERNS = ("solid", "hatch", "dots", "cross")
_TILE = '<rect width="6" height="6" fill="#fff"/>'
_DEFS = (
    "<defs>"
    '<pattern id="KEY-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)">'
    f'{_TILE}<line x1="0" y1="0" x2="0" y2="6" stroke="#1f4e79" stroke-width="3"/></pattern>'
    '<pattern id="KEY-dots" width="6" height="6" patternUnits="userSpaceOnUse">'
    f'{_TILE}<circle cx="3" cy="3" r="1.6" fill="#7a3b00"/></pattern>'
    '<pattern id="KEY-cross" width="6" height="6" patternUnits="userSpaceOnUse">'
    f'{_TILE}<path d="M0 0L6 6M6 0L0 6" stroke="#5a1a5a" stroke-width="1.2"/></pattern>'
    "</defs>"
)


def _fill(key: str, pattern: str) -> str:
    return 'fill="#2b6cb0"' if pattern == "solid" else f'fill="url(#{key}-{pattern})"'


def _open(key: str, height: int, title: str, description: str) -> list[str]:
    """The chart's start; ``key`` keeps its ids apart from other charts on the page."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-labelledby="{key}-t {key}-d" class="td-chart">',
        f'<title id="{key}-t">{escape(title)}</title>',
        f'<desc id="{key}-d">{escape(description)}</desc>',
        _DEFS.replace("KEY", key),
    ]


def _label(y: int, label: str) -> str:
    """A row's name, right-aligned before its bar."""
    return (
        f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end" {FONT}>'
        f"{escape(label[:28])}</text>"
    )


def bar_chart(key: str, bars: Sequence[tuple[str, int, str]], title: str) -> SafeString:
    """Horizontal bars (label, value, link), each with its value written beside it."""
    if not bars:
        return mark_safe("")
    height = ROW * len(bars) + 10
    top = max(value for _, value, _ in bars) or 1
    scale = (WIDTH - LABEL_WIDTH - 60) / top
    parts = _open(key, height, title, "; ".join(f"{label}: {value}" for label, value, _ in bars))
    for index, (label, value, _) in enumerate(bars):
        y = 5 + index * ROW
        width = max(1.0, value * scale)
        inner = (
            f"{_label(y, label)}"
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{ROW - 8}" '
            f'{_fill(key, "hatch")} stroke="#1f4e79"/>'
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 15}" {FONT}>{value}</text>'
        )
        parts.append(inner)
    parts.append("</svg>")
    return mark_safe("".join(parts))


def stacked_bars(
    key: str, stacks: Sequence[tuple[str, Sequence[tuple[str, int]], str]], title: str
) -> SafeString:
    """Horizontal stacked bars (label, [(band, value)], link) with a legend of patterns."""
    if not stacks:
        return mark_safe("")
    bands = [band for band, _ in stacks[0][1]]
    height = ROW * (len(stacks) + 1) + 10
    top = max(sum(v for _, v in parts) for _, parts, _ in stacks) or 1
    scale = (WIDTH - LABEL_WIDTH - 60) / top
    description = "; ".join(
        f"{label}: " + ", ".join(f"{band} {value}" for band, value in parts)
        for label, parts, _ in stacks
    )
    out = _open(key, height, title, description)
    for index, (label, parts, _) in enumerate(stacks):
        y = 5 + index * ROW
        x = float(LABEL_WIDTH)
        inner = [_label(y, label)]
        for band_index, (_, value) in enumerate(parts):
            width = value * scale
            if value:
                inner.append(
                    f'<rect x="{x:.1f}" y="{y + 3}" width="{width:.1f}" height="{ROW - 8}" '
                    f'{_fill(key, PATTERNS[band_index % len(PATTERNS)])} stroke="#222"/>'
                )
            x += width
        total = sum(v for _, v in parts)
        inner.append(f'<text x="{x + 6:.1f}" y="{y + 15}" {FONT}>{total}</text>')
        out.append("".join(inner))
    out.append(_legend(key, bands, 5 + len(stacks) * ROW))
    out.append("</svg>")
    return mark_safe("".join(out))


def _legend(key: str, bands: Sequence[str], y: int) -> str:
    items = []
    for index, band in enumerate(bands):
        x = LABEL_WIDTH + index * 110
        items.append(
            f'<rect x="{x}" y="{y + 4}" width="14" height="14" '
            f'{_fill(key, PATTERNS[index % len(PATTERNS)])} stroke="#222"/>'
            f'<text x="{x + 18}" y="{y + 16}" {FONT}>{escape(band)}</text>'
        )
    return "".join(items)


def line_chart(
    key: str,
    points: Sequence[tuple[str, float | None, float | None]],
    names: tuple[str, str],
    title: str,
    *,
    percent: bool = False,
) -> SafeString:
    """Two series over time (seconds, drawn in hours; or percentages): solid line with circles
    and dashed line with squares, each point labelled with its value."""
    value_text = _percent if percent else _hours
    if not points:
        return mark_safe("")
    height, left, bottom, top_pad = 240, 50, 200, 20
    values = [v for _, a, b in points for v in (a, b) if v is not None]
    top = 100.0 if percent else max([*values, 60.0])
    step = (WIDTH - left - 20) / max(1, len(points) - 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        return left + index * step, bottom - (bottom - top_pad) * value / top

    description = "; ".join(
        f"{label}: {names[0]} {value_text(a)}, {names[1]} {value_text(b)}" for label, a, b in points
    )
    out = _open(key, height, title, description)
    out.append(f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - 10}" y2="{bottom}" stroke="#444"/>')
    out.append(f'<text x="4" y="{top_pad + 4}" {FONT}>{value_text(top)}</text>')
    for series, dash, marker in ((1, "", "circle"), (2, 'stroke-dasharray="6 4"', "square")):
        coords = [(i, v) for i, p in enumerate(points) if isinstance(v := p[series], (int, float))]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in coords))
        if path:
            out.append(
                f'<polyline points="{path}" fill="none" stroke="#1f4e79" stroke-width="2" {dash}/>'
            )
        for i, value in coords:
            x, y = xy(i, value)
            out.append(_marker(marker, x, y))
            out.append(
                f'<text x="{x:.1f}" y="{y - 7:.1f}" text-anchor="middle" font-size="9" '
                f'font-family="sans-serif">{value_text(value)}</text>'
            )
    for index, (label, _, _) in enumerate(points):
        if index % 2 == 0:
            x, _ = xy(index, 0)
            out.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" {FONT}>')
            out.append(f"{escape(label)}</text>")
    out.append(
        _marker("circle", left + 10, 226)
        + f'<text x="{left + 20}" y="230" {FONT}>{escape(names[0])} (solid)</text>'
    )
    out.append(
        _marker("square", left + 250, 226)
        + f'<text x="{left + 260}" y="230" {FONT}>{escape(names[1])} (dashed)</text>'
    )
    out.append("</svg>")
    return mark_safe("".join(out))


def _marker(shape: str, x: float, y: float) -> str:
    if shape == "circle":
        return (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#fff" stroke="#1f4e79" '
            'stroke-width="2"/>'
        )
    return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="#1f4e79"/>'


def _percent(value: Any) -> str:
    return "-" if value is None else f"{value:.0f} %"


def _hours(seconds: Any) -> str:
    if seconds is None:
        return "-"
    return f"{seconds / 3600:.1f} h"
