"""The monthly report as PDF: the same template as the page, printed by WeasyPrint (which
draws the inline SVG charts itself). WeasyPrint needs Pango from the system; it is loaded only
when a PDF is made, so the rest of Tierdesk runs without it."""

from __future__ import annotations

from django.conf import settings


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # needs the system's Pango: loaded only when a PDF is made

    return HTML(string=html, base_url=settings.SITE_URL).write_pdf()
