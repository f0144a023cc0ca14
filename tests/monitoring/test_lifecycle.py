"""Each system's payloads through both faces (the endpoint and ``tierdesk ingest-alert``):
one ticket per alert group, repeats that change nothing but the count, notes for what changes,
recovery that resolves, flapping that reopens."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from tierdesk.mail.models import OutboundMail
from tierdesk.monitoring.models import AlertGroup, OnRecovery
from tierdesk.tickets.models import Message, Ticket, TicketEvent

T0 = timezone.datetime(2026, 12, 7, 3, 0, tzinfo=timezone.UTC)


def ticket_of(result):
    return Ticket.objects.get(pk=Ticket.pk_from_reference(result["ticket"]))


def notes(ticket):
    return list(
        Message.objects.filter(ticket=ticket, kind="internal").values_list("body", flat=True)
    )


def test_alertmanager_group_lifecycle(sender, world, noc):
    am = sender("alertmanager")
    with time_machine.travel(T0, tick=False):
        first = am.send("alertmanager_firing.json")
    assert first["action"] == "created"
    ticket = ticket_of(first)
    assert (ticket.organization, ticket.team, ticket.priority, ticket.is_emergency) == (
        world.acme,
        noc,
        1,
        True,
    )
    assert ticket.channel == "monitoring"
    assert "Hosts: db1.acme.test" in ticket.messages.get().body
    due, version = ticket.response_due_at, ticket.version
    events, mails = TicketEvent.objects.count(), OutboundMail.objects.count()

    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        repeat = am.send("alertmanager_firing.json")
    assert repeat == {"action": "updated", "ticket": first["ticket"],
                      "reason": "repeat 2 of the alert group"}  # fmt: skip
    ticket.refresh_from_db()
    assert (ticket.version, ticket.response_due_at) == (version, due)  # no write, no clock
    assert (TicketEvent.objects.count(), OutboundMail.objects.count()) == (events, mails)
    group = AlertGroup.objects.get(ticket=ticket)
    assert group.notice_count == 2 and group.last_seen_at == T0 + timedelta(minutes=1)

    # Every step at its own instant: notes are ordered by their time, and T0 is a real date.
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        grown = am.send("alertmanager_grown.json")
    assert (grown["action"], grown["ticket"]) == ("updated", first["ticket"])
    assert "1 alert(s) joined the group: NodeDiskFull (db2.acme.test)" in notes(ticket)[-1]

    with time_machine.travel(T0 + timedelta(minutes=3), tick=False):
        partial = am.send("alertmanager_partial.json")
    assert partial["action"] == "updated"
    assert "Recovered while the group still fires" in notes(ticket)[-1]
    assert "(1 still firing)" in notes(ticket)[-1]
    ticket.refresh_from_db()
    assert ticket.status == "new" and ticket.response_due_at == due

    with time_machine.travel(T0 + timedelta(minutes=40), tick=False):
        resolved = am.send("alertmanager_resolved.json")
    assert (resolved["action"], resolved["ticket"]) == ("resolved", first["ticket"])
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    assert "reports recovery" in notes(ticket)[-1]

    with time_machine.travel(T0 + timedelta(minutes=55), tick=False):
        again = am.send("alertmanager_firing.json")
    assert (again["action"], again["ticket"]) == ("reopened", first["ticket"])
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.reopen_count == 1
    assert Ticket.objects.filter(channel="monitoring").count() == 1


def test_a_group_firing_after_the_reopen_window_opens_a_new_ticket(sender, world):
    am = sender("alertmanager")
    with time_machine.travel(T0, tick=False):
        first = am.send("alertmanager_firing.json")
        am.send("alertmanager_resolved.json")
    with time_machine.travel(T0 + timedelta(minutes=31), tick=False):
        later = am.send("alertmanager_firing.json")
    assert later["action"] == "created" and later["ticket"] != first["ticket"]


def test_a_truncated_group_says_how_many_were_left_out(sender, world, noc):
    result = sender("alertmanager").send("alertmanager_truncated.json")
    assert result["action"] == "created"
    ticket = ticket_of(result)
    body = ticket.messages.get().body
    assert "left out 38 alert(s)" in body
    assert ticket.priority == 3  # warning
    # No rule names an organization: the NOC's triage queue.
    assert (ticket.organization, ticket.team) == (world.vendor, noc)
    assert "triage" in body


def test_an_older_sender_without_fingerprints_and_group_key_is_deduplicated(sender, world):
    am = sender("alertmanager")
    first = am.send("alertmanager_old_sender.json")
    second = am.send("alertmanager_old_sender.json")
    assert first["action"] == "created"
    assert (second["action"], second["ticket"]) == ("updated", first["ticket"])


def test_grafana_firing_and_resolved(sender, world):
    grafana = sender("grafana")
    first = grafana.send("grafana_firing.json")
    assert first["action"] == "created"
    ticket = ticket_of(first)
    assert ticket.subject == "[FIRING:1] High memory usage Infra (blue us-1)"
    assert ticket.priority == 2  # high
    assert grafana.send("grafana_firing.json")["action"] == "updated"
    resolved = grafana.send("grafana_resolved.json")
    assert (resolved["action"], resolved["ticket"]) == ("resolved", first["ticket"])
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_zabbix_problem_update_and_recovery(sender, world):
    zabbix = sender("zabbix")
    problem = zabbix.send("zabbix_problem.json")
    assert problem["action"] == "created"
    ticket = ticket_of(problem)
    assert (ticket.organization, ticket.priority) == (world.globex, 2)  # host group, High
    assert zabbix.send("zabbix_problem.json")["action"] == "updated"

    update = zabbix.send("zabbix_update.json")
    assert (update["action"], update["ticket"]) == ("updated", problem["ticket"])
    assert notes(ticket)[-1] == (
        "Acknowledged in Zabbix by Zabbix Administrator: Looking into it, runaway batch job"
    )
    group = AlertGroup.objects.get(ticket=ticket)
    assert group.acknowledged_at is not None and group.ack_due_at is None

    recovery = zabbix.send("zabbix_recovery.json")
    assert (recovery["action"], recovery["ticket"]) == ("resolved", problem["ticket"])
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_nagios_service_problem_repeat_acknowledgement_recovery(sender, world):
    nagios = sender("nagios")
    problem = nagios.send("nagios_service_problem.env")
    assert problem["action"] == "created"
    ticket = ticket_of(problem)
    assert ticket.subject == "SMTP on mail1.acme.test is CRITICAL"
    assert (ticket.organization, ticket.priority, ticket.is_emergency) == (world.acme, 1, True)
    repeat = nagios.send("nagios_service_problem.env")
    assert (repeat["action"], repeat["ticket"]) == ("updated", problem["ticket"])
    assert Ticket.objects.filter(channel="monitoring").count() == 1

    ack = nagios.send("nagios_service_ack.env")
    assert ack["action"] == "updated"
    assert notes(ticket)[-1] == (
        "Acknowledged in Nagios / Icinga by nagiosadmin: Acknowledgement: Postfix queue stuck, "
        "restarting"
    )
    recovery = nagios.send("nagios_service_recovery.env")
    assert (recovery["action"], recovery["ticket"]) == ("resolved", problem["ticket"])
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_a_rising_severity_raises_the_ticket_priority(sender, world):
    nagios = sender("nagios")
    warning = nagios.send("nagios_service_warning.env")
    ticket = ticket_of(warning)
    assert (warning["action"], ticket.priority) == ("created", 3)
    critical = nagios.send("nagios_service_problem.env")
    assert (critical["action"], critical["ticket"]) == ("updated", warning["ticket"])
    ticket.refresh_from_db()
    assert ticket.priority == 1
    assert "The severity rose from warning to critical." in notes(ticket)[-1]
    changed = TicketEvent.objects.get(ticket=ticket, kind="priority_changed")
    assert changed.actor is None and not changed.is_public  # Tierdesk's own, internal
    again = nagios.send("nagios_service_warning.env")  # falling back changes no priority
    assert again["action"] == "updated"
    ticket.refresh_from_db()
    assert ticket.priority == 1


def test_nagios_host_problem_and_recovery(sender, world):
    nagios = sender("nagios")
    problem = nagios.send("nagios_host_problem.env")
    assert problem["action"] == "created"
    ticket = ticket_of(problem)
    assert ticket.subject == "Host fw1.globex.test is DOWN"
    assert (ticket.organization, ticket.priority, ticket.is_emergency) == (world.globex, 1, True)
    recovery = nagios.send("nagios_host_recovery.env")
    assert (recovery["action"], recovery["ticket"]) == ("resolved", problem["ticket"])


def test_icinga_environment_names_are_understood(sender, world):
    result = sender("nagios").send("icinga_service_problem.env")
    ticket = ticket_of(result)
    assert ticket.subject == "HTTP on web3.acme.test is WARNING"
    assert (ticket.organization, ticket.priority) == (world.acme, 3)


def test_a_recovery_without_an_open_group_is_ignored(sender, world):
    result = sender("nagios").send("nagios_host_recovery.env")
    assert result == {"action": "ignored", "ticket": None,
                      "reason": "no open alert group for 'fw1.globex.test'"}  # fmt: skip


def test_a_note_only_source_keeps_the_ticket_open_on_recovery(sender, world):
    nagios = sender("nagios")
    nagios.source.on_recovery = OnRecovery.NOTE
    nagios.source.save()
    problem = nagios.send("nagios_host_problem.env")
    recovery = nagios.send("nagios_host_recovery.env")
    assert recovery["action"] == "resolved"
    ticket = ticket_of(problem)
    assert ticket.status == "new" and "reports recovery" in notes(ticket)[-1]
    again = nagios.send("nagios_host_problem.env")
    assert (again["action"], again["ticket"]) == ("reopened", problem["ticket"])


def test_generic_firing_acknowledged_resolved(sender, world):
    generic = sender("generic")
    firing = generic.send("generic_firing.json")
    assert firing["action"] == "created"
    ticket = ticket_of(firing)
    assert (ticket.subject, ticket.organization, ticket.priority) == (
        "Nightly backup failed on db1",
        world.acme,
        1,
    )
    ack = generic.send("generic_ack.json")
    assert ack["action"] == "updated"
    assert (
        notes(ticket)[-1] == "Acknowledged in Generic JSON by ops-bot: Retrying the backup by hand"
    )
    resolved = generic.send("generic_resolved.json")
    assert (resolved["action"], resolved["ticket"]) == ("resolved", firing["ticket"])
