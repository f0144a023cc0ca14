"""The desk's forms: they parse and validate input; the services decide. The pieces they share
with the portal's forms are in ``tierdesk.tickets.forms``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from tierdesk.accounts.models import SupportLevel
from tierdesk.core.text import (
    MAX_BODY,
    MAX_FACT,
    MAX_IMPACT,
    MAX_NAME,
    MAX_PAGE,
    MAX_REASON,
    MAX_SEARCH,
    MAX_SUBJECT,
    MAX_UNIT,
    parse_int,
)
from tierdesk.tickets.domain import PendingReason
from tierdesk.tickets.forms import (
    FACT_LABELS,
    MultipleFileField,
    StyledForm,
    set_choices,
    style_widgets,
    textarea,
)
from tierdesk.tickets.models import (
    FACTS_FROM_ATTACHMENTS,
    STATUS_CHOICES,
    Channel,
    Priority,
    TicketType,
)
from tierdesk.tickets.services.contact_log import CONTACT_KINDS

INTERNAL_HELP = "Internal: only colleagues see this; the customer never does."
CUSTOMER_HELP = "The customer sees this, in the portal and by e-mail."


def internal_text(label: str, *, required: bool = True, rows: int = 2) -> forms.CharField:
    """A free-text field on a ticket action that stays with support, and says so."""
    return forms.CharField(
        required=required, widget=textarea(rows), label=f"{label} (internal)",
        help_text=INTERNAL_HELP, max_length=MAX_REASON,
    )  # fmt: skip


def customer_text(label: str, *, required: bool = False, rows: int = 2) -> forms.CharField:
    """A free-text field on a ticket action that the customer reads, and says so."""
    return forms.CharField(
        required=required, widget=textarea(rows), label=f"{label} (seen by the customer)",
        help_text=CUSTOMER_HELP, max_length=MAX_REASON,
    )  # fmt: skip


PENDING_LABELS = {
    PendingReason.CUSTOMER: "Waiting for the customer's answer",
    PendingReason.THIRD_PARTY: "Waiting on a third party",
    PendingReason.CUSTOMER_SIDE: "Cause on the customer's side (hardware, network, power)",
    PendingReason.REMOTE_ACCESS: "Waiting for remote access",
}


# ---- the queue ---------------------------------------------------------------------------


class QueueFilterForm(StyledForm):
    q = forms.CharField(required=False, label="Search", max_length=MAX_SEARCH)
    priority = forms.TypedMultipleChoiceField(
        required=False, choices=Priority.choices, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    status = forms.MultipleChoiceField(
        required=False, choices=STATUS_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    team = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    category = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    page = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput
    )

    def __init__(
        self,
        *args: Any,
        teams: list[tuple[int, str]],
        categories: list[tuple[int, str]],
        **kwargs: Any,
    ):
        """``teams`` and ``categories`` are (id, name) pairs: the page polls, rows are cheaper
        than model instances."""
        super().__init__(*args, **kwargs)
        set_choices(self, "team", [("", "Any team"), *teams])
        set_choices(self, "category", [("", "Any category"), *categories])


class SavedViewForm(StyledForm):
    name = forms.CharField(max_length=80, label="Name this view")


# ---- the composer ------------------------------------------------------------------------


class ComposerForm(StyledForm):
    kind = forms.ChoiceField(
        choices=[("reply", "Public reply"), ("note", "Internal note")],
        initial="reply",
        widget=forms.RadioSelect,
    )
    body = forms.CharField(widget=textarea(6), label="Message (Markdown)", max_length=MAX_BODY)
    attachments = MultipleFileField(label="Attachments")


# ---- lifecycle actions -------------------------------------------------------------------


class AssignForm(StyledForm):
    assignee = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    team = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, agents: list[Any], teams: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        agent_choices = [(a.user_id, f"{a.user} (L{a.support_level})") for a in agents]
        set_choices(self, "assignee", [("", "Nobody (unassigned)"), *agent_choices])
        set_choices(self, "team", [("", "Keep the team"), *[(t.pk, t.name) for t in teams]])


class EscalateForm(StyledForm):
    """Asks for exactly the facts the category still lacks (P4/P7), and why."""

    to_level = forms.TypedChoiceField(coerce=int, label="To level")
    reason = internal_text("Why escalate")
    customer_message = customer_text("Message to the customer (optional)")

    def __init__(self, *args: Any, level: int, missing: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        set_choices(self, "to_level", [(v.value, v.label) for v in SupportLevel if v.value > level])
        self.missing = missing
        for fact in missing:
            attachable = fact in FACTS_FROM_ATTACHMENTS
            # Facts are the customer's own information: their portal shows them.
            self.fields[f"fact_{fact}"] = forms.CharField(
                label=f"{FACT_LABELS.get(fact, fact)} (seen by the customer)",
                widget=textarea(2), required=not attachable, max_length=MAX_FACT,
                help_text=CUSTOMER_HELP,
            )  # fmt: skip
            if attachable:
                self.fields[f"file_{fact}"] = forms.FileField(
                    required=False, label=f"{FACT_LABELS.get(fact, fact)}: attach a file"
                )
        style_widgets(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for fact in self.missing:
            if fact in FACTS_FROM_ATTACHMENTS and not (
                data.get(f"fact_{fact}") or data.get(f"file_{fact}")
            ):
                self.add_error(f"fact_{fact}", "Describe it or attach a file.")
        return data

    def facts(self) -> dict[str, str]:
        data = self.cleaned_data
        return {fact: data[f"fact_{fact}"] for fact in self.missing if data.get(f"fact_{fact}")}

    def fact_files(self) -> list[tuple[str, UploadedFile]]:
        data = self.cleaned_data
        return [(f, data[f"file_{f}"]) for f in self.missing if data.get(f"file_{f}")]


class HandBackForm(StyledForm):
    to_level = forms.TypedChoiceField(coerce=int, label="To level")
    reason = internal_text("Why hand back")

    def __init__(self, *args: Any, level: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        set_choices(self, "to_level", [(v.value, v.label) for v in SupportLevel if v.value < level])


class PendForm(StyledForm):
    reason = forms.ChoiceField(choices=list(PENDING_LABELS.items()), label="Waiting for")
    internal_note = internal_text("Note", required=False)
    note = customer_text("Message to the customer (optional)")


class ResumeForm(StyledForm):
    note = customer_text("Note (optional)")


class ImpactForm(StyledForm):
    affected = forms.IntegerField(min_value=0, max_value=MAX_IMPACT, label="Affected")
    total = forms.IntegerField(min_value=1, max_value=MAX_IMPACT, label="Out of")
    unit = forms.CharField(required=False, max_length=MAX_UNIT, label="Unit (seats, agents, calls)")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        affected, total = data.get("affected"), data.get("total")
        if affected is not None and total is not None and affected > total:
            self.add_error("affected", "Cannot be more than the total.")
        return data


class PriorityForm(StyledForm):
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int)
    reason = internal_text("Why")
    customer_message = customer_text("Message to the customer (optional)")


class ResolveForm(StyledForm):
    summary = customer_text("Resolution", required=True, rows=3)


class CloseForm(StyledForm):
    pass


class ReopenForm(StyledForm):
    reason = customer_text("Why reopen", required=True)


class MergeForm(StyledForm):
    into = forms.CharField(max_length=30, label="Merge this ticket into (number, e.g. TD-1042)")


class LogContactForm(StyledForm):
    kind = forms.ChoiceField(choices=list(CONTACT_KINDS.items()), label="What")
    who = forms.CharField(max_length=MAX_NAME, label="Who")
    at = forms.DateTimeField(
        label="When", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    duration_minutes = forms.IntegerField(min_value=1, max_value=24 * 60, label="Minutes")
    outcome = internal_text("Outcome")


# ---- a new ticket on a customer's behalf -------------------------------------------------


class NewTicketForm(StyledForm):
    party = forms.CharField(
        label="Organization and contact",
        error_messages={"required": "Search and pick the organization or contact."},
    )
    channel = forms.ChoiceField(
        choices=[(c, label) for c, label in Channel.choices if c != Channel.MONITORING],
        initial=Channel.PHONE,
    )
    type = forms.ChoiceField(choices=TicketType.choices, initial=TicketType.INCIDENT)
    category = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    subject = forms.CharField(max_length=MAX_SUBJECT)
    body = forms.CharField(
        widget=textarea(5), label="What the customer reports", max_length=MAX_BODY
    )
    affected = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_IMPACT, label="Affected"
    )
    total = forms.IntegerField(required=False, min_value=1, max_value=MAX_IMPACT, label="Out of")
    unit = forms.CharField(required=False, max_length=MAX_UNIT, label="Unit")
    priority = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None,
        choices=[("", "From the impact"), *Priority.choices],
    )  # fmt: skip
    is_emergency = forms.BooleanField(required=False, label="Emergency (24x7 call-back)")
    attachments = MultipleFileField(label="Attachments")

    def __init__(self, *args: Any, categories: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        set_choices(self, "category", [("", "—"), *[(c.pk, str(c)) for c in categories]])

    def clean_party(self) -> tuple[str, int]:
        kind, _, digits = str(self.cleaned_data["party"]).partition(":")
        pk = parse_int(digits, low=1)
        if kind not in {"contact", "organization"} or pk is None:
            raise forms.ValidationError("Search and pick the organization or contact.")
        return kind, pk

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("affected") is None) != (data.get("total") is None):
            self.add_error("total", "Give both numbers of the impact, or neither.")
        return data
