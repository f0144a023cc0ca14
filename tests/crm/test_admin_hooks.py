"""A subscription changed in the admin tells whoever keeps tickets on plans, through the CRM's
hook (``crm.subscriptions_changed``): the CRM sits below the SLA engine and the tickets and
imports neither."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tierdesk.crm.hooks import subscriptions_changed
from tierdesk.crm.models import Subscription
from tierdesk.sla.models import Plan


@pytest.fixture
def heard() -> Any:
    payloads: list[dict[str, Any]] = []

    def listener(**payload: Any) -> None:
        payloads.append(payload)

    subscriptions_changed.subscribe(listener)
    yield payloads
    subscriptions_changed.unsubscribe(listener)


@pytest.fixture
def admin_client(world: Any) -> Client:
    client = Client()
    client.force_login(world.admin)
    return client


def test_a_subscription_added_on_its_own_page_is_heard_once_committed(
    world, admin_client, heard, django_capture_on_commit_callbacks
):
    plan = Plan.objects.order_by("id").first()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(
            reverse("admin:crm_subscription_add"),
            {"organization": world.acme.pk, "plan": plan.pk, "starts_on": "2026-01-01"},
        )
        assert response.status_code == 302, response.content
        assert heard == []  # not before the commit
    for callback in callbacks:
        callback()
    assert heard == [{"organization_id": world.acme.pk}]


def test_deleting_subscriptions_is_heard_for_each_organization(
    world, admin_client, heard, django_capture_on_commit_callbacks
):
    plan = Plan.objects.order_by("id").first()
    for organization in (world.acme, world.globex):
        Subscription.objects.create(organization=organization, plan=plan, starts_on=date.today())

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:crm_subscription_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": list(Subscription.objects.values_list("pk", flat=True)),
                "post": "yes",
            },
        )

    assert not Subscription.objects.exists()
    assert heard == [{"organization_id": world.acme.pk}, {"organization_id": world.globex.pk}]


def test_a_subscription_added_on_the_organizations_page_is_heard(
    world, admin_client, heard, django_capture_on_commit_callbacks
):
    plan = Plan.objects.order_by("id").first()
    acme = world.acme
    form = {
        "name": acme.name, "kind": acme.kind, "email_domains": "[]",
        "contacts_see_all_tickets": "on", "is_active": "on",
        "contacts-TOTAL_FORMS": "0", "contacts-INITIAL_FORMS": "0",
        "subscriptions-TOTAL_FORMS": "1", "subscriptions-INITIAL_FORMS": "0",
        "subscriptions-0-plan": plan.pk, "subscriptions-0-starts_on": "2026-01-01",
    }  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:crm_organization_change", args=[acme.pk]), form)

    assert response.status_code == 302, response.content
    assert acme.subscriptions.count() == 1
    assert heard == [{"organization_id": acme.pk}]
