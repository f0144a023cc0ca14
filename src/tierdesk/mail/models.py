"""Mailboxes, every message that came in (raw, first), every message that went out, templates
and the addresses that bounce.

``InboundMessage.key`` is the idempotency key of the intake: the Message-ID, or for mail without
one the SHA-256 of its bytes. The unique constraint, not Python, makes a second delivery of the
same message a no-op however many pollers and listeners race.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

# The mailbox stores where its secret is, never the secret: the NAME of an environment variable.
env_name_validator = RegexValidator(
    r"^[A-Z_][A-Z0-9_]*\Z",
    "Give the NAME of an environment variable (capitals, digits and _, e.g. "
    "TIERDESK_IMAP_SUPPORT_PASSWORD), never the password itself.",
    code="not_an_environment_variable",
)


class UnknownSenders(models.TextChoices):
    CREATE_CONTACT = "create_contact", "Create a contact (organization by e-mail domain)"
    REFUSE = "refuse", "Refuse politely"


class SenderCheck(models.TextChoices):
    """How much a mailbox trusts the ``From`` of the mail it receives (docs/mail.md)."""

    OFF = "off", "Trust From (no checks)"
    AGENTS = "agents", "Agents must pass DKIM/SPF (DMARC); contacts failing DMARC are flagged"
    ALL = "all", "Everyone must pass DKIM/SPF (DMARC); anything else is flagged"


class ImapAuth(models.TextChoices):
    PASSWORD = "password", "Password (LOGIN)"
    XOAUTH2 = "xoauth2", "OAuth 2 access token (XOAUTH2: Microsoft 365, Google)"


class Mailbox(models.Model):
    """An address customers write to, how Tierdesk reads it and which identity answers from it."""

    name = models.CharField(max_length=50, unique=True, help_text="e.g. Support UK")
    address = models.EmailField(unique=True, help_text="The address customers write to.")
    display_name = models.CharField(max_length=100, default="Support")
    is_default = models.BooleanField(
        default=False, help_text="Answers for tickets that did not come in through a mailbox."
    )
    is_emergency = models.BooleanField(
        default=False,
        help_text="Mail to this address opens emergency tickets: P1, with a call-back.",
    )
    unknown_senders = models.CharField(
        max_length=20, choices=UnknownSenders.choices, default=UnknownSenders.CREATE_CONTACT
    )
    fallback_organization = models.ForeignKey(
        "crm.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="New contacts whose e-mail domain matches no organization join this one; "
        "empty: such senders are refused politely.",
    )  # fmt: skip
    mailer = models.CharField(
        max_length=50, default="default", help_text="The MAILERS alias that sends for this box."
    )
    sender_check = models.CharField(
        max_length=10, choices=SenderCheck.choices, default=SenderCheck.AGENTS,
        help_text="Mail that fails it becomes an internal note flagged unverified; nothing is "
        "sent on.",
    )  # fmt: skip
    is_active = models.BooleanField(default=True)
    # IMAP polling (optional: LMTP and pipes need none of this).
    imap_host = models.CharField(max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(default=993)
    imap_ssl = models.BooleanField(default=True)
    imap_starttls = models.BooleanField(default=False)
    imap_username = models.CharField(max_length=255, blank=True)
    imap_auth = models.CharField(max_length=10, choices=ImapAuth.choices, default=ImapAuth.PASSWORD)
    imap_secret_env = models.CharField(
        max_length=100, blank=True, validators=[env_name_validator],
        help_text="Name of the environment variable holding the password or OAuth token "
        "(NAME_FILE is read afresh on every poll, so a token refresher can rewrite it).",
    )  # fmt: skip
    imap_folder = models.CharField(max_length=255, default="INBOX")
    imap_done_folder = models.CharField(
        max_length=255, blank=True,
        help_text="Move processed mail here; empty: flag it $Tierdesk and \\Seen in place.",
    )  # fmt: skip
    # The last IMAP poll (or connection test), so a failure shows on the mailbox, not only in
    # the server log. Not history: it changes every poll.
    last_poll_at = models.DateTimeField(null=True, blank=True)
    last_poll_ok = models.BooleanField(null=True, blank=True)
    last_poll_error = models.TextField(blank=True)
    history = HistoricalRecords(excluded_fields=["last_poll_at", "last_poll_ok", "last_poll_error"])

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    @property
    def polls_imap(self) -> bool:
        return bool(self.is_active and self.imap_host and self.imap_username)


class InboundStatus(models.TextChoices):
    RECEIVED = "received", "Received, not processed yet"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"


class IntakeAction(models.TextChoices):
    CREATED = "created", "Opened a ticket"
    APPENDED = "appended", "Added to a ticket"
    DUPLICATE = "duplicate", "Duplicate delivery"
    IGNORED = "ignored", "Ignored (auto-reply or loop)"
    BOUNCE = "bounce", "Delivery report"
    UNMATCHED = "unmatched", "Kept for review (report or auto-reply of no ticket)"
    REJECTED = "rejected", "Refused"
    FAILED = "failed", "Failed"


class InboundMessage(models.Model):
    """One received message, stored raw before anything else happens to it."""

    key = models.CharField(max_length=300, unique=True, help_text="Message-ID or sha256.")
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound"
    )
    source = models.CharField(max_length=300, help_text="imap:box, lmtp, a file name, -")
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    truncated = models.BooleanField(
        default=False, help_text="Over the size limit: only the headers were kept."
    )
    sha256 = models.CharField(max_length=64)
    message_id = models.CharField(max_length=250, blank=True, db_index=True)
    from_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    # The addresses on To and Cc, space-separated with a space at each end (a participant test
    # is ``contains " address "``).
    to_cc = models.TextField(blank=True)
    # How the sender was read when the headers were not plain (spoofing patterns), one a line.
    sender_notes = models.TextField(blank=True)
    # What DKIM, SPF and DMARC said (docs/mail.md, "Who sent it").
    authentication = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    action = models.CharField(max_length=10, choices=IntakeAction.choices, blank=True)
    reason = models.TextField(blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The ticket message this mail became: its full original stays viewable from the message.
    ticket_message = models.OneToOneField(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="inbound_mail",
    )  # fmt: skip
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["ticket", "received_at"], name="inbound_ticket_idx"),
            models.Index(
                fields=["status", "received_at"],
                name="inbound_unfinished_idx",
                condition=~models.Q(status="processed"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id or self.sha256[:12]} ({self.status})"


class OutboundKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
    REPLY = "reply", "Agent reply"
    INFO_REQUEST = "info_request", "Request for information"
    PENDING = "pending", "Waiting notice"
    RESOLVED = "resolved", "Resolution notice"
    REOPENED = "reopened", "Reopened notice"
    REFUSAL = "refusal", "Refusal of an unknown sender"
    TOO_LARGE = "too_large", "Message too large"
    # Mail to an organization's contacts outside a ticket's thread (a person wrote it).
    INCIDENT_UPDATE = "incident_update", "Major incident update"
    DOWNTIME_NOTICE = "downtime_notice", "Downtime notice"
    RCA_RELEASED = "rca_released", "Root-cause report"
    # Stored by the apps above mail (each names its kind by this enum; tests/mail/test_kinds.py
    # checks that no app stores a kind missing here).
    RELEASE_NOTICE = "release_notice", "Release notice"
    DOWNLOAD_LINK = "download_link", "Download link"
    MONTHLY_REPORT = "monthly_report", "Monthly customer report"
    MONITORING_PAGE = "monitoring_page", "Monitoring page"
    NOTIFICATION = "notification", "Notification to an agent"
    REMINDER = "reminder", "Reminder to the reporter"
    AUTO_CLOSED = "auto_closed", "Automatic close notice"


# Mail a person did not write: it carries Auto-Submitted: auto-replied and is rate-limited.
AUTOMATIC_KINDS = frozenset(
    {
        OutboundKind.ACKNOWLEDGEMENT, OutboundKind.PENDING, OutboundKind.RESOLVED,
        OutboundKind.REOPENED, OutboundKind.REFUSAL, OutboundKind.TOO_LARGE,
    }
)  # fmt: skip


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"
    SUPPRESSED = "suppressed", "Not sent (bouncing address or rate limit)"


class OutboundMail(models.Model):
    """One message Tierdesk sends; rendered when queued, sent on commit, retried on failure."""

    dedupe_key = models.CharField(
        max_length=200, unique=True, help_text="One mail per event (or inbound) and recipient."
    )
    kind = models.CharField(max_length=20, choices=OutboundKind.choices)
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    to_address = models.CharField(max_length=254)
    from_address = models.CharField(max_length=300)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    message_id = models.CharField(max_length=250, unique=True)
    in_reply_to = models.CharField(max_length=250, blank=True)
    references = models.TextField(blank=True)
    is_automatic = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["to_address", "created_at"], name="outbound_rate_idx"),
            models.Index(fields=["ticket", "created_at"], name="outbound_ticket_idx"),
            models.Index(
                fields=["next_attempt_at"],
                name="outbound_due_idx",
                condition=models.Q(status__in=["queued", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_address} ({self.status})"


def outbound_attachment_path(instance: OutboundAttachment, filename: str) -> str:
    # Stored under the content hash: one file however many mails carry it (an RCA's PDF to
    # every contact of the organization), and nothing a caller named reaches the file system.
    return f"outbound/{instance.sha256[:2]}/{instance.sha256}"


class OutboundAttachment(models.Model):
    """A file sent with an outbound mail (an RCA's PDF): attached when the mail is sent."""

    mail = models.ForeignKey(OutboundMail, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=outbound_attachment_path, max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["mail", "id"]

    def __str__(self) -> str:
        return self.filename


class AddressState(models.Model):
    """What Tierdesk knows about delivering to one address: its bounces and any suppression."""

    address = models.CharField(max_length=254, unique=True)
    hard_bounces = models.PositiveIntegerField(default=0)
    soft_bounces = models.PositiveIntegerField(default=0)
    last_status = models.CharField(max_length=20, blank=True)
    last_diagnostic = models.TextField(blank=True)
    last_bounce_at = models.DateTimeField(null=True, blank=True)
    suppressed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address


class UnmatchedKind(models.TextChoices):
    BOUNCE = "bounce", "Delivery failure"
    DELAY = "delay", "Delivery delayed"
    AUTO_REPLY = "auto_reply", "Auto-reply or bulk mail"


class UnmatchedMail(models.Model):
    """A delivery report or auto-reply that belongs to no message we sent and no ticket: kept
    for an admin to look at, with what it says (nobody is notified of it)."""

    inbound = models.OneToOneField(InboundMessage, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=UnmatchedKind.choices)
    recipient = models.CharField(max_length=254, blank=True)
    status = models.CharField(max_length=20, blank=True)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "unmatched mail"
        indexes = [
            models.Index(
                fields=["created_at"], name="unmatched_open_idx",
                condition=models.Q(reviewed_at__isnull=True),
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.recipient or self.inbound_id}"


class MailTemplate(models.Model):
    """An admin's version of a mail template; without a row, the file default applies."""

    key = models.CharField(max_length=30, choices=OutboundKind.choices, unique=True)
    subject = models.CharField(max_length=300, help_text="Django template syntax.")
    body = models.TextField(help_text="Django template syntax; plain text.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.get_key_display()
