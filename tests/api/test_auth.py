"""Who may call: personal tokens (created, listed, revoked, expiring) and browser sessions."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client

from tests.conftest import token_for
from tierdesk.accounts.models import ApiToken, hash_token
from tierdesk.core.clock import now


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def test_a_user_creates_a_token_sees_it_once_and_it_works(world, api_as):
    created = api_as("l2").post("/api/v1/tokens", {"name": "CI"})
    assert created.status_code == 201
    raw = created.json()["token"]
    assert raw.startswith("tdk_")
    assert created.json()["hint"] == raw[:8]
    assert ApiToken.objects.get(pk=created.json()["id"]).key_hash == hash_token(raw)

    me = Client().get("/api/v1/me", headers=bearer(raw))
    assert me.json()["username"] == "l2"
    assert me.json()["role"] == "vendor_agent"
    assert me.json()["support_level"] == 2
    assert [t["name"] for t in me.json()["teams"]] == ["Technical support"]

    listed = api_as("l2").get("/api/v1/tokens").json()["items"]
    assert "CI" in [t["name"] for t in listed]
    assert all("token" not in t for t in listed)


def test_a_revoked_token_stops_working_at_once(world, api_as):
    raw = token_for(world.l1)
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    client = Client()
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 200

    revoked = client.delete(f"/api/v1/tokens/{token.pk}", headers=bearer(raw))
    assert revoked.status_code == 204

    refused = client.get("/api/v1/me", headers=bearer(raw))
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "The API token was revoked."


def test_an_expired_token_is_refused(world):
    raw = token_for(world.l1)
    ApiToken.objects.filter(key_hash=hash_token(raw)).update(expires_at=now() - timedelta(1))
    refused = Client().get("/api/v1/me", headers=bearer(raw))
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "The API token has expired."


def test_a_deactivated_users_token_is_refused(world):
    raw = token_for(world.l1)
    world.l1.is_active = False
    world.l1.save()
    assert Client().get("/api/v1/me", headers=bearer(raw)).status_code == 401


def test_an_unknown_or_malformed_token_is_refused(world):
    for header in ("Bearer tdk_nope", "Bearer", "Basic bDE6cGFzcw==", "Bearer not-a-token"):
        response = Client().get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_last_use_is_recorded_at_most_once_a_minute(world):
    raw = token_for(world.l1)
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    client = Client()
    with time_machine.travel("2026-11-20 10:00:00", tick=False):
        client.get("/api/v1/me", headers=bearer(raw))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with time_machine.travel("2026-11-20 10:00:40", tick=False):
        client.get("/api/v1/me", headers=bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at == first
    with time_machine.travel("2026-11-20 10:01:30", tick=False):
        client.get("/api/v1/me", headers=bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at == first + timedelta(seconds=90)


def test_a_token_name_is_required_and_an_expiry_must_lie_ahead(world, api_as):
    client = api_as("l1")
    assert client.post("/api/v1/tokens", {"name": "  "}).json()["error"]["field"] == "name"
    past = (now() - timedelta(days=1)).isoformat()
    refused = client.post("/api/v1/tokens", {"name": "old", "expires_at": past})
    assert refused.json()["error"]["field"] == "expires_at"


def test_a_bad_token_is_refused_even_with_a_signed_in_session(world):
    client = Client()
    client.force_login(world.l1)
    refused = client.get("/api/v1/me", headers=bearer("tdk_wrong"))
    assert refused.status_code == 401


def test_a_signed_in_browser_reads_without_a_token(world):
    client = Client()
    client.force_login(world.acme_contact)
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["organization"]["name"] == "Acme Retail"


def test_a_signed_in_browser_must_send_the_csrf_token_to_write(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.acme_contact)
    ticket = {"subject": "From the docs page", "body": "Trying the API"}
    refused = client.post("/api/v1/tickets", ticket, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"

    client.get("/api/v1/docs")  # the docs page sets the CSRF cookie, as in a browser
    csrf = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/tickets", ticket, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert accepted.status_code == 201, accepted.json()


def test_a_team_membership_change_applies_to_the_very_next_request(world, api_as):
    """The token lookup reads the agent's teams with the token: nothing is kept between
    requests, so joining or leaving a team is not served from a stale cache."""
    from tierdesk.tickets import services

    escalated = services.ticket_open(
        actor=world.l2, organization=world.acme, subject="Kerberos", body="b",
        team=world.tech_support,
    )  # fmt: skip
    path = f"/api/v1/tickets/{escalated.reference}"
    client = Client()
    headers = bearer(token_for(world.l1))
    agent = world.l1.agent
    assert client.get(path, headers=headers).status_code == 404

    agent.teams.add(world.tech_support)
    assert client.get(path, headers=headers).status_code == 200
    assert {t["name"] for t in client.get("/api/v1/me", headers=headers).json()["teams"]} == {
        "Service desk", "Technical support",
    }  # fmt: skip

    agent.teams.remove(world.tech_support)
    assert client.get(path, headers=headers).status_code == 404


def test_a_signed_in_session_reads_the_teams_with_the_user_on_every_request(world):
    """The session's user is loaded with the agent and its team ids in one query
    (``tierdesk.accounts.backends``); a change shows on the next request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = Client()
    browser.force_login(world.l1)
    with CaptureQueriesContext(connection) as queries:
        me = browser.get("/api/v1/me").json()
    assert me["role"] == "vendor_agent"
    statements = [q["sql"] for q in queries.captured_queries]
    # Neither the agent nor the principal's team ids in queries of their own.
    assert not [sql for sql in statements if sql.startswith('SELECT "accounts_agent"."id"')]
    assert not [sql for sql in statements if sql.startswith('SELECT "accounts_team"."id" AS')]

    world.l1.agent.teams.add(world.tech_support)
    me = browser.get("/api/v1/me").json()
    assert {t["name"] for t in me["teams"]} == {"Service desk", "Technical support"}
