"""The look shared by every page: icons from the app's own SVG set, times in the reader's zone,
and what the sign-in page may offer. Pure presentation: no queries.

Icons: ``{% icon "paperclip" %}`` (decorative, hidden from screen readers) or
``{% icon "breach" label="Overdue" %}`` (announced). The set is ``static/tierdesk/icons.svg``, a
sprite of ``<symbol>`` elements served by the app; no emoji, which render as empty boxes where
no emoji font is installed. Python-built markup (the desk's queue rows) calls ``icon_html``.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from html import escape
from typing import Any

from allauth.account.adapter import get_adapter
from django import template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.safestring import SafeString

register = template.Library()

ICON_SET = "tierdesk/icons.svg"
# Every symbol in the sprite; a misspelt name fails loudly in tests instead of drawing nothing.
ICONS = frozenset(
    {
        "paperclip", "breach", "warning", "clock", "pause", "check", "minus", "close", "user",
        "users", "home", "inbox", "file", "lock", "bell", "calendar", "message", "reply", "plus",
        "search", "arrow-left", "shield", "compass", "tool", "hourglass",
    }
)  # fmt: skip


@cache
def _sprite_url() -> str:
    return static(ICON_SET)


def icon_html(name: str, label: str = "") -> str:
    """An icon as markup: ``<svg class="icon">`` using the sprite's symbol."""
    if name not in ICONS:
        raise ValueError(f"No icon {name!r} in {ICON_SET}")
    a11y = f'role="img" aria-label="{escape(label)}"' if label else 'aria-hidden="true"'
    return (
        f'<svg class="icon icon-{name}" {a11y} focusable="false">'
        f'<use href="{_sprite_url()}#{name}"></use></svg>'
    )


@register.simple_tag
def icon(name: str, label: str = "") -> SafeString:
    return SafeString(icon_html(name, label))


# ---- times ----------------------------------------------------------------------------------


@register.filter
def local_time(value: datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """An instant in the reader's time zone (the one active for the request), with the zone's
    name: ``Mon 07 Dec 2026, 14:30 Asia/Kolkata``. The one place the portal formats a time, so
    it follows whatever zone the request activates."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local.strftime(fmt)} {timezone.get_current_timezone_name()}"


@register.filter
def iso_time(value: datetime | None) -> str:
    """The machine-readable form for ``<time datetime=...>``."""
    return value.isoformat() if value is not None else ""


# ---- sign-in --------------------------------------------------------------------------------


@register.simple_tag(takes_context=True)
def signup_open(context: Any) -> bool:
    """Whether the sign-in page may invite people to sign up: the account adapter's setting."""
    request = context.get("request")
    return bool(request is not None and get_adapter(request).is_open_for_signup(request))
