"""The admin's subscription form (the one place a subscription is written): its covered
versions are version lines (``crm.versions``), checked like an article's."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from tierdesk.crm.models import Subscription
from tierdesk.crm.versions import checked_lines, version_lines


def validate_version_lines(text: str) -> None:
    """Comma-separated version lines (``"2, 3.1"``), each a version line; empty: every version."""
    try:
        checked_lines(version_lines(text))
    except ValueError as error:
        raise ValidationError(str(error), code="invalid_version_line") from error


class SubscriptionForm(forms.ModelForm):
    class Meta:
        model = Subscription
        fields = [
            "organization", "plan", "product", "starts_on", "ends_on", "seats",
            "maintenance_ends_on", "versions_covered",
        ]  # fmt: skip

    def clean_versions_covered(self) -> str:
        text: str = self.cleaned_data["versions_covered"]
        validate_version_lines(text)
        return text
