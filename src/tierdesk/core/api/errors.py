"""One error shape for the whole API.

Every failure answers ``{"error": {"code", "message", "field", "details"}}``: service errors
(``TierdeskError``) by their status, field and details; ninja's validation errors as 422 naming
the field path (404 when only the path's ids are wrong: they name nothing); an unparsable body
as 400; authentication as 401; throttling as 429. Server errors are logged with their traceback
and answer without one.
"""

from __future__ import annotations

import logging
import math
from functools import partial
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from tierdesk.core.errors import MissingFacts, TierdeskError

logger = logging.getLogger("tierdesk.api")

CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "invalid",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "throttled",
}
SIGN_IN = "Send an API token (Authorization: Bearer tdk_…) or sign in."


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None
    details: Any = None


class ErrorOut(Schema):
    error: ErrorDetail


def error_body(
    code: str, message: str, field: str | None = None, details: Any = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field, "details": details}}


def install(api: NinjaAPI) -> None:
    """Register the handlers on ``api``; the most specific exception class wins."""
    handlers: list[tuple[type[Exception], Any]] = [
        (TierdeskError, on_tierdesk_error),
        (ValidationError, on_validation_error),
        (AuthenticationError, on_authentication_error),
        (Throttled, on_throttled),
        (HttpError, on_http_error),
        (Http404, on_not_found),
        (Exception, on_unexpected),
    ]
    for exception, handler in handlers:
        api.add_exception_handler(exception, partial(_respond, api, handler))


def _respond(api: NinjaAPI, handler: Any, request: HttpRequest, exc: Exception) -> HttpResponse:
    status, body, headers = handler(request, exc)
    response = api.create_response(request, body, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


Handled = tuple[int, dict[str, Any], dict[str, str]]


def on_tierdesk_error(request: HttpRequest, exc: TierdeskError) -> Handled:
    code = "missing_facts" if isinstance(exc, MissingFacts) else CODES.get(exc.status)
    return exc.status, error_body(code or "invalid", exc.message, exc.field, exc.details), {}


def on_validation_error(request: HttpRequest, exc: ValidationError) -> Handled:
    # An id in the path that is no id (``/contacts/0``, 20 digits) names nothing: 404, as any
    # id that names nothing the caller may see.
    if exc.errors and all(tuple(e.get("loc", ()))[:1] == ("path",) for e in exc.errors):
        return 404, error_body("not_found", "Not found."), {}
    return 422, validation_body(exc.errors), {}


def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> Handled:
    problem = getattr(request, "tierdesk_auth_problem", None)
    body = error_body("unauthorized", problem or SIGN_IN)
    return 401, body, {"WWW-Authenticate": 'Bearer realm="tierdesk"'}


def on_throttled(request: HttpRequest, exc: Throttled) -> Handled:
    wait = math.ceil(exc.wait) if exc.wait else None
    message = f"Too many requests. Try again in {wait} s." if wait else "Too many requests."
    headers = {"Retry-After": str(wait)} if wait else {}
    return 429, error_body("throttled", message, details={"retry_after": wait}), headers


def on_http_error(request: HttpRequest, exc: HttpError) -> Handled:
    message = str(exc)
    if exc.status_code == 400 and exc.__cause__ is not None:
        message = f"The request body is not valid JSON: {exc.__cause__}."
    code = CODES.get(exc.status_code, "invalid")
    return exc.status_code, error_body(code, message), {}


def on_not_found(request: HttpRequest, exc: Http404) -> Handled:
    return 404, error_body("not_found", "Not found."), {}


def on_unexpected(request: HttpRequest, exc: Exception) -> Handled:
    logger.error("API %s %s failed", request.method, request.path, exc_info=exc)
    body = error_body("server_error", "Something went wrong on our side; it was logged.")
    return 500, body, {}


def validation_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """422 naming the first bad field; ``details`` lists every problem with its field path."""
    if any(_whole_body_missing(e) for e in errors):
        return error_body("invalid", "This endpoint needs a JSON body.")
    problems = [{"field": field_path(e.get("loc", ())), "message": str(e["msg"])} for e in errors]
    if not problems:
        return error_body("invalid", "Invalid input.")
    field, message = problems[0]["field"], str(problems[0]["message"])
    return error_body("invalid", f"{field}: {message}" if field else message, field, problems)


def _whole_body_missing(error: dict[str, Any]) -> bool:
    loc = tuple(error.get("loc", ()))
    return error.get("type") == "missing" and len(loc) == 2 and loc[0] == "body"


def field_path(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """``("body", "payload", "impact", "total")`` -> ``impact.total``; query and form fields
    are named as sent. The source ("body", "query") and ninja's parameter name are dropped."""
    parts = [str(part) for part in loc]
    if parts and parts[0] == "body":
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts:
        parts = parts[1:]
    return ".".join(parts) or None
