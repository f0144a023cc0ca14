"""Fixtures for the configuration tests: the mail tests' real SMTP sink and intake, and no
clock calendar cached across tests (a rolled-back calendar's id and revision may come back)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.mail.conftest import committed, ingest, mailbox, smtp_sink
from tests.web.conftest import client_as, desk, fresh_cache
from tierdesk.sla import calendars

__all__ = ["client_as", "committed", "desk", "fresh_cache", "ingest", "mailbox", "smtp_sink"]


@pytest.fixture(autouse=True)
def _no_cached_clock_calendars() -> Iterator[None]:
    calendars._cache.clear()
    yield
    calendars._cache.clear()
