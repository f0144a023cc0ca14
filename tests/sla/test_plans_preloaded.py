"""``plans_preloaded``: within it, ``plan_for`` chooses from subscriptions read once, and
chooses exactly what the query chooses."""

from __future__ import annotations

from datetime import date

from tests.sla.test_plan_choice import subscribe
from tierdesk.crm.models import Product
from tierdesk.sla.services import plan_for, plans_preloaded


def test_preloaded_choices_are_the_querys_without_a_query(world, django_assert_num_queries):
    mdm = Product.objects.create(name="MDM", slug="mdm")
    mail = Product.objects.create(name="Mail", slug="mail")
    subscribe(world.bluebird, "premium-24x7")  # the partner's, for all products
    subscribe(world.cobalt, "standard", product=mdm)  # the customer's own, one product
    subscribe(world.acme, "premium-24x7", ends=date(2025, 12, 31))  # over
    subscribe(world.acme, "standard", starts=date(2025, 1, 1))
    subscribe(world.acme, "premium-24x7", starts=date(2025, 6, 1))  # the newest wins
    subscribe(world.globex, "premium-24x7", product=mail)
    organizations = [world.acme, world.cobalt, world.globex, world.bluebird]
    cases = [(org, product) for org in organizations for product in (None, mdm, mail, mdm.pk)]
    expected = [plan_for(org, product) for org, product in cases]
    with plans_preloaded(organizations), django_assert_num_queries(0):
        assert [plan_for(org, product) for org, product in cases] == expected


def test_an_organization_not_preloaded_is_looked_up(world, django_assert_num_queries):
    subscribe(world.globex, "premium-24x7")
    plan_for(world.globex), plan_for(world.acme)  # the plan cache filled
    with plans_preloaded([world.acme]):
        with django_assert_num_queries(1):
            assert plan_for(world.globex).slug == "premium-24x7"
        with django_assert_num_queries(1):  # another day than the one preloaded
            assert plan_for(world.acme, on=date(2020, 1, 1)).slug == "standard"
