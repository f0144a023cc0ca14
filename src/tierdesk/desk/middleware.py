"""TIERDESK_REQUIRE_STAFF_2FA: staff without a TOTP authenticator are sent to set one up."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from tierdesk.accounts.principal import principal_of

# Paths a staff member without 2FA may still reach: signing in and out, setting up 2FA, static
# files, and the API (tokens are its credential, not the session).
EXEMPT_PREFIXES = ("/accounts/", "/static/", "/api/", "/healthz", "/readyz")
SESSION_KEY = "tierdesk_staff_2fa_ok"


class StaffTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.TIERDESK_REQUIRE_STAFF_2FA and self._must_set_up(request):
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    def _must_set_up(self, request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        if request.path.startswith(EXEMPT_PREFIXES):
            return False
        if not (user.is_staff or user.is_superuser or principal_of(user).is_agent):
            return False
        if request.session.get(SESSION_KEY):
            return False
        from allauth.mfa.models import Authenticator

        has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        if has_totp:
            # Remembered for the session: one query at the first staff page, none after.
            request.session[SESSION_KEY] = True
        return not has_totp
