"""News, announcements and release notes on the public site (M1), with an Atom feed."""

from __future__ import annotations

from django.db import models
from django.urls import reverse


class NewsKind(models.TextChoices):
    NEWS = "news", "News"
    ANNOUNCEMENT = "announcement", "Announcement"
    RELEASE_NOTES = "release_notes", "Release notes"


class Announcement(models.Model):
    """A news item, an announcement or release notes: public once published. Unpublished (no
    ``published_at``, or one in the future) items stay hidden, on the page and in the feed."""

    kind = models.CharField(max_length=20, choices=NewsKind.choices, default=NewsKind.NEWS)
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

    def get_absolute_url(self) -> str:
        return reverse("portal:news_item", kwargs={"pk": self.pk})
