"""Mail in the admin: mailboxes and templates are configured here; stored and sent mail is
looked at, failed intake is retried (``mail_retry``), bouncing addresses can be released."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from tierdesk.core.clock import now
from tierdesk.mail.bounces import address_unsuppress
from tierdesk.mail.imap import mailbox_test_connection
from tierdesk.mail.models import (
    AddressState,
    InboundMessage,
    Mailbox,
    MailTemplate,
    OutboundMail,
    UnmatchedMail,
)
from tierdesk.mail.rendering import default_template
from tierdesk.mail.services import mail_retry


@admin.register(Mailbox)
class MailboxAdmin(SimpleHistoryAdmin):
    list_display = ["name", "address", "is_default", "is_emergency", "unknown_senders",
                    "sender_check", "mailer", "imap_host", "is_active", "last_poll_at",
                    "last_poll_ok"]  # fmt: skip
    list_filter = ["is_active", "is_emergency", "unknown_senders", "sender_check"]
    search_fields = ["name", "address"]
    raw_id_fields = ["fallback_organization"]
    readonly_fields = ["last_poll_at", "last_poll_ok", "last_poll_error"]
    actions = ["test_connection"]

    @admin.action(description="Test the IMAP connection (sign in, open the folder)")
    def test_connection(self, request: HttpRequest, queryset: Any) -> None:
        for mailbox in queryset.exclude(imap_host=""):
            error = mailbox_test_connection(mailbox)
            if error:
                self.message_user(request, f"{mailbox.name}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{mailbox.name}: connected.")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "status", "action", "from_address", "subject", "ticket_ref",
                    "source", "attempts"]  # fmt: skip
    list_filter = ["status", "action", "mailbox"]
    search_fields = ["message_id", "from_address", "subject", "sha256", "authentication"]
    date_hierarchy = "received_at"
    list_select_related = ["ticket", "mailbox"]
    exclude = ["raw"]
    readonly_fields = ["original"]
    actions = ["retry", "download"]

    @admin.display(description="ticket")
    def ticket_ref(self, inbound: InboundMessage) -> str:
        return inbound.ticket.reference if inbound.ticket else ""

    @admin.display(description="original message")
    def original(self, inbound: InboundMessage) -> str:
        text = bytes(inbound.raw)[:200_000].decode("utf-8", "replace")
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", text)

    @admin.action(description="Retry processing the selected messages")
    def retry(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        for inbound in queryset:
            result = mail_retry(actor=request.user, inbound=inbound)
            level = messages.ERROR if result.action == "failed" else messages.SUCCESS
            self.message_user(request, f"#{inbound.pk}: {result.action} {result.reason}", level)

    @admin.action(description="Download the selected message as .eml")
    def download(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> HttpResponse:
        inbound = queryset.first()
        response = HttpResponse(bytes(inbound.raw) if inbound else b"", "message/rfc822")
        response["Content-Disposition"] = (
            f'attachment; filename="message-{getattr(inbound, "pk", 0)}.eml"'
        )
        return response


@admin.register(OutboundMail)
class OutboundMailAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "to_address", "subject", "status", "attempts",
                    "sent_at"]  # fmt: skip
    list_filter = ["status", "kind", "is_automatic"]
    search_fields = ["to_address", "subject", "message_id"]
    date_hierarchy = "created_at"


@admin.register(AddressState)
class AddressStateAdmin(ReadOnlyAdmin):
    list_display = ["address", "hard_bounces", "soft_bounces", "last_status", "last_bounce_at",
                    "suppressed_until"]  # fmt: skip
    search_fields = ["address"]
    actions = ["release"]

    @admin.action(description="Send mail to the selected addresses again")
    def release(self, request: HttpRequest, queryset: QuerySet[AddressState]) -> None:
        for state in queryset:
            address_unsuppress(address=state.address)
        self.message_user(request, f"{queryset.count()} address(es) released.")


@admin.register(UnmatchedMail)
class UnmatchedMailAdmin(ReadOnlyAdmin):
    """Reports and auto-replies that belong to no mail we sent and no ticket: admins look at
    them (a customer's address that no longer works, a forged report) and mark them done."""

    list_display = ["created_at", "kind", "recipient", "status", "sender", "detail",
                    "reviewed_at"]  # fmt: skip
    list_filter = ["kind", ("reviewed_at", admin.EmptyFieldListFilter)]
    search_fields = ["recipient", "detail", "inbound__from_address", "inbound__subject"]
    date_hierarchy = "created_at"
    list_select_related = ["inbound"]
    readonly_fields = ["original"]
    exclude = ["inbound"]
    actions = ["mark_reviewed"]

    @admin.display(description="from")
    def sender(self, unmatched: UnmatchedMail) -> str:
        return unmatched.inbound.from_address

    @admin.display(description="original message")
    def original(self, unmatched: UnmatchedMail) -> str:
        text = bytes(unmatched.inbound.raw)[:200_000].decode("utf-8", "replace")
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", text)

    @admin.action(description="Mark the selected mail as reviewed")
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[UnmatchedMail]) -> None:
        count = queryset.filter(reviewed_at__isnull=True).update(reviewed_at=now())
        self.message_user(request, f"{count} marked as reviewed.")


@admin.register(MailTemplate)
class MailTemplateAdmin(SimpleHistoryAdmin):
    list_display = ["key", "subject"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """A new template starts from the file default of the kind asked for (``?key=``)."""
        initial = super().get_changeform_initial_data(request)
        key = request.GET.get("key")
        if key:
            initial["subject"], initial["body"] = default_template(str(key))
        return initial
