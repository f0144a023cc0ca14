"""What a mail batch preloads for the SLA clocks and plans is read with written-out SQL
(``core/fetch``); it must be what the ORM queries it replaced give, over data where the filters,
the conversions (times, dates, JSON) and the order matter."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q

from tests.sla.test_plan_choice import subscribe
from tierdesk.crm.models import Product, Subscription
from tierdesk.sla.clocks import EventFact, load_events_of
from tierdesk.sla.services import _Subscription, _subscriptions_active
from tierdesk.tickets import services
from tierdesk.tickets.models import TicketEvent


def orm_events_of(ticket_ids: list[int]) -> dict[int, list[EventFact]]:
    """The ORM query ``load_events_of`` wrote out."""
    events: dict[int, list[EventFact]] = {pk: [] for pk in ticket_ids}
    rows = TicketEvent.objects.filter(ticket_id__in=ticket_ids).order_by("ticket_id", "at", "id")
    for ticket_id, kind, at, data in rows.values_list("ticket_id", "kind", "at", "data"):
        events[ticket_id].append(EventFact(kind, at, data))
    return events


def test_loaded_histories_are_the_orm_querys(world, django_assert_num_queries):
    tickets = [
        services.ticket_open(
            actor=world.acme_contact, organization=world.acme, subject=f"Case {n}", body="Text."
        )
        for n in range(3)
    ]
    services.ticket_pend(actor=world.l1, ticket=tickets[0], reason="customer")
    services.ticket_reply(actor=world.acme_contact, ticket=tickets[0], body="Logs attached.")
    services.ticket_reply(actor=world.l1, ticket=tickets[1], body="Looking.")
    # Two events at the same instant (the id decides) and nested JSON.
    first = TicketEvent.objects.filter(ticket=tickets[2]).first()
    TicketEvent.objects.create(
        ticket=tickets[2], kind="replied", at=first.at, data={"a": [1, {"b": None}], "c": "é"}
    )
    TicketEvent.objects.create(ticket=tickets[2], kind="pended", at=first.at, data={})
    pks = [ticket.pk for ticket in tickets]
    wanted = [pks[2], pks[0], max(pks) + 100, pks[1], pks[0]]  # unordered, no such, twice
    for size in range(len(wanted) + 1):
        with django_assert_num_queries(1 if size else 0):
            found = load_events_of(wanted[:size])
        assert found == orm_events_of(wanted[:size])
        assert list(found) == list(dict.fromkeys(wanted[:size]))
    assert len(load_events_of(pks)[pks[2]]) == 3


def orm_active(ids: set[int], day: date) -> list[_Subscription]:
    """The ORM query ``plans_preloaded`` wrote out."""
    rows = Subscription.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day), organization_id__in=ids, starts_on__lte=day
    ).values_list("organization_id", "product_id", "starts_on", "pk", "plan_id")
    return [_Subscription(*row) for row in rows]


def test_active_subscriptions_are_the_orm_querys(world):
    mdm = Product.objects.create(name="MDM", slug="mdm")
    subscribe(world.bluebird, "premium-24x7")
    subscribe(world.cobalt, "standard", product=mdm, starts=date(2026, 3, 1))
    subscribe(world.acme, "premium-24x7", ends=date(2026, 2, 28))
    subscribe(world.acme, "standard", starts=date(2026, 3, 1), ends=date(2026, 3, 1))  # one day
    subscribe(world.acme, "premium-24x7", starts=date(2026, 6, 1))
    subscribe(world.globex, "premium-24x7", product=mdm)
    organizations = [world.acme, world.cobalt, world.globex, world.bluebird, world.umbrella]
    days = [date(2025, 12, 31), date(2026, 1, 1), date(2026, 2, 28), date(2026, 3, 1)]
    days += [date(2026, 3, 2), date(2026, 6, 1), date(2030, 1, 1)]
    for day in days:
        for size in range(len(organizations) + 1):
            ids = {organization.pk for organization in organizations[:size]}
            found = _subscriptions_active(ids, day)
            # The same rows, in the model's order; among equals (an organization, a start)
            # neither query promises one.
            assert sorted(found, key=str) == sorted(orm_active(ids, day), key=str)
            keys = [(s.organization_id, -s.starts_on.toordinal()) for s in found]
            assert keys == sorted(keys)
    assert _subscriptions_active({world.acme.pk}, date(2026, 3, 1) + timedelta(days=1)) == []
