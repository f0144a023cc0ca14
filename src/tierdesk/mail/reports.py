"""Delivery reports: RFC 3464 ``message/delivery-status`` parts and the plain-text bounces that
mail servers still send (Exim, qmail, Postfix, Exchange/Outlook, Gmail, Yahoo), failures and
"delayed" warnings alike. Pure Python, no Django.

A plain-text bounce is recognised only when it comes from a machine (a mailer daemon or
postmaster, a null ``Return-Path``, ``Auto-Submitted``) *and* its text has one of the known
servers' sentences: a person's mail that merely says "undeliverable" stays a person's mail.
From the text it takes each failed recipient (an address at the start of a line after the
sentence), its status (the enhanced code ``5.1.1`` near it, else the SMTP code ``550`` as
``5.0.0``) and the Message-ID of the returned original (its headers are quoted in the report).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DAEMON_SENDERS = re.compile(
    r"^(mailer-daemon|postmaster|mail-daemon|maildaemon|noreply-dsn|bounces?|mdaemon)[@+]", re.I
)
# The sentence each server's plain-text bounce opens with (the name is stored with the report).
PLAIN_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("exim", r"following address\(es\) failed|could not be delivered to one or more of its"
                 r"\s+recipients|has not yet been delivered to one or more of its\s+recipients"),
        ("qmail", r"this is the qmail-send program|wasn.t able to deliver your message to the"
                  r" following addresses"),
        ("yahoo", r"unable to deliver your message to the following address"),
        ("gmail", r"delivery to the following recipients? (failed permanently|has been delayed)"
                  r"|message (wasn.t|was not) delivered to"),
        ("exchange", r"following recipient\(s\) (could not|cannot) be reached|delivery has "
                     r"failed to these recipients or groups|did not reach some or all of the "
                     r"intended recipients|delivery is delayed to these recipients"),
        ("postfix", r"this is the mail system at host|your message could not\s+be delivered to "
                    r"one or more recipients|has not been delivered to one or more recipients"),
    )
)  # fmt: skip
DELAY = re.compile(
    r"has not (yet )?been delivered|has been delayed|is delayed|still being retried|will (keep "
    r"on trying|continue trying|retry|be retried)|no action is required|delayed mail|"
    r"warning: message .{0,60} delayed|delivery delayed",
    re.I,
)
ENHANCED_CODE = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
SMTP_CODE = re.compile(r"(?<![\d.#-])([45])\d\d(?![\d.])")
LINE_ADDRESS = re.compile(
    r"^\s*<?([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})>?\s*(?::|$|\s+on\s|\s+\()"
)
# Where the copy of the returned message starts: nothing below is a failed recipient.
ORIGINAL_STARTS = re.compile(
    r"^\s*(-+ *(this is a copy|below this line|original message|the header of the original)"
    r"|original message headers|return-path:|received:|message-id:)",
    re.I,
)
QUOTED_MESSAGE_ID = re.compile(r"(?im)^[ \t>]*message-id:\s*(<[^<>\s]+>)")


@dataclass(frozen=True)
class DeliveryStatus:
    """One recipient's line of a delivery report."""

    recipient: str
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # 5.1.1, 4.4.7 ...
    diagnostic: str = ""

    @property
    def is_failure(self) -> bool:
        return self.action == "failed"

    @property
    def is_delay(self) -> bool:
        return self.action == "delayed"

    @property
    def is_hard(self) -> bool:
        """5.x.x is permanent; 4.x.x (and anything unreadable) is worth another try later."""
        return self.is_failure and self.status.startswith("5")


def from_machine(headers: dict[str, str], sender: str) -> bool:
    """Mail a mail server wrote: a daemon's address, a null sender, or Auto-Submitted."""
    null_sender = headers.get("return-path", "x").strip() in {"<>", ""}
    auto = headers.get("auto-submitted", "no").strip().lower() not in {"", "no"}
    return bool(DAEMON_SENDERS.match(sender)) or null_sender or auto


def plain_report(text: str, subject: str) -> tuple[str, list[DeliveryStatus]]:
    """The server that wrote a plain-text bounce and its recipients' lines; ``("", [])`` for
    text that is no bounce of a known form."""
    for name, opening in PLAIN_FORMATS:
        found = opening.search(text)
        if found:
            delayed = bool(DELAY.search(subject) or DELAY.search(text[: found.end() + 400]))
            statuses = _recipients_after(text[found.start() :], delayed)
            return name, statuses
    return "", []


def _recipients_after(text: str, delayed: bool) -> list[DeliveryStatus]:
    found: list[tuple[str, list[str]]] = []
    for line in text.splitlines()[1:400]:
        if ORIGINAL_STARTS.match(line):
            break
        match = LINE_ADDRESS.match(line)
        if match and match.group(1).lower() not in {address for address, _ in found}:
            found.append((match.group(1).lower(), [line[match.end() :]]))
        elif found:
            found[-1][1].append(line)
    statuses = []
    for address, lines in found:
        diagnostic = " ".join(" ".join(lines).split())[:500]
        statuses.append(
            DeliveryStatus(
                recipient=address[:254], action="delayed" if delayed else "failed",
                status=_status(diagnostic, delayed), diagnostic=diagnostic,
            )
        )  # fmt: skip
    return statuses


def _status(diagnostic: str, delayed: bool) -> str:
    enhanced = ENHANCED_CODE.search(diagnostic)
    if enhanced:
        return ".".join(enhanced.groups())
    smtp = SMTP_CODE.search(diagnostic)
    if smtp:
        return f"{smtp.group(1)}.0.0"
    return "4.0.0" if delayed else "5.0.0"


def dsn_fields(text: str) -> list[DeliveryStatus]:
    """Per-recipient fields of a message/delivery-status part (RFC 3464 §2.3)."""
    found = []
    for block in re.split(r"\r?\n\s*\r?\n", text):
        fields = _fields(block)
        recipient = fields.get("final-recipient") or fields.get("original-recipient", "")
        if not recipient:
            continue
        address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
        found.append(
            DeliveryStatus(
                recipient=address[:254],
                action=fields.get("action", "").lower(),
                status=fields.get("status", "").split()[0] if fields.get("status") else "",
                diagnostic=fields.get("diagnostic-code", "")[:500],
            )
        )
    return found


def _fields(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    last = ""
    for line in block.splitlines():
        if line[:1] in {" ", "\t"} and last:
            fields[last] += " " + line.strip()
        elif ":" in line:
            name, _, value = line.partition(":")
            last = name.strip().lower()
            fields[last] = value.strip()
    return fields


def quoted_message_id(text: str) -> str:
    """The Message-ID of the returned message quoted in a report's text, if any."""
    match = QUOTED_MESSAGE_ID.search(text)
    return match.group(1).strip("<>")[:250] if match else ""
