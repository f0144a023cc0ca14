"""What a mailbox's sender check (``Mailbox.sender_check``) makes of a mail's authentication.

- ``off``: the ``From`` is trusted, as mail always was.
- ``agents`` (the default): mail that claims to be an agent must be proven (DMARC pass: an
  aligned DKIM or SPF pass) or be sent to that agent's signed reply address; a contact's mail
  is flagged when its domain's DMARC policy fails it. A DNS failure (``temperror``) proves
  nothing: an agent's mail is then flagged, a contact's is not.
- ``all``: every sender must be proven.

A flagged mail is kept as an internal note marked "unverified" and nothing is sent on. An
emergency from an unknown or unproven sender is opened all the same (an emergency is not lost
on a DNS hiccup) and marked "unverified sender" for the desk to confirm.
"""

from __future__ import annotations

from tierdesk.mail.authentication import Verdict
from tierdesk.mail.models import Mailbox, SenderCheck
from tierdesk.mail.parsing import ParsedMail
from tierdesk.mail.senders import Sender
from tierdesk.mail.threading import agents_signed_in

UNVERIFIED = "Unverified sender"


def distrust(parsed: ParsedMail, sender: Sender, mailbox: Mailbox | None) -> str:
    """Why the mail must not speak for its sender, or ``""`` when it may."""
    policy = mailbox.sender_check if mailbox is not None else SenderCheck.AGENTS
    verdict: Verdict | None = parsed.authentication
    if policy == SenderCheck.OFF or verdict is None:
        return ""
    if sender.is_agent:
        if verdict.verified or sender.agent_user.pk in agents_signed_in(parsed.recipients):
            return ""
        return f"mail claiming to be the agent {sender.address} is not proven ({verdict.summary})"
    if policy == SenderCheck.ALL and not verdict.verified:
        return f"the sender {sender.address} is not proven ({verdict.summary})"
    if verdict.failed:
        return f"the mail fails its domain's DMARC policy ({verdict.summary})"
    return ""


def emergency_doubt(parsed: ParsedMail, *, known_sender: bool) -> str:
    """Why an emergency's sender needs confirming, or ``""``."""
    verdict: Verdict | None = parsed.authentication
    if not known_sender:
        return "the sender was unknown until this mail"
    if verdict is not None and not verdict.verified:
        return f"the sender is not proven ({verdict.summary})"
    return ""
