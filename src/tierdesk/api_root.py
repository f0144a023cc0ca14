"""The REST API: one NinjaAPI that mounts every app's router, one OpenAPI document.

It sits at the top, beside ``urls.py``, because it imports every router; the pieces the routers
share (error shape, paging, throttles) are in ``tierdesk.core.api`` and token authentication in
``tierdesk.accounts.api_auth``, below every app.

Mounted at ``/api/v1/``. Every operation needs a caller (API token or signed-in session); the
OpenAPI document (``openapi.json``) and the interactive docs (``docs``) are public. The docs are
ninja's Swagger UI served from our own static files: no CDN, and nothing the site's CSP forbids
(no inline script; the settings travel in a JSON data block).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI, Swagger
from ninja.operation import Operation
from ninja.parser import Parser

from tierdesk.accounts.api import router as accounts_router
from tierdesk.accounts.api_auth import SessionAuth, TokenAuth
from tierdesk.core.api import errors
from tierdesk.core.api.renderers import ORJSONRenderer
from tierdesk.core.api.throttles import AuthRateThrottle, anonymous_gate
from tierdesk.core.limits import NUL_REFUSED, has_nul
from tierdesk.crm.api import router as crm_router
from tierdesk.downloads.api import router as downloads_router
from tierdesk.kb.api import router as kb_router
from tierdesk.problems.api import router as problems_router
from tierdesk.reports.api import router as reports_router
from tierdesk.sla.api import router as sla_router
from tierdesk.tickets.api import router as tickets_router

DESCRIPTION = """
Tierdesk's REST API. Authenticate with a personal API token (`Authorization: Bearer tdk_…`,
create one with `POST /api/v1/tokens` while signed in) or, in the browser, with your session.

Errors always look like `{"error": {"code", "message", "field", "details"}}`. An object you may
not see answers 404, whoever owns it. Write actions take an optional `version`: if the ticket
changed since you read that version, the answer is 409 and nothing changes.
"""


class JsonBodyParser(Parser):
    """JSON bodies; an empty body is ``{}`` so actions without fields (``POST .../close``)
    need none. Errors become a 400 whose message says what is wrong with the JSON."""

    def parse_body(self, request: HttpRequest) -> Any:
        if not request.body.strip():
            return {}
        content_type = request.content_type or ""
        if content_type and not content_type.endswith(("/json", "+json")):
            raise ValueError(f"expected Content-Type: application/json, got {content_type}")
        data = json.loads(request.body)
        if has_nul(data):
            # PostgreSQL stores no NUL in text: a clear 400 instead of a database error.
            raise ValueError(NUL_REFUSED)
        return data


class TierdeskApi(NinjaAPI):
    """Operation ids name the app, not the module: ``tierdesk_<app>_api_<function>`` for a view
    in ``tierdesk.<app>.api`` or any module of an ``api`` package there, so splitting a router
    into modules keeps the ids that clients generated from the OpenAPI document call."""

    def get_openapi_operation_id(self, operation: Operation) -> str:
        parts = operation.view_func.__module__.split(".")
        if len(parts) >= 3 and parts[0] == "tierdesk" and parts[2] == "api":
            return f"tierdesk_{parts[1]}_api_{operation.view_func.__name__}"
        return super().get_openapi_operation_id(operation)


api = TierdeskApi(
    title="Tierdesk API",
    version="1",
    description=DESCRIPTION.strip(),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth(), anonymous_gate],
    throttle=[AuthRateThrottle()],
    parser=JsonBodyParser(),
    renderer=ORJSONRenderer(),
    # validatorUrl: Swagger UI would otherwise load a badge image from validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
)
errors.install(api)
api.add_router("", tickets_router)
api.add_router("", crm_router)
api.add_router("", accounts_router)
api.add_router("", sla_router)
api.add_router("", kb_router)
api.add_router("", reports_router)
api.add_router("", downloads_router)
api.add_router("", problems_router)


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Unknown paths under the API answer in the API's error shape, not an HTML page."""
    body = errors.error_body("not_found", f"No such API endpoint: {request.path}")
    return JsonResponse(body, status=404)
