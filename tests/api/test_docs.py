"""The API describes itself: an OpenAPI document and docs pages served from our own files."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.staticfiles import finders


def test_the_openapi_document_lists_the_endpoints_and_the_error_shape(client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["info"]["title"] == "Tierdesk API"
    assert "/api/v1/tickets/{ref}/escalate" in document["paths"]
    assert "ErrorOut" in document["components"]["schemas"]
    assert {"TokenAuth", "SessionAuth"} <= set(document["components"]["securitySchemes"])


def test_the_docs_page_loads_everything_from_this_site_under_the_strict_csp(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources, "the page loads its assets"
    assert all(src.startswith(settings.STATIC_URL) for src in sources), sources
    for src in sources:
        assert finders.find(src.removeprefix(settings.STATIC_URL)), f"{src} is not shipped"
    # Only data blocks inline: the strict CSP would block an inline script.
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert all('type="application/json"' in attributes for attributes in inline), inline
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy  # the site's own policy, not loosened for the docs
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert '"validatorUrl": null' in html  # no badge image from validator.swagger.io
