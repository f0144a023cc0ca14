"""Writing mailboxes from the configuration pages (admins and managers), and testing one."""

from __future__ import annotations

from typing import Any

from tierdesk.accounts.policies import may_configure
from tierdesk.core.errors import InvalidInput, NotFound
from tierdesk.mail.imap import mailbox_test_connection
from tierdesk.mail.models import Mailbox


def _check(actor: Any) -> None:
    if not may_configure(actor):
        raise NotFound("No such page.")


def mailbox_rows(*, actor: Any) -> list[Mailbox]:
    _check(actor)
    return list(Mailbox.objects.order_by("name"))


def mailbox_for_edit(*, actor: Any, pk: int) -> Mailbox:
    _check(actor)
    mailbox = Mailbox.objects.filter(pk=pk).first()
    if mailbox is None:
        raise NotFound("No such mailbox.")
    return mailbox


def mailbox_save(*, actor: Any, mailbox: Mailbox) -> Mailbox:
    """Save a mailbox once its fields pass (the secret is an environment variable's NAME)."""
    _check(actor)
    mailbox.full_clean()
    mailbox.save()
    return mailbox


def mailbox_test(*, actor: Any, mailbox: Mailbox) -> str:
    """Sign in to the mailbox's IMAP server now; "" when that worked, else the error (both
    stored on the mailbox as its last poll)."""
    _check(actor)
    if not mailbox.imap_host or not mailbox.imap_username:
        raise InvalidInput("Fill in the IMAP server and user name first.", field="imap_host")
    return mailbox_test_connection(mailbox)
