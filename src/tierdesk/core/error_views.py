"""The 403, 404 and 500 pages in the product's look (``handler403/404/500`` in ``urls.py``).

403 and 404 render with the request, so the navigation knows who is signed in. The 500 page is
rendered without it: whatever failed may be the database, and the page must still show, so it
reads nothing (no session, no user, no context processors).
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

PAGES: dict[int, dict[str, str]] = {
    403: {
        "title": "You may not do this",
        "explanation": "Your account does not have the right to see or change this.",
        "icon_name": "lock",
    },
    404: {
        "title": "Page not found",
        "explanation": "There is nothing here, or nothing you may see.",
        "icon_name": "compass",
    },
    500: {
        "title": "Something went wrong on our side",
        "explanation": "The page could not be shown because of an error in Tierdesk.",
        "icon_name": "tool",
    },
}


def _context(code: int) -> dict[str, Any]:
    return {"code": code, **PAGES[code]}


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", _context(403), status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", _context(404), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    body: str
    try:
        body = render_to_string("500.html", _context(500))
    except Exception:  # the page must never fail in its turn: a plain one then
        log.exception("the 500 page could not be rendered")
        body = "<!doctype html><title>Server error</title><h1>Server error (500)</h1>"
    return HttpResponseServerError(body)
