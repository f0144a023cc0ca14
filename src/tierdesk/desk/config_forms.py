"""The configuration pages' forms (calendars, plans, categories, mailboxes, teams, agents).

They parse what a manager typed; the rules are the models' ``clean()`` and ``sla.validation``
(the same ones the Django admin applies), and the services save.
"""

from __future__ import annotations

from datetime import time
from typing import Any, cast

from django import forms
from django.forms.models import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.models import Agent, Team, User
from tierdesk.crm.models import Organization, OrganizationKind
from tierdesk.mail.models import Mailbox
from tierdesk.sla.forms import TargetFormSet
from tierdesk.sla.models import Calendar, Holiday, Plan, Target
from tierdesk.sla.validation import WEEKDAY_NAMES, check_intervals, holiday_countries
from tierdesk.tickets.forms import style_widgets
from tierdesk.tickets.models import Category, Fact

# Interval slots per weekday on the week grid (a split shift, plus one); a day stored with more
# intervals gets as many slots as it has.
SLOTS = 3
ZONE_LIST = "time-zones"  # the id of the page's <datalist> of zone names


def style(form: forms.BaseForm) -> None:
    """The desk's widget classes (``tickets.forms.style_widgets``) on any form."""
    style_widgets(cast(forms.Form, form))


class StyledModelForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        style(self)


def zone_input() -> forms.TextInput:
    return forms.TextInput(attrs={"list": ZONE_LIST, "autocomplete": "off", "spellcheck": "false"})


# ---- calendars -------------------------------------------------------------------------------


class CalendarForm(StyledModelForm):
    holiday_country = forms.ChoiceField(
        required=False, label=_("National holidays of"),
        help_text=_("Pick a country to add its public holidays as editable rows."),
    )  # fmt: skip

    class Meta:
        model = Calendar
        fields = ["name", "slug", "timezone", "always_open", "holiday_country",
                  "holiday_subdivision"]  # fmt: skip
        labels = {"timezone": _("Time zone"), "always_open": _("Open 24x7")}
        widgets = {"timezone": zone_input()}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        countries = [("", _("None"))] + [(code, code) for code in sorted(holiday_countries())]
        cast(forms.ChoiceField, self.fields["holiday_country"]).choices = countries


class WeekGridForm(forms.Form):
    """A calendar's week as a grid: a row per weekday, a column per interval (opens - closes).
    A closing time of 00:00 is midnight at the end of the day."""

    def __init__(self, *args: Any, week: dict[int, list[tuple[time, time]]] | None = None,
                 **kwargs: Any):  # fmt: skip
        super().__init__(*args, **kwargs)
        week = week or {}
        self.slots = max([SLOTS, *(len(spans) + 1 for spans in week.values())])
        for day in range(7):
            spans = week.get(day, [])
            for slot in range(self.slots):
                opens, closes = spans[slot] if slot < len(spans) else (None, None)
                for edge, value in (("opens", opens), ("closes", closes)):
                    label = f"{WEEKDAY_NAMES[day]}, interval {slot + 1}, {edge}"
                    self.fields[self.key(day, slot, edge)] = forms.TimeField(
                        required=False, initial=value, label=label,
                        widget=forms.TimeInput(
                            attrs={"type": "time", "class": "form-control form-control-sm",
                                   "aria-label": label},
                            format="%H:%M",
                        ),
                    )  # fmt: skip

    @staticmethod
    def key(day: int, slot: int, edge: str) -> str:
        return f"d{day}_{slot}_{edge}"

    def rows(self) -> list[tuple[str, list[tuple[Any, Any]]]]:
        """(weekday name, [(opens field, closes field) per slot]) for the template."""
        return [
            (
                WEEKDAY_NAMES[day],
                [
                    (self[self.key(day, slot, "opens")], self[self.key(day, slot, "closes")])
                    for slot in range(self.slots)
                ],
            )
            for day in range(7)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        intervals = []
        for day in range(7):
            for slot in range(self.slots):
                opens = data.get(self.key(day, slot, "opens"))
                closes = data.get(self.key(day, slot, "closes"))
                if opens is None and closes is None:
                    continue
                if opens is None or closes is None:
                    self.add_error(
                        self.key(day, slot, "opens" if opens is None else "closes"),
                        _("Give both the opening and the closing time."),
                    )
                    continue
                intervals.append((day, opens, closes))
        try:
            check_intervals(intervals)
        except forms.ValidationError as error:
            self.add_error(None, error)
        self.intervals = intervals
        return data


HolidayFormSet = inlineformset_factory(
    Calendar, Holiday, fields=["date", "name", "recurs_yearly"], extra=1, can_delete=True,
    widgets={"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")},
)  # fmt: skip


def style_formset(formset: Any) -> Any:
    for form in formset.forms:
        style(form)
    return formset


# ---- plans -----------------------------------------------------------------------------------


class PlanForm(StyledModelForm):
    class Meta:
        model = Plan
        fields = ["name", "slug", "description", "is_default", "warning_percent",
                  "third_party_pauses", "close_resolved_after_days", "remind_pending_after_days",
                  "resolve_pending_after_days"]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


PlanTargetFormSet = inlineformset_factory(
    Plan,
    Target,
    formset=TargetFormSet,
    fields=["priority", "metric", "amount", "unit", "calendar"],
    extra=1,
    can_delete=True,
)


# ---- categories ------------------------------------------------------------------------------


class FactKeysField(forms.MultipleChoiceField):
    """The defined facts as checkboxes. A key that is not one of them is left to
    ``Category.clean``, which names every unknown key in its message."""

    def valid_value(self, value: Any) -> bool:
        return True


class CategoryForm(StyledModelForm):
    required_facts = FactKeysField(
        required=False, choices=Fact.choices, widget=forms.CheckboxSelectMultiple,
        label=_("Facts required before level 2"),
    )  # fmt: skip

    class Meta:
        model = Category
        fields = ["parent", "name", "slug", "audience", "required_facts", "is_active", "position"]

    def __init__(self, *args: Any, categories: list[Category], **kwargs: Any):
        super().__init__(*args, **kwargs)
        others = [c for c in categories if c.pk != self.instance.pk and c.parent_id is None]
        parent = self.fields["parent"]
        parent.queryset = Category.objects.filter(pk__in=[c.pk for c in others])  # type: ignore[attr-defined]


# ---- mailboxes -------------------------------------------------------------------------------


class MailboxForm(StyledModelForm):
    class Meta:
        model = Mailbox
        fields = ["name", "address", "display_name", "is_default", "is_emergency",
                  "unknown_senders", "sender_check", "mailer", "is_active", "imap_host",
                  "imap_port", "imap_ssl", "imap_starttls", "imap_username", "imap_auth",
                  "imap_secret_env", "imap_folder", "imap_done_folder"]  # fmt: skip
        labels = {"imap_secret_env": _("Environment variable holding the password or token")}


# ---- teams and agents ------------------------------------------------------------------------


class TeamForm(StyledModelForm):
    class Meta:
        model = Team
        fields = ["name", "slug", "organization", "support_level", "lead", "email"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        support_side = Organization.objects.filter(
            kind__in=[OrganizationKind.VENDOR, OrganizationKind.PARTNER]
        )
        self.fields["organization"].queryset = support_side  # type: ignore[attr-defined]
        self.fields["lead"].queryset = User.objects.filter(agent__isnull=False)  # type: ignore[attr-defined]


class AgentForm(StyledModelForm):
    time_zone = forms.CharField(
        required=False, max_length=64, widget=zone_input(), label=_("Time zone"),
        help_text=_("Times are shown in this zone; empty: the browser's."),
    )  # fmt: skip

    class Meta:
        model = Agent
        fields = ["support_level", "is_manager", "is_available", "teams"]
        widgets = {"teams": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        teams = self.fields["teams"]
        teams.queryset = Team.objects.filter(  # type: ignore[attr-defined]
            organization_id=self.instance.organization_id
        )
        self.fields["time_zone"].initial = self.instance.user.time_zone
        style(self)


class TimeZoneForm(forms.Form):
    time_zone = forms.CharField(
        required=False, max_length=64, widget=zone_input(), label=_("Your time zone"),
        help_text=_("An IANA name such as Asia/Kolkata; empty: your browser's zone."),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        style_widgets(self)
