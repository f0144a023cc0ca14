"""What the notifications app keeps: each person's delivery preferences, and the outbound
webhooks admins subscribe with their delivery log.

The notifications themselves are ``accounts.Notification`` rows: every layer that raises one
(the SLA sweep in the ticket domain, this app's event subscribers) stores it there, below
this app; this app delivers them.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models


class NotificationPreference(models.Model):
    """How one person wants to hear about things. No row: the defaults (every kind in the
    bell and by mail, no quiet hours, no digest, not every new ticket)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_off = models.JSONField(
        default=list, blank=True, help_text="Kinds not mailed (NotificationKind values)."
    )
    in_app_off = models.JSONField(
        default=list, blank=True, help_text="Kinds not shown under the bell."
    )
    new_tickets = models.BooleanField(
        default=False, help_text="Be told of every new ticket in my teams."
    )
    quiet_from = models.TimeField(null=True, blank=True, help_text="Local time, e.g. 20:00.")
    quiet_until = models.TimeField(null=True, blank=True, help_text="Local time, e.g. 07:00.")
    timezone = models.CharField(max_length=64, default="UTC", help_text="IANA name.")
    digest = models.BooleanField(
        default=False,
        help_text="Mail non-urgent notifications once a day in one digest instead of one by one.",
    )

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"


class WebhookFormat(models.TextChoices):
    JSON = "json", "JSON (signed)"
    SLACK = "slack", "Slack incoming webhook"
    MATTERMOST = "mattermost", "Mattermost incoming webhook"


class WebhookEvent(models.TextChoices):
    OPENED = "ticket.opened", "Ticket opened"
    REPLIED = "ticket.replied", "Ticket replied"
    ESCALATED = "ticket.escalated", "Ticket escalated (level or management chain)"
    BREACHED = "ticket.breached", "SLA breached"
    RESOLVED = "ticket.resolved", "Ticket resolved"
    NOTIFICATION = "notification", "Notification for a role"


http_url = URLValidator(schemes=["http", "https"])


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Webhook(models.Model):
    """A URL an admin subscribed to event kinds; payloads are signed with its secret."""

    name = models.CharField(max_length=100)
    url = models.CharField(max_length=500, validators=[http_url], help_text="http(s) only.")
    secret = models.CharField(
        max_length=100,
        default=new_secret,
        help_text="Signs each payload (HMAC-SHA256); shared with the receiver.",
    )
    events = models.JSONField(default=list, help_text="WebhookEvent values.")
    role = models.CharField(
        max_length=30, blank=True,
        help_text='For "notification": only notifications of this kind (empty: every kind).',
    )  # fmt: skip
    format = models.CharField(
        max_length=12, choices=WebhookFormat.choices, default=WebhookFormat.JSON
    )
    is_active = models.BooleanField(default=True)
    failures = models.PositiveIntegerField(
        default=0, help_text="Failed attempts in a row (TIERDESK_WEBHOOK_DISABLE_AFTER disables)."
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (gave up)"


class WebhookDelivery(models.Model):
    """One payload for one webhook: the delivery log, with each attempt's outcome."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=30)
    body = models.TextField(help_text="The JSON sent, exactly as signed.")
    dedupe_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due_idx",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.webhook}"
