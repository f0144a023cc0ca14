"""What the desk keeps for agents: their saved queue views (their own, or shared with a team),
the team's canned responses, and who is looking at which ticket right now."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class QueueView(models.TextChoices):
    MINE = "mine", "My tickets"
    TEAM = "team", "My team's queue"
    UNASSIGNED = "unassigned", "Unassigned"
    BREACHING = "breaching", "Breaching soon"
    OVERDUE = "overdue", "Overdue"
    WAITING = "waiting", "Waiting on customer"
    ESCALATED = "escalated", "Escalated to me"
    ALL = "all", "All open"


class SavedView(models.Model):
    """A queue view with filters an agent named, to come back to in one click."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=80)
    view = models.CharField(max_length=20, choices=QueueView.choices, default=QueueView.TEAM)
    query = models.CharField(
        max_length=500, blank=True, help_text="The filters, as the queue page's query string."
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text="Shared with this team's members; empty: the owner's alone.",
    )  # fmt: skip
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_per_owner")
        ]

    def __str__(self) -> str:
        return self.name


class CannedResponse(models.Model):
    """A ready answer agents insert into the composer and adapt; shared, or one agent's own."""

    title = models.CharField(max_length=120)
    body = models.TextField(help_text="Markdown.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="+", help_text="Empty: every agent may use it.",
    )  # fmt: skip
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class PresenceActivity(models.TextChoices):
    VIEWING = "viewing", "viewing"
    WRITING = "writing", "writing"


class TicketPresence(models.Model):
    """An agent has a ticket open (and maybe is writing on it), as of ``seen_at``.

    The ticket page reports every few seconds (htmx polling); a row older than
    ``desk.selectors.presence.PRESENCE_SECONDS`` means the agent left. One row per agent and
    ticket, updated in place; no history is kept."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    activity = models.CharField(
        max_length=10, choices=PresenceActivity.choices, default=PresenceActivity.VIEWING
    )
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="presence_once_per_agent")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.activity} {self.ticket_id}"
