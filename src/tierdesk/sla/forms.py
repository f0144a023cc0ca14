"""Form pieces the Django admin and the desk's configuration pages share: a calendar's week is
checked as a whole, and a plan must keep at least one target. The rules themselves are in
``sla.validation``; these only collect what a page submitted."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from tierdesk.sla.validation import check_intervals, check_plan_targets, check_working_time


def kept_forms(formset: BaseInlineFormSet) -> list[Any]:
    """The inline's forms that will be saved: filled in, valid, not marked for deletion."""
    return [
        form
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
    ]


class WeekFormSet(BaseInlineFormSet):
    """A calendar's intervals are checked as one week: no two of a weekday may overlap."""

    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return  # each row's own errors first
        rows = [form.cleaned_data for form in kept_forms(self)]
        check_intervals((r["weekday"], r["opens_at"], r["closes_at"]) for r in rows)
        check_working_time(always_open=self.instance.always_open, interval_count=len(rows))


class TargetFormSet(BaseInlineFormSet):
    """A plan without any target promises nothing and times nothing: refused."""

    def clean(self) -> None:
        super().clean()
        if not any(form.errors for form in self.forms):
            try:
                check_plan_targets(len(kept_forms(self)))
            except ValidationError as error:
                raise ValidationError(error.messages) from None
