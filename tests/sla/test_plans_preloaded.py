"""The plan choice is one ORM expression (``sla.services.plan_choice``) used three ways: per
ticket through its compiled text (``plan_for``), for many organizations at once
(``plans_chosen``, a batch's unit of work), and in ``chosen_plans`` itself. All three must choose
alike, over data where the owner, the product, the term and the age matter."""

from __future__ import annotations

from datetime import date

from tests.sla.test_plan_choice import subscribe
from tierdesk.crm.models import Product
from tierdesk.sla.services import _chosen_plan_id, chosen_plans, plan_for, plans_chosen

DAYS = [
    date(2025, 12, 31), date(2026, 1, 1), date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2),
    date(2026, 6, 1), date(2030, 1, 1),
]  # fmt: skip


def subscriptions(world):
    mdm = Product.objects.create(name="MDM", slug="mdm")
    mail = Product.objects.create(name="Mail", slug="mail")
    subscribe(world.bluebird, "premium-24x7")  # the partner's, for all products
    subscribe(world.cobalt, "standard", product=mdm, starts=date(2026, 3, 1))  # own, one product
    subscribe(world.acme, "premium-24x7", ends=date(2026, 2, 28))
    subscribe(world.acme, "standard", starts=date(2026, 3, 1), ends=date(2026, 3, 1))  # one day
    subscribe(world.acme, "premium-24x7", starts=date(2026, 6, 1))  # the newest wins
    subscribe(world.globex, "premium-24x7", product=mail)
    organizations = [world.acme, world.cobalt, world.globex, world.bluebird, world.umbrella]
    return organizations, [None, mdm.pk, mail.pk]


def test_the_compiled_choice_is_the_orms(world):
    organizations, products = subscriptions(world)
    for day in DAYS:
        for product in products:
            ids = [organization.pk for organization in organizations]
            by_orm = dict(chosen_plans(ids, product, day))
            assert {pk: _chosen_plan_id(pk, product, day) for pk in ids} == by_orm, (day, product)


def test_choices_made_beforehand_are_plan_fors_without_a_query(world, django_assert_num_queries):
    organizations, _products = subscriptions(world)
    for day in DAYS:
        expected = [plan_for(organization, on=day) for organization in organizations]
        with django_assert_num_queries(1):
            chosen = plans_chosen(organizations, on=day)
        with django_assert_num_queries(0):
            assert [plan_for(org, on=day, chosen=chosen) for org in organizations] == expected


def test_what_the_choices_do_not_cover_is_looked_up(world, django_assert_num_queries):
    subscribe(world.globex, "premium-24x7")
    mdm = Product.objects.create(name="MDM", slug="mdm")
    plan_for(world.globex), plan_for(world.acme)  # the plan cache filled
    chosen = plans_chosen([world.acme])
    with django_assert_num_queries(1):  # an organization not chosen for
        assert plan_for(world.globex, chosen=chosen).slug == "premium-24x7"
    with django_assert_num_queries(1):  # another day than the one chosen for
        assert plan_for(world.acme, on=date(2020, 1, 1), chosen=chosen).slug == "standard"
    with django_assert_num_queries(1):  # a product
        assert plan_for(world.acme, mdm, chosen=chosen).slug == "standard"
    with django_assert_num_queries(0):
        assert plans_chosen([]).plan_ids == {}


def test_an_organization_that_is_gone_gets_the_default_plan(world):
    assert _chosen_plan_id(world.acme.pk + 10_000, None, date(2026, 1, 1)) is None
