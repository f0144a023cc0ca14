"""Which incoming mail must never be answered automatically, and which is only noise.

Pure Python over a header dictionary (lower-case names), so the rules are easy to read and to
property-test. Two verdicts:

- ``automatic``: sent by a machine (RFC 3834 ``Auto-Submitted`` other than ``auto-replied``,
  mailing-list ``List-*`` headers, Outlook's ``X-Auto-Response-Suppress: DR/RN/NRN``, a null
  sender, a mailer daemon). It is still processed (a monitoring system's mail opens tickets),
  but nothing automatic goes back: that is how two auto-responders start a loop.
- ``noise``: an auto-reply (``Auto-Submitted: auto-replied``, ``X-Autoreply``,
  ``X-Autorespond``, ``Precedence: bulk/junk/list/auto_reply``, Outlook's
  ``X-Auto-Response-Suppress: All/OOF/AutoReply`` that its own out-of-office replies carry,
  an Exchange inbox rule, a read receipt, an out-of-office subject in English, German, French,
  Spanish, Italian, Polish, Dutch or Portuguese) or our own mail coming back. It never opens a
  ticket and is never answered: threaded to a ticket it becomes a silent internal note,
  otherwise it is kept in the unmatched mail for an admin to look at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LOOP_HEADER = "X-Tierdesk-Loop"
AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*((re|aw|sv|fw|wg)\s*:\s*)?("
    # English
    r"auto(matic|mated)?[ -]?(reply|response|answer)|out of (the )?office|ooo\b|absence|"
    r"vacation|on (annual )?leave|away from (the )?office|i am (currently )?(away|out)|"
    # German
    r"auto(matische)?[ -]?antwort|abwesenheit\w*|nicht im b(ü|ue)ro|urlaub|"
    # French
    r"r[ée]ponse automatique|absent(e)? du bureau|absence du bureau|en cong[ée]s?|"
    # Spanish, Italian
    r"respuesta autom[áa]tica|fuera de (la )?oficina|ausente|de vacaciones|"
    r"risposta automatica|fuori (sede|ufficio)|"
    # Polish
    r"automatyczna (odpowied[źz]|wiadomo[śs][ćc])|odpowied[źz] automatyczna|poza biurem|"
    r"nieobecno[śs][ćc]|urlop|"
    # Dutch
    r"automatisch (antwoord|bericht)|afwezig(heid)?|niet op kantoor|buiten kantoor|vakantie|"
    # Portuguese
    r"resposta autom[áa]tica|fora do escrit[óo]rio|aus[êe]ncia|f[ée]rias"
    r")\b",
    re.I,
)
DAEMON_SENDERS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|noreply-dsn)@", re.I)
# Outlook's X-Auto-Response-Suppress values that its own automatic replies carry.
SUPPRESS_NOISE = frozenset({"all", "oof", "autoreply"})
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
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in {"auto_reply", "bulk", "junk", "list"}:
        return f"auto-reply or bulk mail (Precedence: {precedence})"
    suppress = {v.strip().lower() for v in headers.get("x-auto-response-suppress", "").split(",")}
    if suppress & SUPPRESS_NOISE:
        return "auto-reply (X-Auto-Response-Suppress)"
    if "disposition-notification" in headers.get("content-type", "").lower():
        return "read receipt"
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
