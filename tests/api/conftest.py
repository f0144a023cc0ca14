"""Shared pieces for the API tests: a clean rate-limit slate and a few ready-made tickets."""

from __future__ import annotations

from typing import Any

import pytest

from tierdesk.core.api import throttles


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Any:
    # Counts live in process memory in embedded mode; one test's requests must not throttle
    # the next test's.
    throttles.clear()
    yield
    throttles.clear()


def open_ticket(api: Any, **fields: Any) -> dict[str, Any]:
    """Open a ticket through the API and return its JSON; fails loudly if refused."""
    body = {"subject": "Phones do not enroll", "body": "Since this morning no phone enrolls."}
    response = api.post("/api/v1/tickets", {**body, **fields})
    assert response.status_code == 201, response.json()
    return response.json()
