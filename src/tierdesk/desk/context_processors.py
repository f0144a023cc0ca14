"""What the shared layout needs to know about the signed-in person, worked out before rendering
(templates do no queries)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tierdesk.accounts.policies import may_configure
from tierdesk.accounts.principal import principal_of


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "is_agent": principal_of(user).is_agent if user is not None else False,
        # Managers and admins see the link to the configuration pages.
        "may_configure": may_configure(user) if user is not None else False,
    }
