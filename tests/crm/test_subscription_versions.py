"""A subscription's covered versions are version lines, checked where they are written (the
admin's subscription page and the organization page's inline) like an article's."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tierdesk.crm.models import Subscription
from tierdesk.sla.models import Plan


def _add(world, versions_covered):
    client = Client()
    client.force_login(world.admin)
    plan = Plan.objects.order_by("id").first()
    return client.post(
        reverse("admin:crm_subscription_add"),
        {"organization": world.acme.pk, "plan": plan.pk, "starts_on": "2026-01-01",
         "versions_covered": versions_covered},
    )  # fmt: skip


def test_covered_versions_are_version_lines(world):
    assert _add(world, "2, 3.1").status_code == 302
    added = Subscription.objects.get(organization=world.acme, versions_covered="2, 3.1")
    assert added.version_lines == ["2", "3.1"]


def test_a_covered_version_that_is_no_version_line_is_refused(world):
    before = Subscription.objects.count()
    response = _add(world, "2, 3..x")
    assert response.status_code == 200
    assert "&#x27;3..x&#x27; is not a version" in response.content.decode()
    assert Subscription.objects.count() == before
