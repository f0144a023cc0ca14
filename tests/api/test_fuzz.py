"""Every API operation, fuzzed from the OpenAPI document: no input may get a 5xx.

Schemathesis generates valid and invalid parameters and bodies for each operation and sends them
in process to the WSGI application (no server, no network) as a manager, who reaches every
endpoint. The examples per operation are few and derandomized so the run stays short and the
same in CI; the crafted cases of issue 12 have their own tests (``test_hardening``).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.test.client import ClientHandler
from hypothesis import HealthCheck, settings
from schemathesis.generation import GenerationMode

from tests.conftest import token_for
from tierdesk.api_root import api
from tierdesk.tickets import services

EXAMPLES_PER_OPERATION = 10


class InProcess:
    """The WSGI application as Django's test client calls it: the test's database connection
    (and its transaction) stays open between requests."""

    def __init__(self) -> None:
        self.handler = ClientHandler(enforce_csrf_checks=False)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        response = self.handler(environ)
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return [b"".join(response)]


schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = InProcess()
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES_PER_OPERATION,
    deterministic=True,
    database="none",
)


@pytest.fixture
def manager_token(world: Any) -> str:
    return token_for(world.manager)


@pytest.fixture
def acme_ticket(world: Any) -> str:
    """A real ticket, so the operations on one reach their services instead of a 404 (the
    crafted references have their own tests)."""
    ticket = services.ticket_open(
        actor=world.acme_contact, organization=world.acme, subject="Fuzzed", body="Fuzz me."
    )
    return ticket.reference


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_api_operation_answers_with_a_server_error(
    case: Any, manager_token: str, acme_ticket: str
) -> None:
    if "ref" in (case.path_parameters or {}):
        case.path_parameters["ref"] = acme_ticket
    response = case.call(headers={"Authorization": f"Bearer {manager_token}"})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
    )
