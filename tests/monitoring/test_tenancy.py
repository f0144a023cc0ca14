"""Every URL monitoring adds, walked as every persona: the intake takes only its source's
token (a person's session or API token is refused), and an alert is seen and acknowledged only
by agents who may work its ticket; everybody else gets 404."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PERSONAS, token_for
from tests.monitoring.conftest import fixture_body
from tierdesk.accounts.principal import SYSTEM
from tierdesk.monitoring import policies
from tierdesk.monitoring.models import AlertGroup
from tierdesk.monitoring.services import payload_ingest, source_create

SEE_EVERYTHING = {"manager", "admin"}


@pytest.fixture
def acme_alert(world, routes):
    source, _token = source_create(actor=SYSTEM, name="am", slug="am", kind="alertmanager")
    payload_ingest(source=source, payload=fixture_body("alertmanager_firing.json"))
    return AlertGroup.objects.select_related("ticket").get()


@pytest.mark.parametrize("persona", [None, *PERSONAS])
def test_only_agents_who_work_the_ticket_may_acknowledge(world, acme_alert, persona):
    client = Client()
    user = world.persona(persona) if persona else None
    if user:
        client.force_login(user)
    response = client.post(f"/monitoring/alerts/{acme_alert.pk}/acknowledge/")
    allowed = user is not None and policies.can(user, policies.ACKNOWLEDGE, acme_alert)
    assert response.status_code == (302 if allowed else 404)
    if persona in SEE_EVERYTHING:
        assert allowed
    if (
        persona is None
        or persona.endswith("contact")
        or persona.endswith("colleague")
        or ("partner" in persona)
    ):
        assert not allowed
    acme_alert.refresh_from_db()
    assert (acme_alert.acknowledged_at is not None) == allowed


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_two_faces_agree(world, acme_alert, persona):
    user = world.persona(persona)
    seen = policies.visible(user, policies.VIEW, AlertGroup.objects.all()).exists()
    assert seen == policies.can(user, policies.VIEW, acme_alert)


def test_a_missing_alert_is_404(world):
    client = Client()
    client.force_login(world.admin)
    assert client.post("/monitoring/alerts/999999/acknowledge/").status_code == 404


@pytest.mark.parametrize("persona", [None, *PERSONAS])
def test_the_intake_refuses_people(world, persona, client):
    _source, _token = source_create(actor=SYSTEM, name="am", slug="am", kind="alertmanager")
    headers = {}
    if persona:
        client.force_login(world.persona(persona))
        headers = {"Authorization": f"Bearer {token_for(world.persona(persona))}"}
    response = client.post("/api/v1/monitoring/am", fixture_body("alertmanager_firing.json"),
                           content_type="application/json", headers=headers)  # fmt: skip
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert not AlertGroup.objects.exists()
