"""Cutting quoted history off replies: our own reply marker first, quotequail as fallback.

Kept apart from ``parsing`` so that module stays standard-library only. What is cut is never
lost: the stored raw message keeps the full original.
"""

from __future__ import annotations

import quotequail

from tierdesk.mail.parsing import REPLY_MARKER, WROTE_LINE


def strip_quoted(text: str) -> tuple[str, bool]:
    """The new part of a reply: above our reply marker, else what quotequail keeps visible.

    Returns the text and whether anything was cut. The full original stays in the stored raw
    message, so cutting too much never loses anything.
    """
    text = text.replace("\r\n", "\n")
    if REPLY_MARKER in text:
        head = text.split(REPLY_MARKER, 1)[0]
        return _drop_attribution(head), True
    try:
        parts = quotequail.quote(text)
    except Exception:
        return text.strip(), False
    shown = [chunk for visible, chunk in parts if visible]
    if len(parts) <= 1 or not shown:
        return text.strip(), False
    return _drop_attribution(shown[0]), True


def _drop_attribution(text: str) -> str:
    """Remove trailing quote marks and an "On Monday, X wrote:" line left above the quote."""
    lines = text.rstrip().splitlines()
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith(">")):
        lines.pop()
    if lines and WROTE_LINE.match(lines[-1].strip()):
        lines.pop()
    elif len(lines) >= 2 and WROTE_LINE.match((lines[-2] + " " + lines[-1]).strip()):
        del lines[-2:]
    return "\n".join(lines).strip()


def strip_quoted_html(markup: str) -> tuple[str, bool]:
    """The new part of an HTML-only reply (quotequail), as HTML; unchanged when unsure."""
    try:
        parts = quotequail.quote_html(markup)
    except Exception:
        return markup, False
    shown = [chunk for visible, chunk in parts if visible]
    if len(parts) <= 1 or not shown:
        return markup, False
    return shown[0], True
