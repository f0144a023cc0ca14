"""Which incoming mail must never be answered automatically, and which is only noise.

Pure Python over a header dictionary (lower-case names), so the rules are easy to read and to
property-test. Two verdicts:

- ``automatic``: sent by a machine (RFC 3834 ``Auto-Submitted``, ``Precedence: bulk/junk/list``,
  mailing-list ``List-*`` headers, Outlook's ``X-Auto-Response-Suppress``, a null sender, a
  mailer daemon). It is still processed (a monitoring system's mail opens tickets), but nothing
  automatic goes back: that is how two auto-responders start a loop.
- ``noise``: an auto-reply (out-of-office, vacation, ``X-Autoreply``) or our own mail coming
  back. It is stored and ignored: an out-of-office must not reopen a ticket or answer anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LOOP_HEADER = "X-Tierdesk-Loop"
AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|abwesenheit\w*|"
    r"absence|vacation|on leave|away from (the )?office|r[ée]ponse automatique|"
    r"respuesta autom[áa]tica|fuera de la oficina|risposta automatica)\b",
    re.I,
)
DAEMON_SENDERS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|noreply-dsn)@", re.I)
LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "list-help", "list-owner")
AUTOREPLY_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-reply")


@dataclass(frozen=True)
class Verdict:
    automatic: bool = False
    noise: bool = False
    reason: str = ""


HUMAN = Verdict()


def classify(headers: dict[str, str], *, subject: str, sender: str, own_loop_id: str) -> Verdict:
    """Decide from headers alone; the first rule that matches gives the reason."""
    noise = _noise_reason(headers, subject, own_loop_id)
    if noise:
        return Verdict(automatic=True, noise=True, reason=noise)
    automatic = _automatic_reason(headers, sender)
    if automatic:
        return Verdict(automatic=True, reason=automatic)
    return HUMAN


def _noise_reason(headers: dict[str, str], subject: str, own_loop_id: str) -> str:
    loop = headers.get(LOOP_HEADER.lower(), "").strip()
    if loop and loop == own_loop_id:
        return "our own mail came back"
    auto_submitted = headers.get("auto-submitted", "").strip().lower()
    if auto_submitted.startswith("auto-replied"):
        return "auto-reply (Auto-Submitted: auto-replied)"
    for name in AUTOREPLY_HEADERS:
        value = headers.get(name, "").strip().lower()
        if value and value not in {"no", "false", "0"}:
            return f"auto-reply ({name})"
    if headers.get("precedence", "").strip().lower() == "auto_reply":
        return "auto-reply (Precedence: auto_reply)"
    if (
        headers.get("x-ms-exchange-inbox-rules-loop")
        or headers.get("x-ms-exchange-generated-message-source") == "Mailbox Rules Agent"
    ):
        return "auto-reply (Exchange inbox rule)"
    if AUTO_REPLY_SUBJECT.match(subject):
        return "out-of-office reply (subject)"
    return ""


def _automatic_reason(headers: dict[str, str], sender: str) -> str:
    auto_submitted = headers.get("auto-submitted", "").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"automatic (Auto-Submitted: {auto_submitted.split(';')[0]})"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in {"bulk", "junk", "list"}:
        return f"automatic (Precedence: {precedence})"
    for name in LIST_HEADERS:
        if headers.get(name):
            return f"mailing list ({name})"
    if headers.get("x-auto-response-suppress"):
        return "sender asks for no automatic replies (X-Auto-Response-Suppress)"
    if "return-path" in headers and headers["return-path"].strip() in {"<>", ""}:
        return "null sender (Return-Path: <>)"
    if not sender or DAEMON_SENDERS.match(sender):
        return "mailer daemon or no sender"
    return ""
