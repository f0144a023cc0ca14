"""Mail hears about ticket events through the ticket domain's hook, not by being imported by it:
an event the reporter may be told about costs one on-commit callback (the task that decides and
sends); any other event costs none, and no task row."""

from __future__ import annotations

from django_tasks_db.models import DBTaskResult

from tierdesk.mail.events import event_mail_on_commit, mail_may_follow
from tierdesk.tickets import services
from tierdesk.tickets.hooks import event_recorded
from tierdesk.tickets.models import EventKind


def test_mail_is_subscribed_with_its_predicate():
    subscriptions = event_recorded._subscriptions
    [subscription] = [s for s in subscriptions if s.receiver is event_mail_on_commit]
    assert subscription.when is mail_may_follow


def test_only_events_a_reporter_may_hear_about_cost_a_callback(
    world, django_capture_on_commit_callbacks
):
    ticket = services.ticket_open(
        actor=world.acme_contact, organization=world.acme, subject="x", body="y"
    )
    with django_capture_on_commit_callbacks() as quiet:
        services.ticket_note(actor=world.l1, ticket=ticket, body="Internal.")
        services.ticket_reply(actor=world.acme_contact, ticket=ticket, body="Mine.")
        services.ticket_assign(actor=world.l1, ticket=ticket, assignee=world.l1)
    # (Other layers may take these events: notifications hears of a customer's reply.)
    assert mails(quiet) == []
    with django_capture_on_commit_callbacks(execute=True) as told:
        services.ticket_reply(actor=world.l1, ticket=ticket, body="Fixed in 7.2.")
    assert len(mails(told)) == 1
    [task] = DBTaskResult.objects.filter(task_path__endswith="mail_notify")
    event = ticket.events.get(kind=EventKind.REPLIED, data__by_agent=True)
    assert task.args_kwargs["args"] == [event.pk]


def mails(callbacks: list) -> list:
    """The on-commit callbacks that are mail's (each is its subscriber, with the payload)."""
    return [c for c in callbacks if getattr(c, "func", None) is event_mail_on_commit]
