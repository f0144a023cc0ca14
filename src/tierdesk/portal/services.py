"""Writes of the public site."""

from __future__ import annotations

from tierdesk.core.text import render_markdown
from tierdesk.portal.models import Announcement


def announcement_save(*, announcement: Announcement) -> Announcement:
    """Store the announcement with its body rendered once (admins write Markdown)."""
    announcement.body_html = render_markdown(announcement.body)
    announcement.save()
    return announcement
