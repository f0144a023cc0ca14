"""Problems across customers, major incidents, root-cause reports and changes (M10, X7, H5/X1).

A problem links incident tickets of any organization (``ProblemTicket``). What it tells those
tickets (a workaround, a broadcast update, the fix) is a ``ProblemUpdate`` delivered to each
ticket once: ``UpdateDelivery`` is unique per (update, ticket), so a retried batch or a second
worker never posts twice. Major incidents, root-cause reports and change notices follow the same
rule: every fact that leaves the house has a unique row first.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ProblemStatus(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    KNOWN_ERROR = "known_error", "Known error"
    FIXED = "fixed", "Fixed"
    CLOSED = "closed", "Closed"


class Problem(models.Model):
    """One cause behind many incidents, possibly at many customers."""

    statement = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=ProblemStatus.choices, default=ProblemStatus.INVESTIGATING
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="owned_problems",
    )  # fmt: skip
    products = models.ManyToManyField("crm.Product", blank=True, related_name="problems")
    affected_versions = models.CharField(max_length=200, blank=True)
    workaround = models.TextField(blank=True)
    kb_article = models.ForeignKey(
        "kb.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fix_note = models.TextField(blank=True)
    fix_release = models.CharField(max_length=200, blank=True)
    fixed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"PRB-{self.pk} {self.statement}"

    @property
    def reference(self) -> str:
        return f"PRB-{self.pk}"


class ProblemTicket(models.Model):
    """An incident ticket linked to a problem (tickets of several organizations may be)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="links")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    linked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["problem", "ticket"], name="problem_ticket_once")
        ]
        indexes = [models.Index(fields=["ticket"], name="problem_link_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.problem_id} ~ {self.ticket_id}"


class ProblemNote(models.Model):
    """Support's working note on a problem: never shown or sent to a contact."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note on {self.problem_id}"


class UpdateKind(models.TextChoices):
    UPDATE = "update", "Update"
    WORKAROUND = "workaround", "Workaround"
    FIX = "fix", "Fix"


class BroadcastState(models.TextChoices):
    QUEUED = "queued", "Queued"
    DONE = "done", "Delivered"


class ProblemUpdate(models.Model):
    """One text for every linked ticket: a public reply on each, in the background."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=20, choices=UpdateKind.choices, default=UpdateKind.UPDATE)
    body = models.TextField()
    # The fix also resolves each ticket, with this summary.
    resolves = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(
        max_length=10, choices=BroadcastState.choices, default=BroadcastState.QUEUED
    )
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.problem_id}"


class DeliveryOutcome(models.TextChoices):
    POSTED = "posted", "Posted"
    SKIPPED = "skipped", "Skipped"


class UpdateDelivery(models.Model):
    """The idempotency key of a broadcast: one per (update, ticket), written with the reply."""

    update = models.ForeignKey(ProblemUpdate, on_delete=models.CASCADE, related_name="deliveries")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=10, choices=DeliveryOutcome.choices)
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["update", "ticket"], name="update_delivered_once")
        ]

    def __str__(self) -> str:
        return f"{self.update_id} -> {self.ticket_id}: {self.outcome}"


# ---- major incidents ---------------------------------------------------------------------


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"


class IncidentSeverity(models.TextChoices):
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


class AffectedScope(models.TextChoices):
    LINKED = "linked", "Organizations of the linked tickets"
    PRODUCT = "product", "Every organization on a product"
    PLAN = "plan", "Every organization on a plan"


class Incident(models.Model):
    """A major incident: declared on a problem or a ticket, with a lead and a timeline."""

    title = models.CharField(max_length=255)
    problem = models.OneToOneField(
        Problem, null=True, blank=True, on_delete=models.SET_NULL, related_name="incident"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    severity = models.CharField(
        max_length=10, choices=IncidentSeverity.choices, default=IncidentSeverity.MAJOR
    )
    status = models.CharField(
        max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING
    )
    scope = models.CharField(max_length=10, choices=AffectedScope.choices)
    scope_product = models.ForeignKey(
        "crm.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scope_plan = models.ForeignKey(
        "sla.Plan", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organizations = models.ManyToManyField(
        "crm.Organization", through="IncidentOrganization", related_name="+"
    )
    # Opt-in: a public page (and Atom feed) anyone may read, under this slug.
    public_slug = models.SlugField(max_length=80, null=True, blank=True, unique=True)
    declared_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-declared_at", "-id"]

    def __str__(self) -> str:
        return f"INC-{self.pk} {self.title}"

    @property
    def reference(self) -> str:
        return f"INC-{self.pk}"


class IncidentOrganization(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="affected")
    organization = models.ForeignKey("crm.Organization", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "organization"], name="incident_organization_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} ~ {self.organization_id}"


class IncidentUpdate(models.Model):
    """A status update on the incident's timeline; public ones show on its pages."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=20, choices=IncidentStatus.choices)
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    notify_contacts = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.status} on {self.incident_id}"


# ---- what a plan includes ----------------------------------------------------------------


class PlanTerms(models.Model):
    """What a support plan includes beyond its SLA targets: root-cause reports and how changes
    are agreed. A plan without a row includes neither."""

    plan = models.OneToOneField("sla.Plan", on_delete=models.CASCADE, related_name="+")
    rca_included = models.BooleanField(default=False)
    rca_hours = models.PositiveSmallIntegerField(default=48)
    # Business time counts on this calendar; empty: calendar time.
    rca_calendar = models.ForeignKey(
        "sla.Calendar", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rca_warning_percent = models.PositiveSmallIntegerField(default=75)
    change_customer_approval = models.BooleanField(default=False)
    downtime_notice_days = models.PositiveSmallIntegerField(default=2)

    class Meta:
        verbose_name_plural = "plan terms"

    def __str__(self) -> str:
        return f"Terms of plan {self.plan_id}"


# ---- root-cause reports ------------------------------------------------------------------


class RcaState(models.TextChoices):
    DUE = "due", "Due"
    WAITING_DATA = "waiting_data", "Waiting for debug data"
    IN_REVIEW = "in_review", "In review"
    RELEASED = "released", "Released"


class RcaClock(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    WARNING = "warning", "Warning"
    BREACHED = "breached", "Breached"
    MET = "met", "Met"


class RootCauseReport(models.Model):
    """The RCA an organization is owed for a major incident, due after its resolution."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="rcas")
    organization = models.ForeignKey("crm.Organization", on_delete=models.CASCADE, related_name="+")
    terms = models.ForeignKey(PlanTerms, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=RcaState.choices, default=RcaState.DUE)
    clock = models.CharField(max_length=10, choices=RcaClock.choices, default=RcaClock.RUNNING)
    starts_at = models.DateTimeField()
    # [[from, to], ...] ISO instants: the stretches spent waiting for debug data.
    pauses = models.JSONField(default=list, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True)
    impact = models.TextField(blank=True)
    timeline = models.TextField(blank=True)
    root_cause = models.TextField(blank=True)
    # [{"kind": "corrective"|"preventive", "action", "owner", "due"}]
    actions = models.JSONField(default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    submitted_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "organization"], name="rca_once_per_organization"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                name="rca_next_check_idx",
                condition=models.Q(next_check_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"RCA-{self.pk}"

    @property
    def reference(self) -> str:
        return f"RCA-{self.pk}"


# ---- changes -----------------------------------------------------------------------------


class ChangeKind(models.TextChoices):
    MIGRATION = "migration", "Migration"
    UPGRADE = "upgrade", "Upgrade"
    PATCHING = "patching", "Patching"
    RESTART = "restart", "Restart"


class ChangeRisk(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class ChangeStatus(models.TextChoices):
    REQUESTED = "requested", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class ChangeRequest(models.Model):
    """Planned work in an agreed window; it runs outside the incident SLAs."""

    title = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    risk = models.CharField(max_length=10, choices=ChangeRisk.choices)
    impact = models.TextField()
    plan = models.TextField()
    rollback = models.TextField()
    hosts = models.JSONField(default=list, blank=True, help_text="Hosts or services touched.")
    silence_alerts = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.REQUESTED
    )
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["window_start", "id"]
        indexes = [models.Index(fields=["status", "window_start"], name="change_window_idx")]

    def __str__(self) -> str:
        return f"CHG-{self.pk} {self.title}"

    @property
    def reference(self) -> str:
        return f"CHG-{self.pk}"


class Decision(models.TextChoices):
    NOT_NEEDED = "not_needed", "Not needed"
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ChangeOrganization(models.Model):
    """An organization a change touches, and its own say where its plan requires one."""

    change = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="affected")
    organization = models.ForeignKey("crm.Organization", on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(max_length=12, choices=Decision.choices)
    decided_by = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    notice_days = models.PositiveSmallIntegerField(default=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["change", "organization"], name="change_organization_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.change_id} ~ {self.organization_id}: {self.decision}"


class NoticeKind(models.TextChoices):
    ADVANCE = "advance", "Days before"
    START = "start", "At the start"
    END = "end", "At the end"


class ChangeNotice(models.Model):
    """A downtime notice sent for a change to one organization: once per kind."""

    affected = models.ForeignKey(
        ChangeOrganization, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=10, choices=NoticeKind.choices)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["affected", "kind"], name="change_notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} notice of {self.affected_id}"


class FreezePeriod(models.Model):
    """No changes in here (year-end, a big launch): shown on the calendar, refused on approval."""

    reason = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return self.reason
