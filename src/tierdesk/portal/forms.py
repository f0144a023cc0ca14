"""The portal's forms: category-aware ticket submission, replies, reopening."""

from __future__ import annotations

from typing import Any

from django import forms

from tierdesk.core.text import MAX_BODY, MAX_FACT, MAX_IMPACT, MAX_REASON, MAX_SUBJECT, MAX_UNIT
from tierdesk.tickets.forms import (
    FACT_LABELS,
    MultipleFileField,
    StyledForm,
    set_choices,
    style_widgets,
    textarea,
)
from tierdesk.tickets.models import FACTS_FROM_ATTACHMENTS

FACT_HELP = {
    "system_details": "Device model, operating system and version, product version.",
    "logs": "Paste the relevant lines, or attach the log file below.",
    "screenshots": "Describe what the screen shows, or attach screenshots or a video below.",
    "steps_tried": "What you already did, and what happened.",
}


class SubmitForm(StyledForm):
    category = forms.TypedChoiceField(coerce=int, empty_value=None, label="What is it about?")
    subject = forms.CharField(max_length=MAX_SUBJECT, label="Summary")
    body = forms.CharField(widget=textarea(6), label="Describe the problem", max_length=MAX_BODY)
    affected = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_IMPACT, label="How many are affected?"
    )
    total = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_IMPACT, label="Out of how many?"
    )
    unit = forms.CharField(
        required=False,
        max_length=MAX_UNIT,
        label="Of what",
        help_text="users, seats, calls, servers",
    )
    attachments = MultipleFileField(label="Attachments (logs, screenshots, video)")

    def __init__(self, *args: Any, categories: list[Any], facts: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        set_choices(self, "category", [("", "Choose…"), *[(c.pk, str(c)) for c in categories]])
        self.facts = facts
        for fact in facts:
            self.fields[f"fact_{fact}"] = forms.CharField(
                label=FACT_LABELS.get(fact, fact), widget=textarea(2),
                help_text=FACT_HELP.get(fact, ""),
                # A log or a screenshot may come as a file instead of words.
                required=fact not in FACTS_FROM_ATTACHMENTS, max_length=MAX_FACT,
            )  # fmt: skip
        style_widgets(self)

    def fact_fields(self) -> list[Any]:
        return [self[f"fact_{fact}"] for fact in self.facts]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("affected") is None) != (data.get("total") is None):
            self.add_error("total", "Give both numbers, or neither.")
        affected, total = data.get("affected"), data.get("total")
        if affected is not None and total is not None and affected > total:
            self.add_error("affected", "Cannot be more than the total.")
        return data

    def fact_values(self) -> dict[str, str]:
        data = self.cleaned_data
        return {f: data[f"fact_{f}"] for f in self.facts if data.get(f"fact_{f}")}


class ReplyForm(StyledForm):
    body = forms.CharField(widget=textarea(5), label="Your reply", max_length=MAX_BODY)
    attachments = MultipleFileField(label="Attachments")


class ReopenForm(StyledForm):
    reason = forms.CharField(
        widget=textarea(2), label="What is still wrong?", max_length=MAX_REASON
    )
