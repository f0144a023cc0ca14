"""Tickets, their messages, attachments, categories and the event timeline."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from tierdesk.accounts.models import SupportLevel
from tierdesk.core.attachments import stored_path
from tierdesk.tickets.domain import (
    PendingReason,
    Severity,
    Status,
    reference,
    ticket_id_from_reference,
    ticket_number,
)
from tierdesk.tickets.event_kinds import PUBLIC_EVENT_KINDS as PUBLIC_EVENT_KINDS
from tierdesk.tickets.event_kinds import EventKind as EventKind
from tierdesk.tickets.querysets import TicketQuerySet


class Fact(models.TextChoices):
    """Facts level 1 gathers before escalating to level 2 (P4/P7)."""

    CUSTOMER = "customer", "Customer or partner name"
    DESCRIPTION = "description", "Description of the problem"
    SYSTEM_DETAILS = "system_details", "Device or system details"
    LOGS = "logs", "Logs"
    SCREENSHOTS = "screenshots", "Screenshots or video"
    STEPS_TRIED = "steps_tried", "Steps already tried"


# Facts that an attachment can supply (a log file, a screenshot) as well as typed text.
FACTS_FROM_ATTACHMENTS = {Fact.LOGS, Fact.SCREENSHOTS}


class CategoryAudience(models.TextChoices):
    END_USER = "end_user", "End users"
    ADMINISTRATOR = "administrator", "Administrators"
    HOSTING = "hosting", "Hosting"


class Category(models.Model):
    """A configurable tree of problem areas; each names the facts needed before L2 (P3/H1)."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    audience = models.CharField(max_length=20, choices=CategoryAudience.choices, blank=True)
    required_facts = models.JSONField(
        default=list, blank=True, help_text="Fact keys required before escalation to L2."
    )
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Required facts are keys of the defined facts (``Fact``): an unknown key could never
        be supplied, so every ticket of the category would wait for it forever."""
        facts = self.required_facts
        if not isinstance(facts, list) or not all(isinstance(key, str) for key in facts):
            raise ValidationError({"required_facts": "Required facts are a list of fact keys."})
        unknown = [key for key in facts if key not in Fact.values]
        if unknown:
            raise ValidationError(
                {"required_facts": f"Unknown fact keys: {', '.join(unknown)}. "
                 f"Choose from: {', '.join(Fact.values)}."}
            )  # fmt: skip

    @property
    def known_required_facts(self) -> list[str]:
        """The required facts that are defined facts: a category saved with an unknown key
        (before validation existed) still takes tickets, asking only for what can be given."""
        facts = self.required_facts if isinstance(self.required_facts, list) else []
        return [key for key in facts if key in Fact.values]


class TicketType(models.TextChoices):
    INCIDENT = "incident", "Incident"
    SERVICE_REQUEST = "service_request", "Service request"
    QUESTION = "question", "Question"
    DEFECT = "defect", "Defect"
    SUGGESTION = "suggestion", "Suggestion"
    CHANGE = "change", "Change"


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    PORTAL = "portal", "Portal"
    PHONE = "phone", "Phone"
    CHAT = "chat", "Chat"
    MONITORING = "monitoring", "Monitoring"
    API = "api", "API"


class Priority(models.IntegerChoices):
    P1 = 1, "P1 Urgent"
    P2 = 2, "P2 High"
    P3 = 3, "P3 Medium"
    P4 = 4, "P4 Low"


# The lifecycle enums live in the pure domain module; these are their form/admin choices.
STATUS_CHOICES = [(s.value, s.value.replace("_", " ").capitalize()) for s in Status]
PENDING_CHOICES = [(r.value, r.value.replace("_", " ").capitalize()) for r in PendingReason]
SEVERITY_CHOICES = [(s.value, s.value.capitalize()) for s in Severity]
OPEN_STATUSES = [Status.NEW.value, Status.OPEN.value, Status.PENDING.value]


class Ticket(models.Model):
    subject = models.CharField(max_length=255)
    type = models.CharField(max_length=20, choices=TicketType.choices, default=TicketType.INCIDENT)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.PORTAL)
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=Status.NEW)
    pending_reason = models.CharField(max_length=20, choices=PENDING_CHOICES, blank=True)
    pending_note = models.TextField(blank=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.P3)
    priority_overridden = models.BooleanField(
        default=False, help_text="An agent set the priority by hand; impact no longer moves it."
    )
    severity = models.CharField(max_length=10, choices=SEVERITY_CHOICES, blank=True)
    impact_affected = models.PositiveIntegerField(null=True, blank=True)
    impact_total = models.PositiveIntegerField(null=True, blank=True)
    impact_unit = models.CharField(max_length=30, blank=True, help_text="seats, agents, calls…")
    support_level = models.PositiveSmallIntegerField(
        choices=SupportLevel.choices, default=SupportLevel.L1
    )
    is_emergency = models.BooleanField(default=False)
    # The organization's and the reporter's indexes below lead with these columns: a plain
    # foreign-key index beside them would only slow every insert (on_delete checks use theirs).
    organization = models.ForeignKey(
        "crm.Organization", on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    reporter = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets",
        db_index=False,
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )  # fmt: skip
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    # Most tickets name no product and follow up on nothing: partial indexes (Meta) hold
    # only the rows that do.
    product = models.ForeignKey(
        "crm.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets",
        db_index=False,
    )  # fmt: skip
    facts = models.JSONField(default=dict, blank=True)
    resolution_summary = models.TextField(blank=True)
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups",
        help_text="The closed ticket this one continues.", db_index=False,
    )  # fmt: skip
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    # SLA clocks, stored so lists and reports do no calendar maths; recomputed on events and by
    # the sweep (see sla/clocks.py). Elapsed values are business seconds.
    sla_plan = models.ForeignKey(
        "sla.Plan", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    response_state = models.CharField(max_length=10, blank=True)
    response_due_at = models.DateTimeField(null=True, blank=True)
    response_elapsed = models.PositiveIntegerField(default=0)
    resolution_state = models.CharField(max_length=10, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    resolution_elapsed = models.PositiveIntegerField(default=0)
    update_state = models.CharField(max_length=10, blank=True)
    update_due_at = models.DateTimeField(null=True, blank=True)
    # The earliest instant at which the sweep has something to do (warn, breach, escalate).
    sla_next_check_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Compare-and-set: every write filters on the version it read and bumps it.
    version = models.PositiveIntegerField(default=1)

    objects = TicketQuerySet.as_manager()

    class Meta:
        indexes = [
            # The team queue: open tickets of one team by priority, then age.
            models.Index(
                fields=["team", "priority", "created_at"],
                name="ticket_team_queue_idx",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["assignee", "priority", "created_at"],
                name="ticket_assignee_queue_idx",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            # The managers' "all open" queue: most urgent, then oldest (the desk, issue 5).
            models.Index(
                fields=["priority", "created_at", "id"],
                name="ticket_open_queue_idx",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            # "Breaching soon", one visibility branch at a time: due order within a team, and
            # within an agent's own tickets (the desk, issue 5).
            models.Index(
                fields=["team", "sla_next_check_at", "id"],
                name="ticket_team_due_idx",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["assignee", "sla_next_check_at", "id"],
                name="ticket_assignee_due_idx",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            # ... and among team-less tickets of one level (few: a ticket gets a team when routed).
            models.Index(
                fields=["support_level", "sla_next_check_at", "id"],
                name="ticket_teamless_due_idx",
                condition=models.Q(status__in=OPEN_STATUSES, team__isnull=True),
            ),
            models.Index(fields=["organization", "-created_at"], name="ticket_org_idx"),
            models.Index(
                fields=["product"],
                condition=models.Q(product__isnull=False),
                name="ticket_product_idx",
            ),
            models.Index(
                fields=["follow_up_of"],
                condition=models.Q(follow_up_of__isnull=False),
                name="ticket_follow_up_idx",
            ),
            models.Index(fields=["reporter", "-created_at"], name="ticket_reporter_idx"),
            models.Index(fields=["status", "-created_at"], name="ticket_status_idx"),
            models.Index(
                fields=["sla_next_check_at"],
                name="ticket_sla_next_check_idx",
                condition=models.Q(sla_next_check_at__isnull=False),
            ),
        ]

    # The first message of a ticket this process has just opened (set by ``ticket_open``, None
    # on a ticket read from the database): the mail intake attaches files to it without
    # reading it back.
    opening_message: Message | None = None

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def number(self) -> int:
        return ticket_number(self.pk)

    @property
    def reference(self) -> str:
        return reference(self.pk)

    # ``TD-1042`` -> the id: the domain's rule (``tickets.domain.ticket_id_from_reference``).
    pk_from_reference = staticmethod(ticket_id_from_reference)

    @property
    def is_active(self) -> bool:
        return self.status in OPEN_STATUSES


class MessageKind(models.TextChoices):
    PUBLIC = "public", "Public reply"
    INTERNAL = "internal", "Internal note"


class BodyFormat(models.TextChoices):
    MARKDOWN = "markdown", "Markdown"
    PLAIN = "plain", "Plain text"
    HTML = "html", "HTML"


class Message(models.Model):
    # Indexed by message_ticket_idx (ticket, created_at).
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    author_contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.PUBLIC)
    by_agent = models.BooleanField(default=False)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.PORTAL)
    body = models.TextField()
    body_format = models.CharField(
        max_length=10, choices=BodyFormat.choices, default=BodyFormat.MARKDOWN
    )
    body_html = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_idx")]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id}"

    @property
    def is_public(self) -> bool:
        return self.kind == MessageKind.PUBLIC


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is the content hash (core.attachments, the one storage rule): nothing a
    # sender chose reaches the file system. Kept here by name: the migrations refer to it.
    return stored_path(instance.sha256)


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    fact = models.CharField(max_length=20, choices=Fact.choices, blank=True)
    is_internal = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename


class TicketEvent(models.Model):
    """One change to a ticket: the timeline, the SLA's input and the audit trail at once."""

    # Indexed by event_ticket_idx (ticket, at).
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text="Empty when Tierdesk itself acted.",
    )  # fmt: skip
    data = models.JSONField(default=dict, blank=True)
    is_public = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["ticket", "at"], name="event_ticket_idx")]
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id} at {self.at:%Y-%m-%d %H:%M}"


# The search document's model lives in its own module; imported here so Django registers it.
from tierdesk.tickets.search_document import TicketSearchDocument as TicketSearchDocument  # noqa: E402
