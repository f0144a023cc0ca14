"""A released root-cause report as PDF: the portal's report template printed by WeasyPrint,
the library the monthly reports use (``reports/pdf.py``; it needs Pango from the system and is
loaded only when a PDF is made)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from tierdesk.problems.models import RootCauseReport


def rca_pdf(rca: RootCauseReport) -> bytes:
    from weasyprint import HTML  # needs the system's Pango: loaded only when a PDF is made

    html = render_to_string("problems/rca_print.html", {"rca": rca})
    return HTML(string=html, base_url=settings.SITE_URL).write_pdf()  # type: ignore[no-any-return,unused-ignore]
