"""Bad input: a clear 400 and the payload kept for inspection, nothing half-written; 401 for
an unknown source or a wrong token; 413 over the size limit."""

from __future__ import annotations

import base64
import json

import pytest

from tests.monitoring.conftest import Sender, fixture_body
from tierdesk.cli import main
from tierdesk.monitoring.hooks import alert_received
from tierdesk.monitoring.models import AlertGroup, RawPayload
from tierdesk.tickets.models import Ticket


@pytest.fixture
def am(world, routes, tmp_path, capsys):
    return Sender("alertmanager", "endpoint", tmp_path, capsys)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "The body is not valid JSON"),
        (b"", "The body is empty"),
        (b"[1, 2]", "must be a JSON object, got list"),
        (b'{"status": "firing"}', "The payload has no 'alerts' list."),
        (b'{"status": "burning", "alerts": []}', "'status' must be firing or resolved"),
        (b'{"alerts": [{"labels": "x"}]}', "alerts[0].labels must be an object of strings."),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_a_malformed_body_is_400_and_kept(am, body, message):
    response = am.post(body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and message in error["message"]
    kept = RawPayload.objects.get()
    assert (kept.source, kept.outcome) == (am.source, "rejected") and message in kept.error
    assert not AlertGroup.objects.exists() and not Ticket.objects.exists()


def test_a_malformed_nagios_file_is_rejected_by_the_command_line(world, tmp_path, capsys):
    path = tmp_path / "broken.env"
    path.write_text("# no notification type here\nNAGIOS_HOSTNAME=db1\n")
    assert main(["ingest-alert", "--source", "nagios", str(path)]) == 1
    line = json.loads(capsys.readouterr().out)
    assert line == {"source": str(path), "action": "rejected", "ticket": None,
                    "reason": "NOTIFICATIONTYPE is missing."}  # fmt: skip
    assert RawPayload.objects.get().error == "NOTIFICATIONTYPE is missing."


def test_unknown_source_and_wrong_token_are_401(am, client):
    body = fixture_body("alertmanager_firing.json")
    assert am.post(body, token="tdm_wrong").status_code == 401
    unknown = client.post("/api/v1/monitoring/nosuch", body, content_type="application/json",
                          headers={"Authorization": f"Bearer {am.token}"})  # fmt: skip
    assert unknown.status_code == 401
    assert unknown.json()["error"]["code"] == "unauthorized"
    no_header = client.post(f"/api/v1/monitoring/{am.source.slug}", body,
                            content_type="application/json")  # fmt: skip
    assert no_header.status_code == 401
    assert not AlertGroup.objects.exists()


def test_basic_auth_with_the_token_as_password_is_accepted(am, client):
    basic = base64.b64encode(f"alertmanager:{am.token}".encode()).decode()
    response = client.post(f"/api/v1/monitoring/{am.source.slug}",
                           fixture_body("alertmanager_firing.json"),
                           content_type="application/json",
                           headers={"Authorization": f"Basic {basic}"})  # fmt: skip
    assert response.status_code == 200 and response.json()["action"] == "created"


def test_a_body_over_the_limit_is_413(am, settings):
    settings.TIERDESK_REQUEST_MAX_BYTES = 1000
    response = am.post(b'{"alerts": []' + b" " * 2000 + b"}")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_get_is_405(am, client):
    assert client.get(f"/api/v1/monitoring/{am.source.slug}").status_code == 405


def test_a_failure_while_applying_keeps_the_payload_and_writes_nothing(am):
    def explode(**payload):
        raise RuntimeError("subscriber broke")

    alert_received.subscribe(explode)
    try:
        with pytest.raises(RuntimeError):
            am.post(fixture_body("alertmanager_firing.json"))
    finally:
        alert_received.unsubscribe(explode)
    assert RawPayload.objects.get().outcome == "failed"
    assert not AlertGroup.objects.exists() and not Ticket.objects.exists()


def test_a_subscriber_may_silence_or_tag_an_alert(am):
    def maintenance(*, source, notice, group_id, verdict):
        if "db2.acme.test" in notice.hosts:
            verdict.silence("maintenance window 42")
        verdict.tag("seen-by-test")

    alert_received.subscribe(maintenance)
    try:
        created = am.send("alertmanager_firing.json")
        silenced = am.send("alertmanager_grown.json")
    finally:
        alert_received.unsubscribe(maintenance)
    assert created["action"] == "created"
    assert silenced == {"action": "ignored", "ticket": created["ticket"],
                        "reason": "silenced: maintenance window 42"}  # fmt: skip
    group = AlertGroup.objects.get()
    assert group.tags == ["seen-by-test"] and len(group.alerts) == 1
