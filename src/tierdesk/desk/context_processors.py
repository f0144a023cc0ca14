"""What the shared layout needs to know about the signed-in person, worked out before rendering
(templates do no queries)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tierdesk.accounts.principal import principal_of


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"is_agent": principal_of(user).is_agent if user is not None else False}
