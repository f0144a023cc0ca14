"""Monitoring intake: alert sources, their routing, the alert groups behind tickets, the on-call
rota and the payloads kept for inspection."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class SourceKind(models.TextChoices):
    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
    GRAFANA = "grafana", "Grafana alerting"
    ZABBIX = "zabbix", "Zabbix"
    NAGIOS = "nagios", "Nagios / Icinga"
    GENERIC = "generic", "Generic JSON"


class OnRecovery(models.TextChoices):
    RESOLVE = "resolve", "Add a note and resolve the ticket"
    NOTE = "note", "Add a note only"


class Source(models.Model):
    """One monitoring system that posts to ``/api/v1/monitoring/<slug>`` with its own token."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    # Only a hash of the token is kept (sha256), like the API tokens.
    token_hash = models.CharField(max_length=64, blank=True)
    token_hint = models.CharField(max_length=12, blank=True)
    is_active = models.BooleanField(default=True)
    on_recovery = models.CharField(
        max_length=10, choices=OnRecovery.choices, default=OnRecovery.RESOLVE
    )
    reopen_minutes = models.PositiveIntegerField(
        default=30, help_text="A group firing again this soon after resolving reopens its ticket."
    )
    organization = models.ForeignKey(
        "crm.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Alerts no rule routes belong to this organization (empty: the NOC triage).",
    )  # fmt: skip
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The team alerts no rule routes go to (empty: the NOC team).",
    )  # fmt: skip
    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class RoutingRule(models.Model):
    """Alerts whose labels, host group or host name match go to an organization, a team and a
    priority. Rules are tried by position; the first that matches wins."""

    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.CASCADE, related_name="rules",
        help_text="Empty: every source.",
    )  # fmt: skip
    position = models.PositiveIntegerField(default=100)
    label_name = models.CharField(max_length=100, blank=True)
    label_value = models.CharField(
        max_length=200, blank=True, help_text="Shell pattern (*, ?); empty: any value."
    )
    host_group = models.CharField(max_length=200, blank=True)
    host_pattern = models.CharField(
        max_length=200, blank=True, help_text="Shell pattern on the host name, e.g. db-*.acme.*"
    )
    organization = models.ForeignKey(
        "crm.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    priority = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty: the priority the alert's severity gives."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"rule {self.position}"


class SeverityPriority(models.Model):
    """Which ticket priority a monitoring severity gives (editable; seeded by a migration)."""

    severity = models.CharField(max_length=40, unique=True, help_text="Lower case.")
    priority = models.PositiveSmallIntegerField()
    is_emergency = models.BooleanField(default=False, help_text="A 24x7 emergency.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["priority", "severity"]
        verbose_name_plural = "severity priorities"

    def __str__(self) -> str:
        return f"{self.severity} -> P{self.priority}"


class AlertGroup(models.Model):
    """One group of alerts (an Alertmanager group, a Zabbix problem, a Nagios host or service)
    and the ticket it keeps. At most one open group per source and key: the unique constraint
    is what keeps concurrent senders from opening two tickets."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="groups")
    key_hash = models.CharField(max_length=64)
    group_key = models.TextField()
    is_open = models.BooleanField(default=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=255)
    severity = models.CharField(max_length=40, blank=True)
    hosts = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    # fingerprint -> {"name", "status", "host"}: every alert the group ever had.
    alerts = models.JSONField(default=dict, blank=True)
    truncated = models.PositiveIntegerField(default=0)
    notice_count = models.PositiveIntegerField(default=1)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Acting within minutes: the acknowledgement deadline and the paging chain's progress.
    ack_due_at = models.DateTimeField(null=True, blank=True)
    page_step = models.PositiveSmallIntegerField(default=0)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    acknowledged_note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "key_hash"],
                condition=models.Q(is_open=True),
                name="alertgroup_one_open_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["source", "key_hash", "-resolved_at"], name="alertgroup_key_idx"),
            models.Index(fields=["ticket"], name="alertgroup_ticket_idx"),
            models.Index(
                fields=["ack_due_at"],
                name="alertgroup_ack_due_idx",
                condition=models.Q(ack_due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.slug}: {self.title}"

    @property
    def firing_count(self) -> int:
        return sum(1 for alert in self.alerts.values() if alert.get("status") == "firing")


class OnCallPolicy(models.Model):
    """How a team is paged for monitoring tickets: the acknowledgement target, the step between
    people on duty, and the outside party (a data centre) after everyone on duty."""

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="+")
    ack_minutes = models.PositiveIntegerField(default=10)
    step_minutes = models.PositiveIntegerField(
        default=10, help_text="Minutes before the next person on duty is paged."
    )
    outside_email = models.EmailField(
        blank=True, help_text="Paged after everyone on duty (e.g. the data centre's NOC)."
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "on-call policies"

    def __str__(self) -> str:
        return f"on-call policy of {self.team}"


class OnCallShift(models.Model):
    """Someone on duty for a team from ``starts_at`` to ``ends_at``; ``position`` orders the
    chain when shifts overlap (1 is paged first)."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    position = models.PositiveSmallIntegerField(default=1)
    is_override = models.BooleanField(
        default=False, help_text="An override goes before every regular shift it overlaps."
    )

    class Meta:
        ordering = ["team", "starts_at", "position"]
        indexes = [models.Index(fields=["team", "ends_at"], name="oncall_team_ends_idx")]

    def __str__(self) -> str:
        return f"{self.user} on duty for {self.team}"


class PayloadOutcome(models.TextChoices):
    REJECTED = "rejected", "Rejected (malformed)"
    FAILED = "failed", "Failed while processing"


class RawPayload(models.Model):
    """A payload that could not be taken in, kept as it came for inspection."""

    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20)
    body = models.TextField()
    content_type = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=10, choices=PayloadOutcome.choices)
    error = models.TextField()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} payload {self.pk} ({self.outcome})"
