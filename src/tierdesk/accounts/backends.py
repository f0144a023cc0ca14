"""Authentication backends that load the signed-in user together with their principal.

Django's ``ModelBackend.get_user`` reads the user alone; the first permission check of the
request then reads the agent and, in another query, the agent's teams. Every desk page pays
for that, so the session's user comes with them in one query (``user_with_principal``).
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend

from tierdesk.accounts.selectors import user_with_principal


class _LoadsPrincipal:
    def get_user(self, user_id: Any) -> Any:
        try:
            user = user_with_principal(int(user_id))
        except (TypeError, ValueError):
            return None
        if user is None or not self.user_can_authenticate(user):  # type: ignore[attr-defined]
            return None
        return user


class PrincipalModelBackend(_LoadsPrincipal, ModelBackend):
    """Django's username/password backend (the admin, ``createadmin``)."""


class PrincipalAllauthBackend(_LoadsPrincipal, AuthenticationBackend):
    """allauth's backend (the sign-in page: username or e-mail)."""
