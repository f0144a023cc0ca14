"""People who sign in: users, the agents among them (level, teams), and their API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from simple_history.models import HistoricalRecords


class SupportLevel(models.IntegerChoices):
    L1 = 1, "L1"
    L2 = 2, "L2"
    L3 = 3, "L3"


class User(AbstractUser):
    """A sign-in. Whether it is an agent or a contact is told by the linked Agent or Contact."""

    display_name = models.CharField(max_length=150, blank=True)
    time_zone = models.CharField(
        max_length=64, blank=True,
        help_text="IANA name (Asia/Kolkata) every time is shown in; empty: the browser's zone.",
    )  # fmt: skip

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Team(models.Model):
    """A group of agents that owns a queue: Service desk, Technical support, ..."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    organization = models.ForeignKey(
        "crm.Organization", on_delete=models.PROTECT, related_name="teams",
        help_text="The vendor, or a partner that gives L1 support to its customers.",
    )  # fmt: skip
    lead = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_teams"
    )
    support_level = models.PositiveSmallIntegerField(
        choices=SupportLevel.choices, default=SupportLevel.L1,
        help_text="The level this team works at: escalation to a level picks its team.",
    )  # fmt: skip
    email = models.EmailField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """A staff member of the vendor or of a partner, at one support level."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="agent")
    organization = models.ForeignKey(
        "crm.Organization", on_delete=models.PROTECT, related_name="agents"
    )
    support_level = models.PositiveSmallIntegerField(
        choices=SupportLevel.choices, default=SupportLevel.L1
    )
    is_manager = models.BooleanField(
        default=False, help_text="Managers see and may act on every ticket."
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="agents")
    is_available = models.BooleanField(
        default=True, help_text="Takes part in round-robin assignment."
    )
    # Round-robin hands the next ticket to the member assigned least recently.
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["last_assigned_at"])

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_support_level_display()})"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the raw value is shown once."""

    PREFIX = "tdk_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12, help_text="The first characters, to tell tokens apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


class NotificationKind(models.TextChoices):
    """What a notification is about; people choose their channels per kind."""

    SLA_WARNING = "sla_warning", "SLA warning"
    SLA_BREACH = "sla_breach", "SLA breach"
    SLA_ESCALATION = "sla_escalation", "Escalation step of the management chain"
    ASSIGNED = "assigned", "A ticket assigned to me"
    ESCALATED = "escalated", "A ticket escalated to my level or team"
    CUSTOMER_REPLIED = "customer_replied", "A customer's reply on my ticket"
    MENTIONED = "mentioned", "A mention in an internal note"
    EMERGENCY = "emergency", "An emergency in my team"
    NEW_TICKET = "new_ticket", "Every new ticket in my team"
    WEBHOOK_DISABLED = "webhook_disabled", "A webhook disabled after failures"
    CONFIGURATION = "configuration", "A configuration problem the product worked around"
    KB_REVIEWED = "kb_reviewed", "A review of my knowledge-base article"
    KB_VERIFY = "kb_verify", "A knowledge-base article of my team due for re-verification"


class EmailState(models.TextChoices):
    PENDING = "pending", "To be decided"
    QUEUED = "queued", "Queued for mail"
    DIGEST = "digest", "Waiting for the digest"
    DIGESTED = "digested", "Sent in a digest"
    OFF = "off", "Not mailed (preference)"


class Notification(models.Model):
    """Something a person should know: an SLA warning, a breach, an escalation step, ...

    ``dedupe_key`` is unique: whoever raises a notification names it, so raising it twice (two
    workers, a retried task) leaves one row. The row is the in-app notification (the desk's
    bell, unless the recipient turned the kind off there); the notifications app's delivery job
    mails it by the recipient's preferences and moves ``email_state`` on by compare-and-set, so
    each is mailed once.
    """

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=30)
    title = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    urgent = models.BooleanField(
        default=False, help_text="P1 or an emergency: quiet hours and the digest do not hold it."
    )
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(
        max_length=10, choices=EmailState.choices, default=EmailState.PENDING
    )
    email_after = models.DateTimeField(
        null=True, blank=True, help_text="Held by quiet hours until then."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["id"],
                name="notification_pending_idx",
                condition=models.Q(email_state="pending"),
            ),
            models.Index(
                fields=["recipient"],
                name="notification_unread_idx",
                condition=models.Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title
