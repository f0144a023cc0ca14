"""The form of an agent's notification preferences."""

from __future__ import annotations

from typing import Any

from django import forms

from tierdesk.accounts.models import NotificationKind
from tierdesk.notifications.models import NotificationPreference
from tierdesk.tickets.forms import StyledForm


class NotificationPreferenceForm(StyledForm):
    email = forms.MultipleChoiceField(
        required=False, choices=NotificationKind.choices, widget=forms.CheckboxSelectMultiple,
        label="By e-mail",
    )  # fmt: skip
    in_app = forms.MultipleChoiceField(
        required=False, choices=NotificationKind.choices, widget=forms.CheckboxSelectMultiple,
        label="In the desk (the bell)",
    )  # fmt: skip
    new_tickets = forms.BooleanField(required=False, label="Every new ticket in my teams")
    quiet_from = forms.TimeField(required=False, label="Quiet from (HH:MM)")
    quiet_until = forms.TimeField(required=False, label="Quiet until (HH:MM)")
    timezone = forms.CharField(max_length=64, initial="UTC", label="Time zone (IANA)")
    digest = forms.BooleanField(
        required=False, label="One daily digest instead of mail one by one (P1 and emergencies "
        "still come at once)",
    )  # fmt: skip

    def __init__(self, *args: Any, preference: NotificationPreference | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        every = list(NotificationKind.values)
        if preference is None:
            self.initial.update(email=every, in_app=every, timezone="UTC")
            return
        self.initial.update(
            email=[k for k in every if k not in preference.email_off],
            in_app=[k for k in every if k not in preference.in_app_off],
            new_tickets=preference.new_tickets, quiet_from=preference.quiet_from,
            quiet_until=preference.quiet_until, timezone=preference.timezone,
            digest=preference.digest,
        )  # fmt: skip

    def preference_values(self) -> dict[str, Any]:
        """What ``notifications.services.preference_set`` takes: the kinds turned off."""
        data, every = self.cleaned_data, list(NotificationKind.values)
        return {
            "email_off": [k for k in every if k not in data["email"]],
            "in_app_off": [k for k in every if k not in data["in_app"]],
            "new_tickets": data["new_tickets"], "quiet_from": data["quiet_from"],
            "quiet_until": data["quiet_until"], "timezone": data["timezone"].strip() or "UTC",
            "digest": data["digest"],
        }  # fmt: skip
