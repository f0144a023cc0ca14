"""Customers, partners and the vendor; the people at them; the products they run."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

from tierdesk.accounts.timezones import zone_named
from tierdesk.crm.versions import version_lines


def validate_time_zone(name: str) -> None:
    """An IANA name that the pages can read times in (``accounts.timezones.zone_named``), or
    nothing."""
    if name and zone_named(name) is None:
        raise ValidationError(
            _("Unknown time zone %(name)s: use an IANA name such as Europe/London."),
            code="unknown_time_zone",
            params={"name": repr(name)},
        )


class OrganizationKind(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    PARTNER = "partner", "Partner"
    VENDOR = "vendor", "Vendor"


class Organization(models.Model):
    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=10, choices=OrganizationKind.choices, default=OrganizationKind.CUSTOMER
    )
    partner = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="customers",
        limit_choices_to={"kind": OrganizationKind.PARTNER},
        help_text="The partner that gives this customer its level-1 support, if any.",
    )  # fmt: skip
    email_domains = models.JSONField(
        default=list, blank=True, help_text="Mail from these domains maps to this organization."
    )
    contacts_see_all_tickets = models.BooleanField(
        default=True,
        help_text="Contacts see every ticket of their organization, not only their own.",
    )
    time_zone = models.CharField(
        max_length=64, blank=True, validators=[validate_time_zone],
        help_text="IANA name (Asia/Kolkata) its contacts read times in unless they chose their "
        "own; empty: each contact's browser's zone.",
    )  # fmt: skip
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["partner"], name="org_partner_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_partner(self) -> bool:
        """Gives its customers their level-1 support (its agents are partner agents)."""
        return self.kind == OrganizationKind.PARTNER


class Contact(models.Model):
    """A person at an organization; with a user, they can sign in to the portal and the API."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(db_index=True)
    phone = models.CharField(max_length=50, blank=True)
    user = models.OneToOneField(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="contact"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Product(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True, help_text="Shown on the download centre's pages.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """An organization's support plan over a term, for one product or for all (X1)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="subscriptions"
    )
    plan = models.ForeignKey("sla.Plan", on_delete=models.PROTECT, related_name="subscriptions")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="subscriptions",
        help_text="Empty: the plan covers every product of the organization.",
    )  # fmt: skip
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Empty: open-ended.")
    seats = models.PositiveIntegerField(null=True, blank=True)
    maintenance_ends_on = models.DateField(
        null=True, blank=True,
        help_text="Releases published after this day are not covered (downloads). Empty: the "
        "term's end, or no limit for an open-ended term.",
    )  # fmt: skip
    versions_covered = models.CharField(
        max_length=200, blank=True,
        help_text="Comma-separated version lines this subscription covers, e.g. '2, 3.1' "
        "(2.x and 3.1.x). Empty: every version.",
    )  # fmt: skip
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization", "-starts_on"]
        indexes = [models.Index(fields=["organization", "starts_on"], name="subscription_org_idx")]

    def __str__(self) -> str:
        return f"{self.organization}: {self.plan}"

    @property
    def version_lines(self) -> list[str]:
        return version_lines(self.versions_covered)
