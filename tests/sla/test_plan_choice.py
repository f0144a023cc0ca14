"""Which plan a ticket runs on: subscriptions of the organization, then its partner, then the
default; and what happens to the clocks when the plan changes."""

from __future__ import annotations

from datetime import date

import time_machine
from django_tasks_db.models import DBTaskResult

from tests.sla.test_sweep import MON, ist
from tierdesk.accounts.principal import SYSTEM
from tierdesk.crm.hooks import subscriptions_changed
from tierdesk.crm.models import Product, Subscription
from tierdesk.sla.models import Plan
from tierdesk.sla.services import plan_for
from tierdesk.tickets import services
from tierdesk.tickets.services.plans import organization_plans_refresh, ticket_plan_refresh
from tierdesk.tickets.tasks import refresh_organization_plans


def subscribe(org, plan_slug, product=None, starts=date(2026, 1, 1), ends=None):
    return Subscription.objects.create(
        organization=org, plan=Plan.objects.get(slug=plan_slug), product=product,
        starts_on=starts, ends_on=ends,
    )  # fmt: skip


def test_without_subscriptions_the_default_plan_applies(world):
    assert plan_for(world.acme).slug == "standard"


def test_the_organizations_own_subscription_applies(world):
    subscribe(world.acme, "premium-24x7")
    assert plan_for(world.acme).slug == "premium-24x7"


def test_a_subscription_for_the_product_wins_over_one_for_all_products(world):
    mdm = Product.objects.create(name="MDM", slug="mdm")
    mail = Product.objects.create(name="Mail", slug="mail")
    subscribe(world.acme, "standard")
    subscribe(world.acme, "premium-24x7", product=mdm)
    assert plan_for(world.acme, mdm).slug == "premium-24x7"
    assert plan_for(world.acme, mail).slug == "standard"


def test_an_expired_subscription_does_not_apply(world):
    subscribe(world.acme, "premium-24x7", ends=date(2025, 12, 31))
    with time_machine.travel(ist(MON, 9)):
        assert plan_for(world.acme).slug == "standard"


def test_a_partners_subscription_covers_its_customers(world):
    subscribe(world.bluebird, "premium-24x7")
    assert plan_for(world.cobalt).slug == "premium-24x7"
    assert plan_for(world.acme).slug == "standard"


def test_the_customers_own_subscription_wins_over_its_partners(world):
    subscribe(world.bluebird, "premium-24x7")
    subscribe(world.cobalt, "standard")
    assert plan_for(world.cobalt).slug == "standard"


def test_a_plan_change_keeps_the_business_time_used_and_applies_the_new_target(world):
    with time_machine.travel(ist(MON, 9), tick=False):
        ticket = services.ticket_open(
            actor=world.l1, organization=world.acme, subject="x", body="b", priority=2
        )
    assert ticket.response_due_at == ist(MON, 13)  # Standard P2: 4 business hours
    subscribe(world.acme, "premium-24x7")
    with time_machine.travel(ist(MON, 9, 10), tick=False):
        assert ticket_plan_refresh(actor=SYSTEM, ticket=ticket)
    # Premium: 30 minutes around the clock, 10 of them used.
    assert ticket.sla_plan.slug == "premium-24x7"
    assert ticket.response_due_at == ist(MON, 9, 30)
    assert list(ticket.events.values_list("kind", flat=True)) == ["opened", "plan_changed"]


def test_changing_the_product_re_chooses_the_plan(world):
    mdm = Product.objects.create(name="MDM", slug="mdm")
    subscribe(world.acme, "premium-24x7", product=mdm)
    ticket = services.ticket_open(actor=world.l1, organization=world.acme, subject="x", body="b")
    assert ticket.sla_plan.slug == "standard"
    services.ticket_update(actor=world.l1, ticket=ticket, product=mdm)
    ticket.refresh_from_db()
    assert ticket.sla_plan.slug == "premium-24x7"


def test_a_new_subscription_moves_the_active_tickets_of_the_organization_and_its_customers(world):
    def open_for(org, subject):
        return services.ticket_open(
            actor=world.manager, organization=org, subject=subject, body="b"
        )

    partners_own, customers, other = (
        open_for(world.bluebird, "own"), open_for(world.cobalt, "customer"),
        open_for(world.acme, "other"),
    )  # fmt: skip
    resolved = open_for(world.cobalt, "resolved")
    services.ticket_resolve(actor=world.manager, ticket=resolved, summary="fixed")
    subscribe(world.bluebird, "premium-24x7")
    assert organization_plans_refresh(organization_id=world.bluebird.pk) == 2
    for ticket in (partners_own, customers, other, resolved):
        ticket.refresh_from_db()
    assert partners_own.sla_plan.slug == customers.sla_plan.slug == "premium-24x7"
    assert other.sla_plan.slug == resolved.sla_plan.slug == "standard"


def test_a_subscription_change_in_the_crm_queues_the_refresh_of_its_tickets(
    world, django_capture_on_commit_callbacks
):
    # The CRM fires its hook; the ticket domain, subscribed at start-up, queues the refresh.
    with django_capture_on_commit_callbacks(execute=True):
        subscriptions_changed.fire_on_commit(organization_id=world.bluebird.pk)
    [queued] = DBTaskResult.objects.filter(task_path=refresh_organization_plans.module_path)
    assert queued.args_kwargs["args"] == [world.bluebird.pk]
