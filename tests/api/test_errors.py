"""Every failure answers in one shape: {"error": {"code", "message", "field", "details"}}."""

from __future__ import annotations

import time_machine
from django.test import override_settings

from tests.api.conftest import open_ticket

SHAPE = {"code", "message", "field", "details"}


def error_of(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == SHAPE
    return error


def test_an_invalid_field_is_a_422_naming_it(world, api_as):
    response = api_as("l1").post(
        "/api/v1/tickets",
        {"organization": world.acme.pk, "subject": "x", "body": "y", "priority": "urgent"},
    )
    error = error_of(response, 422)
    assert error["code"] == "invalid"
    assert error["field"] == "priority"


def test_a_nested_invalid_field_is_named_by_its_path(world, api_as):
    response = api_as("l1").post(
        "/api/v1/tickets",
        {"organization": world.acme.pk, "subject": "x", "body": "y", "impact": {"affected": 3}},
    )
    assert error_of(response, 422)["field"] == "impact.total"


def test_an_unknown_field_is_refused_rather_than_ignored(world, api_as):
    response = api_as("acme_contact").post(
        "/api/v1/tickets", {"subject": "x", "body": "y", "urgency": "high"}
    )
    assert error_of(response, 422)["field"] == "urgency"


def test_a_bad_query_parameter_is_a_422_naming_it(world, api_as):
    response = api_as("l1").get("/api/v1/tickets", page_size=1000)
    assert error_of(response, 422)["field"] == "page_size"


def test_malformed_json_is_a_400_that_says_so(world, api_as):
    client = api_as("acme_contact")
    response = client.client.post(
        "/api/v1/tickets", '{"subject": "x",', content_type="application/json",
        headers=client.headers,
    )  # fmt: skip
    error = error_of(response, 400)
    assert "not valid JSON" in error["message"]


def test_a_service_refusal_keeps_its_field(world, api_as):
    ticket = open_ticket(api_as("acme_contact"))
    response = api_as("acme_contact").post(
        f"/api/v1/tickets/{ticket['reference']}/replies", {"body": "   "}
    )
    error = error_of(response, 422)
    assert error["field"] == "body"


def test_an_action_the_status_does_not_allow_is_a_conflict(world, api_as):
    ticket = open_ticket(api_as("acme_contact"))
    response = api_as("acme_contact").post(f"/api/v1/tickets/{ticket['reference']}/close")
    assert error_of(response, 409)["code"] == "conflict"


def test_a_contact_may_not_escalate_their_own_ticket(world, api_as):
    ticket = open_ticket(api_as("acme_contact"))
    response = api_as("acme_contact").post(
        f"/api/v1/tickets/{ticket['reference']}/escalate", {"reason": "hurry"}
    )
    assert error_of(response, 403)["code"] == "forbidden"


def test_a_stale_version_is_a_409_and_changes_nothing(world, api_as):
    ticket = open_ticket(api_as("acme_contact"))
    path = f"/api/v1/tickets/{ticket['reference']}"
    l1 = api_as("l1")
    first = l1.post(f"{path}/priority", {"priority": 2, "reason": "VIP", "version": 1})
    assert first.status_code == 200
    assert first.json()["version"] == 2

    stale = l1.patch(path, {"subject": "Renamed", "version": 1})
    error = error_of(stale, 409)
    assert error["field"] == "version"
    assert error["details"] == {"current": 2}
    assert l1.get(path).json()["subject"] == "Phones do not enroll"


def test_an_unknown_ticket_and_an_unknown_endpoint_are_404(world, api_as):
    l1 = api_as("l1")
    assert error_of(l1.get("/api/v1/tickets/TD-999999"), 404)["code"] == "not_found"
    assert error_of(l1.get("/api/v1/tickets/not-a-number"), 404)["code"] == "not_found"
    assert error_of(l1.get("/api/v1/no/such/thing"), 404)["code"] == "not_found"


RATES = {"auth": "3/min", "user": "3/min", "anon": "2/min"}


@override_settings(NINJA_DEFAULT_THROTTLE_RATES=RATES)
def test_too_many_requests_with_a_token_are_throttled(world, api_as):
    client = api_as("l1")
    with time_machine.travel("2026-11-20 10:00:05", tick=False):
        assert [client.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 200]
        response = client.get("/api/v1/me")
    error = error_of(response, 429)
    assert error["code"] == "throttled"
    assert response["Retry-After"] == "55"
    with time_machine.travel("2026-11-20 10:01:01", tick=False):
        assert client.get("/api/v1/me").status_code == 200


@override_settings(NINJA_DEFAULT_THROTTLE_RATES=RATES)
def test_another_token_has_its_own_allowance(world, api_as):
    with time_machine.travel("2026-11-20 10:00:05", tick=False):
        busy = api_as("l1")
        for _ in range(3):
            busy.get("/api/v1/me")
        assert busy.get("/api/v1/me").status_code == 429
        assert api_as("l2").get("/api/v1/me").status_code == 200


@override_settings(NINJA_DEFAULT_THROTTLE_RATES=RATES)
def test_guessing_tokens_is_throttled_per_address(world, api_as):
    guesser = api_as(None)
    guesser.headers = {"Authorization": "Bearer tdk_guess"}
    with time_machine.travel("2026-11-20 10:00:05", tick=False):
        assert [guesser.get("/api/v1/me").status_code for _ in range(2)] == [401, 401]
        assert error_of(guesser.get("/api/v1/me"), 429)["code"] == "throttled"
