"""Who is calling the API: a personal API token, else the browser session (with CSRF), else
nobody; and ``ApiRequest``, what every app's endpoints receive.

Here, in the lowest app, because tokens are accounts' rows and every app's router imports
``ApiRequest``; ``tierdesk.api_root`` puts the two schemes on the API.

A request with an ``Authorization`` header is judged by that header alone: a bad token fails
with 401 even if the browser also has a session, so a script never runs as somebody else.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from tierdesk.accounts import selectors, services
from tierdesk.accounts.models import ApiToken
from tierdesk.core.clock import now
from tierdesk.core.errors import Forbidden


class ApiRequest(HttpRequest):
    """What an endpoint receives once authenticated (for type checkers: ninja sets these)."""

    auth: Any  # the calling user
    api_token: ApiToken | None


class TokenAuth(HttpBearer):
    """``Authorization: Bearer tdk_…``: one indexed query by the token's SHA-256."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, raw = header.partition(" ")
        if not header:
            return None
        if scheme.lower() != "bearer" or not raw.strip():
            request.tierdesk_auth_problem = "Use Authorization: Bearer tdk_…"  # type: ignore[attr-defined]
            return None
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = selectors.api_token_for_key(token)
        if api_token is None:
            request.tierdesk_auth_problem = "The API token is not valid."  # type: ignore[attr-defined]
            return None
        at = now()
        problem = selectors.api_token_problem(api_token, at)
        if problem:
            request.tierdesk_auth_problem = problem  # type: ignore[attr-defined]
            return None
        services.api_token_mark_used(token=api_token, at=at)
        request.api_token = api_token  # type: ignore[attr-defined]
        request.user = api_token.user
        return api_token.user


class SessionAuth(APIKeyCookie):
    """The signed-in browser (the interactive docs): unsafe methods need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        if "Authorization" in request.headers:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise Forbidden("CSRF check failed: send the X-CSRFToken header with the session.")
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return self(request)
