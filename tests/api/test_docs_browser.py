"""The interactive docs work in a real browser under the site's strict CSP, without a CDN.

The docs need no database, so the site is served from a plain threaded WSGI server rather than
``live_server``: that one flushes the database afterwards, and with it the seeded categories and
plans the other tests here rely on.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application

from tests.web.browser import REPORT_CSP, browser  # noqa: F401 (the fixture)
from tierdesk.api_root import api


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def site_url() -> Iterator[str]:
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_docs_render_every_endpoint_with_no_csp_violation_or_outside_request(
    browser: Any,  # noqa: F811
    site_url: str,
) -> None:
    page = browser.new_page()
    problems: list[str] = []
    elsewhere: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda r: None if r.url.startswith(site_url) else elsewhere.append(r.url))
    page.add_init_script(REPORT_CSP)
    page.goto(f"{site_url}/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15000)
    shown = page.locator(".opblock").count()
    page.close()
    operations = sum(len(methods) for methods in api.get_openapi_schema()["paths"].values())
    assert shown == operations
    assert problems == []
    assert elsewhere == []
