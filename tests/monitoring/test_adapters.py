"""Each adapter reads its system's recorded payloads into the one notice shape (pure: no
database)."""

from __future__ import annotations

import json

import pytest

from tests.monitoring.conftest import FIXTURES
from tierdesk.monitoring.adapters import PARSERS
from tierdesk.monitoring.commands import environment_lines
from tierdesk.monitoring.notices import MalformedPayload, NoteKind, State


def parsed(kind, name):
    raw = (FIXTURES / name).read_text()
    data = environment_lines(raw) if name.endswith(".env") else json.loads(raw)
    return PARSERS[kind](data)


def test_alertmanager_v4_group():
    notice = parsed("alertmanager", "alertmanager_grown.json")
    assert notice.group_key == '{}:{alertname="NodeDiskFull"}'
    assert notice.state is State.FIRING and notice.severity == "critical"
    assert [a.key for a in notice.alerts] == ["5f1a3c1e2b9d7a01", "8c2d4e6f0a1b3c02"]
    assert notice.hosts == ["db1.acme.test", "db2.acme.test"]  # the exporter's port dropped
    assert notice.labels["customer"] == "acme"


def test_alertmanager_truncated_and_older_senders():
    assert parsed("alertmanager", "alertmanager_truncated.json").truncated == 38
    old = parsed("alertmanager", "alertmanager_old_sender.json")
    assert old.group_key.startswith("alertmanager:labels:")
    assert old.alerts[0].status == "firing" and len(old.alerts[0].key) == 32


def test_grafana_keeps_its_title_and_message():
    notice = parsed("grafana", "grafana_firing.json")
    assert notice.title == "[FIRING:1] High memory usage Infra (blue us-1)"
    assert notice.body.startswith("**Firing**")
    assert parsed("grafana", "grafana_resolved.json").state is State.RESOLVED


def test_zabbix_problem_update_recovery():
    problem = parsed("zabbix", "zabbix_problem.json")
    assert (problem.group_key, problem.state, problem.severity) == ("event:4521", State.FIRING,
                                                                     "high")  # fmt: skip
    assert problem.labels == {"class": "os", "component": "cpu", "customer": "globex"}
    assert problem.host_groups == ["Linux servers", "Globex"]
    assert problem.note == "" and problem.author == ""  # unresolved macros are empty
    update = parsed("zabbix", "zabbix_update.json")
    assert (update.state, update.note_kind) == (State.NOTE, NoteKind.ACKNOWLEDGEMENT)
    assert parsed("zabbix", "zabbix_recovery.json").state is State.RESOLVED


def test_nagios_and_icinga_names():
    service = parsed("nagios", "nagios_service_problem.env")
    assert (service.group_key, service.severity) == ("mail1.acme.test/SMTP", "critical")
    assert service.host_groups == ["acme-servers", "mail-servers"]
    host = parsed("nagios", "nagios_host_problem.env")
    assert (host.group_key, host.severity) == ("fw1.globex.test", "down")
    icinga = parsed("nagios", "icinga_service_problem.env")
    assert (icinga.group_key, icinga.title) == ("web3.acme.test/http",
                                                "HTTP on web3.acme.test is WARNING")  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        ("zabbix", {"event_value": "1"}, "event_id is missing."),
        ("zabbix", {"event_id": "1", "event_value": "7"}, "event_value must be 1"),
        ("nagios", {"NAGIOS_HOSTNAME": "x"}, "NOTIFICATIONTYPE is missing."),
        ("generic", {"status": "firing"}, "'group' is required"),
        ("grafana", {"alerts": "no"}, "no 'alerts' list"),
    ],
)
def test_malformed_payloads_say_what_is_wrong(kind, data, message):
    with pytest.raises(MalformedPayload, match=message.replace("(", r"\(")):
        PARSERS[kind](data)
