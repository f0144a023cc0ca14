"""Words for subjects and message bodies.

The base vocabulary is small and repeats a lot (like real tickets). A few marker keywords live
outside it and are sprinkled with exact probabilities, so a search benchmark can pick a word that
matches a known share of tickets. No marker word is a substring or a stem of a base word.
"""

from __future__ import annotations

from dataclasses import dataclass

PROBLEMS = [
    "Enrollment fails", "Sync stops", "Login rejected", "Policy not applied", "App crashes",
    "Slow response", "Backup did not run", "Report is empty", "Update stuck", "Email not delivered",
    "Password reset loops", "Device shows offline", "Certificate expired", "Disk almost full",
    "Cannot reach portal", "Restriction ignored", "Invoice question", "License count wrong",
    "Server unreachable", "Push notifications missing",
]  # fmt: skip
PLACES = [
    "on Android devices", "on iOS devices", "for new users", "after the upgrade",
    "on the admin console", "on the mail server", "since this morning", "in the branch office",
    "for all managers", "on the shared tablets", "on the web portal", "on the database host",
    "after the migration", "during nightly jobs", "on the VPN gateway", "for one department",
]  # fmt: skip
OPENERS = [
    "Hello support team,", "Hi,", "Good morning,", "Dear support,", "Hello,",
]  # fmt: skip
SENTENCES = [
    "Since yesterday several users report the problem and cannot work normally.",
    "We restarted the device and the service but nothing changed.",
    "The error message says that the request was denied by the server.",
    "It happens every time we try to open the settings page.",
    "Attached you find the log from the affected machine.",
    "We already checked the network connection and the firewall rules.",
    "The issue started after the latest release was rolled out.",
    "Only some of our locations are affected, the others work fine.",
    "Please let us know which information you need from us.",
    "The dashboard shows a warning but no details about the cause.",
    "Our administrator tried the steps from the knowledge base article.",
    "This blocks the onboarding of our new colleagues next week.",
    "We see the same behaviour on the test system.",
    "The job finishes without errors but the result is incomplete.",
]  # fmt: skip
AGENT_SENTENCES = [
    "Thank you for the report, we are looking into it.",
    "Could you please send us the version number and a screenshot?",
    "We reproduced the problem in our lab and are preparing a fix.",
    "Please try again after clearing the cache and signing in again.",
    "The configuration on your side looks correct to us.",
    "We applied a change on the server, please check whether it works now.",
    "The fix is part of the next maintenance release.",
    "Can we schedule a short remote session to look at the device?",
]  # fmt: skip
NOTE_SENTENCES = [
    "Customer environment looks standard, checked the usual suspects.",
    "Escalation may be needed if the logs show the same stack trace.",
    "Asked the platform team for the server side logs.",
    "Known issue, linked to the open defect in the tracker.",
    "Customer is sensitive about downtime, handle with care.",
]  # fmt: skip
CLOSINGS = ["Best regards", "Thanks", "Kind regards", "Cheers"]
SUMMARIES = [
    "Configuration corrected on the customer side.", "Fixed by the maintenance release.",
    "Cache cleared, works again.", "Explained the intended behaviour.",
    "Certificate renewed.", "Duplicate of an earlier ticket.",
]  # fmt: skip


@dataclass(frozen=True)
class Marker:
    """A keyword placed in a known share of tickets, and where it is placed."""

    word: str
    share: float
    where: str  # "subject", "body" (the first public message) or "note" (an internal note)


# The share is per ticket; each marker is drawn independently.
MARKERS = [
    Marker("kerberos", 0.01, "subject"),
    Marker("watchdog", 0.01, "body"),
    Marker("zeppelin", 0.001, "body"),
    Marker("quarantine", 0.10, "body"),
    Marker("escrow", 0.01, "note"),
]


def paragraphs_to_html(paragraphs: list[str]) -> str:
    """What the Markdown renderer makes of plain paragraphs (core.text.render_markdown)."""
    return "\n".join(f"<p>{p}</p>" for p in paragraphs) + "\n"
