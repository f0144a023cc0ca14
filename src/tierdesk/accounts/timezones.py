"""Which time zone a person reads times in, and the middleware that switches to it per request.

The zone is, in order: the user's own (``User.time_zone``), for a contact their organization's
(``crm.Organization.time_zone``), the browser's (the ``tz`` cookie the pages set from
``Intl.DateTimeFormat().resolvedOptions().timeZone``), else the site's ``TIME_ZONE``. Django
then renders every aware datetime in it; ``{% load tierdesk_time %}`` and ``{{ value|when }}``
show it with its zone, so nobody reads 14:00 without knowing whose 14:00.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

BROWSER_ZONE_COOKIE = "tz"
MAX_ZONE_NAME = 64


@lru_cache(maxsize=512)
def zone_named(name: str) -> ZoneInfo | None:
    """The zone of an IANA name; ``None`` for anything else (a cookie is user input)."""
    if not name or len(name) > MAX_ZONE_NAME or name.startswith(("/", ".")) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_for(user: Any, browser_zone: str = "") -> ZoneInfo:
    """The zone a person reads times in (see the module docstring)."""
    signed_in = getattr(user, "is_authenticated", False)
    own = getattr(user, "time_zone", "") if signed_in else ""
    organization = _organization_zone(user) if signed_in else ""
    return (
        zone_named(own)
        or zone_named(organization)
        or zone_named(browser_zone)
        or ZoneInfo(settings.TIME_ZONE)
    )


def _organization_zone(user: Any) -> str:
    """A contact's organization's zone ("" for none, and for agents: the vendor's or partner's
    zone says nothing of where an agent sits). Read through the relations the session's user is
    loaded with (``principal.users_with_principal``): no query of its own."""
    try:
        contact = user.contact
    except (ObjectDoesNotExist, AttributeError):
        return ""
    organization = getattr(contact, "organization", None)
    return getattr(organization, "time_zone", "") if contact is not None else ""


class UserTimeZoneMiddleware:
    """Activates the reader's zone for the request (after authentication: it reads the user,
    who is loaded anyway; no query of its own)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        browser_zone = unquote(request.COOKIES.get(BROWSER_ZONE_COOKIE, "")[:200])
        zone = zone_for(getattr(request, "user", None), browser_zone)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
