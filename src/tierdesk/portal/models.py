"""News and announcements on the public site (M1)."""

from __future__ import annotations

from django.db import models


class Announcement(models.Model):
    """A news item. Unpublished (no ``published_at``, or one in the future) items stay hidden."""

    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")
    # Rendered and sanitized once when saved (portal.services), never per page view.
    body_html = models.TextField(blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    is_pinned = models.BooleanField(default=False, help_text="Shown first, and on the home page.")

    class Meta:
        ordering = ["-is_pinned", "-published_at", "-id"]
        indexes = [models.Index(fields=["-published_at"], name="announcement_published_idx")]

    def __str__(self) -> str:
        return self.title
